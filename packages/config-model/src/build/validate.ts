/**
 * Validates raw snapshot objects with zod (well-formed objects of the common kinds by the
 * equivalent hand-written readers of objects/fast.ts, several times faster). Results are
 * memoized per raw object (a WeakMap), so a rebuild after one change re-validates only that
 * object: informers and the manifest loader hand out the same object references until an
 * object changes.
 */
import type { z } from 'zod';
import { deepFreeze } from '../deep-freeze.ts';
import { type Diagnostic, diagnostic, objectRef } from '../diagnostics.ts';
import { fastReaders } from '../objects/fast.ts';
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

/** One kind's last list: raw objects (a copy), and per raw object its place among the values. */
interface LastList {
  readonly raws: readonly unknown[];
  readonly values: readonly unknown[];
  /** Index into `values` of each raw object, -1 where it was invalid. */
  readonly places: readonly number[];
  readonly failures: readonly Diagnostic[];
}

/** Few enough replaced objects to patch the last values instead of walking every object. */
const PATCH_LIMIT = 64;

export class Validator {
  readonly #memo = new WeakMap<object, Outcome<unknown>>();
  readonly #last = new Map<string, LastList>();

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

  /**
   * The valid objects of one kind. The same raw list (element by element) gives the same values
   * array, so later stages can tell "nothing changed" by identity; a few replaced objects patch
   * a copy of it. Both skip the per-object memo lookups, which add up over 40,000 objects.
   */
  #all<S extends z.ZodType>(
    raws: readonly unknown[],
    schema: S,
    kind: string,
    out: Diagnostic[],
  ): readonly z.output<S>[] {
    const last = this.#last.get(kind);
    const next = last === undefined ? undefined : this.#patch(last, raws, schema, kind);
    const list = next ?? this.#walk(raws, schema, kind);
    this.#last.set(kind, list);
    for (const d of list.failures) out.push(d);
    return list.values as readonly z.output<S>[];
  }

  #walk<S extends z.ZodType>(raws: readonly unknown[], schema: S, kind: string): LastList {
    const values: unknown[] = [];
    const places: number[] = [];
    const failures: Diagnostic[] = [];
    for (const raw of raws) {
      const outcome = this.#one(raw, schema, kind);
      places.push(outcome.ok ? values.push(outcome.value) - 1 : -1);
      if (!outcome.ok) failures.push(outcome.diagnostic);
    }
    return { raws: raws.slice(), values, places, failures };
  }

  /** The last list with the replaced objects swapped, or undefined when a walk is needed. */
  #patch<S extends z.ZodType>(
    last: LastList,
    raws: readonly unknown[],
    schema: S,
    kind: string,
  ): LastList | undefined {
    if (last.raws.length !== raws.length) return undefined;
    const replaced: number[] = [];
    for (let i = 0; i < raws.length; i++) {
      if (raws[i] !== last.raws[i] && replaced.push(i) > PATCH_LIMIT) return undefined;
    }
    if (replaced.length === 0) return last;
    const values = last.values.slice();
    for (const i of replaced) {
      const place = last.places[i] as number;
      const outcome = this.#one(raws[i], schema, kind);
      // Valid before and after: same place. Anything else moves places or failures; walk.
      if (place < 0 || !outcome.ok) return undefined;
      values[place] = outcome.value;
    }
    return { raws: raws.slice(), values, places: last.places, failures: last.failures };
  }

  #one<S extends z.ZodType>(raw: unknown, schema: S, kind: string): Outcome<z.output<S>> {
    const key = typeof raw === 'object' && raw !== null ? raw : undefined;
    const hit = key === undefined ? undefined : this.#memo.get(key);
    if (hit !== undefined) return hit as Outcome<z.output<S>>;
    // The hand-written reader answers for well-formed objects of the common kinds; zod for the rest.
    const fast = fastReaders[kind]?.(raw);
    if (fast !== undefined) {
      const outcome = { ok: true, value: fast as z.output<S> } as const;
      if (key !== undefined) this.#memo.set(key, outcome);
      return outcome;
    }
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
