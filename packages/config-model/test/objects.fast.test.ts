/**
 * The hand-written readers (objects/fast.ts) against zod (objects/schemas.ts, the schema of
 * record): on every object of the golden inputs and on thousands of mutations of them, a reader
 * that answers must answer exactly what zod answers, and only for objects zod accepts.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { fastReaders } from '../src/objects/fast.ts';
import { endpointSliceSchema, ingressSchema, secretSchema, serviceSchema } from '../src/objects/schemas.ts';
import { endpointSlice, ingress, service } from './support/objects.ts';

const schemas = {
  Ingress: ingressSchema,
  Secret: secretSchema,
  Service: serviceSchema,
  EndpointSlice: endpointSliceSchema,
} as const;

type Kind = keyof typeof schemas;

function fixtures(): unknown[] {
  const dir = new URL('golden/', import.meta.url);
  const objects: unknown[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.yaml'))) {
    for (const doc of parseAllDocuments(readFileSync(new URL(file, dir), 'utf8'))) objects.push(doc.toJS());
  }
  objects.push(
    ingress('web', {
      annotations: { a: 'b' },
      className: 'nginx',
      rules: [{ host: 'a.example.com', paths: [{ path: '/', port: 'http' }] }],
      tls: [{ hosts: ['a.example.com'], secretName: 's' }],
      defaultBackend: { service: 'web', port: 80 },
    }),
    service('web', [
      { name: 'http', port: 80, targetPort: 'http' },
      { port: 443, targetPort: 8443 },
    ]),
    endpointSlice('web', [{ ip: '10.0.0.1' }], [{ port: 8080 }]),
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 's', namespace: 'n', uid: 'u', resourceVersion: '1', labels: { x: 'y' } },
      type: 'kubernetes.io/tls',
      data: { 'tls.crt': 'QQ==', 'tls.key': 'QQ==' },
      stringData: { 'ca.crt': 'x' },
    },
  );
  return objects.filter((o) => {
    const kind = (o as { kind?: unknown } | null)?.kind;
    return typeof kind === 'string' && kind in schemas;
  });
}

/** Replacement values for a leaf or a branch: wrong types, edge numbers, empty things. */
const odd: unknown[] = [
  null,
  undefined,
  0,
  -1,
  1.5,
  70000,
  '',
  'x',
  true,
  [],
  {},
  ['x'],
  { x: 1 },
  new Date(0),
];

/** The object with the value at `path` replaced (or removed when `value` is `remove`). */
function mutate(root: unknown, path: readonly (string | number)[], value: unknown, remove: boolean): unknown {
  if (path.length === 0) return value;
  const [head, ...rest] = path as [string | number, ...(string | number)[]];
  const copy = (Array.isArray(root) ? [...root] : { ...(root as object) }) as Record<
    string | number,
    unknown
  >;
  if (rest.length === 0 && remove) {
    if (Array.isArray(copy)) copy.splice(head as number, 1);
    else delete copy[head];
  } else {
    copy[head] = mutate(copy[head], rest, value, remove);
  }
  return copy;
}

function paths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (typeof value !== 'object' || value === null) return [prefix];
  const keys = Array.isArray(value) ? value.map((_, i) => i) : Object.keys(value);
  return [
    prefix,
    ...keys.flatMap((k) => paths((value as Record<string | number, unknown>)[k], [...prefix, k])),
  ];
}

function variants(object: unknown): unknown[] {
  const out: unknown[] = [object];
  for (const path of paths(object)) {
    if (path.length > 0) out.push(mutate(object, path, undefined, true));
    for (const value of odd) out.push(mutate(object, path, value, false));
    out.push(mutate(object, [...path, 'extra'], 'field', false));
  }
  out.push(mutate(object, ['metadata', 'annotations'], JSON.parse('{"__proto__":"x","a":"b"}'), false));
  return out;
}

describe('fast readers', () => {
  it('answer exactly as zod does, and only for objects zod accepts', () => {
    let answered = 0;
    let accepted = 0;
    for (const object of fixtures()) {
      const kind = (object as { kind: Kind }).kind;
      for (const variant of variants(object)) {
        const parsed = schemas[kind].safeParse(variant);
        if (parsed.success) accepted++;
        const fast = fastReaders[kind]?.(variant);
        if (fast === undefined) continue;
        answered++;
        assert.ok(parsed.success, `zod rejects what the fast reader accepted: ${JSON.stringify(variant)}`);
        assert.deepStrictEqual(fast, parsed.data);
        assert.deepStrictEqual(Object.keys(fast as object), Object.keys(parsed.data));
        assert.ok(Object.isFrozen(fast));
      }
    }
    // The fast path must actually carry the well-formed objects, not just stay correct by refusing.
    assert.ok(answered > accepted / 2, `fast readers answered ${answered} of the ${accepted} zod accepts`);
  });

  it('take every well-formed fixture object but resource backends (left to zod)', () => {
    for (const object of fixtures()) {
      const kind = (object as { kind: Kind }).kind;
      if (!schemas[kind].safeParse(object).success || JSON.stringify(object).includes('"resource"')) continue;
      assert.notEqual(fastReaders[kind]?.(object), undefined, JSON.stringify(object));
    }
  });
});
