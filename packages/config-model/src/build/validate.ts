/**
 * Validates raw snapshot objects with zod. Results are memoized per raw object (a WeakMap), so a
 * rebuild after one change re-validates only that object: informers and the manifest loader hand
 * out the same object references until an object changes.
 */
import type { z } from 'zod';
import { type Diagnostic, diagnostic, objectRef } from '../diagnostics.ts';
import {
  configMapSchema,
  endpointSliceSchema,
  ingressClassSchema,
  ingressSchema,
  secretSchema,
  serviceSchema,
} from '../objects/schemas.ts';
import type { Snapshot } from '../objects/snapshot.ts';

type Outcome<T> = { ok: true; value: T } | { ok: false; diagnostic: Diagnostic };

export class Validator {
  readonly #memo = new WeakMap<object, Outcome<unknown>>();

  ingresses = (snapshot: Snapshot, out: Diagnostic[]) =>
    this.#all(snapshot.ingresses, ingressSchema, 'Ingress', out);
  ingressClasses = (snapshot: Snapshot, out: Diagnostic[]) =>
    this.#all(snapshot.ingressClasses, ingressClassSchema, 'IngressClass', out);
  secrets = (snapshot: Snapshot, out: Diagnostic[]) =>
    this.#all(snapshot.secrets, secretSchema, 'Secret', out);
  services = (snapshot: Snapshot, out: Diagnostic[]) =>
    this.#all(snapshot.services, serviceSchema, 'Service', out);
  endpointSlices = (snapshot: Snapshot, out: Diagnostic[]) =>
    this.#all(snapshot.endpointSlices, endpointSliceSchema, 'EndpointSlice', out);
  configMaps = (snapshot: Snapshot, out: Diagnostic[]) =>
    this.#all(snapshot.configMaps, configMapSchema, 'ConfigMap', out);

  #all<S extends z.ZodType>(
    raws: readonly unknown[],
    schema: S,
    kind: string,
    out: Diagnostic[],
  ): z.output<S>[] {
    const values: z.output<S>[] = [];
    for (const raw of raws) {
      const outcome = this.#one(raw, schema, kind) as Outcome<z.output<S>>;
      if (outcome.ok) values.push(outcome.value);
      else out.push(outcome.diagnostic);
    }
    return values;
  }

  #one<S extends z.ZodType>(raw: unknown, schema: S, kind: string): Outcome<z.output<S>> {
    const key = typeof raw === 'object' && raw !== null ? raw : undefined;
    const hit = key === undefined ? undefined : this.#memo.get(key);
    if (hit !== undefined) return hit as Outcome<z.output<S>>;
    const parsed = schema.safeParse(raw);
    const outcome: Outcome<z.output<S>> = parsed.success
      ? { ok: true, value: deepFreeze(parsed.data) }
      : { ok: false, diagnostic: invalid(raw, kind, parsed.error.issues) };
    if (key !== undefined) this.#memo.set(key, outcome);
    return outcome;
  }
}

function invalid(raw: unknown, kind: string, issues: readonly z.core.$ZodIssue[]): Diagnostic {
  const meta = (raw as { metadata?: { name?: unknown; namespace?: unknown } } | null)?.metadata;
  const name = typeof meta?.name === 'string' ? meta.name : '<unnamed>';
  const namespace =
    typeof meta?.namespace === 'string' ? meta.namespace : kind === 'IngressClass' ? '' : 'default';
  const first = issues[0];
  const field = first === undefined ? undefined : fieldPath(first.path);
  const reasons = issues
    .slice(0, 3)
    .map((issue) => `${fieldPath(issue.path) || '(root)'}: ${issue.message}`)
    .join('; ');
  return diagnostic(
    'InvalidObject',
    objectRef(kind, namespace, name, field || undefined),
    `${kind} is not valid and is ignored: ${reasons}`,
  );
}

/** `spec.rules[0].host`, the way kubectl names fields. */
function fieldPath(path: readonly PropertyKey[]): string {
  return path
    .map((part, i) => (typeof part === 'number' ? `[${part}]` : `${i === 0 ? '' : '.'}${String(part)}`))
    .join('');
}

/** Object.freeze all the way down; stops at already-frozen objects (memoized parts). */
export function deepFreeze<T>(value: T): T {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return value;
  for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  return Object.freeze(value);
}
