/**
 * Which referenced objects changed since a memoized result was made. Validated objects keep
 * their identity while the raw object is unchanged (validate.ts), so "changed" is "another
 * object, or none, under the same namespace/name". Keys are `secret:NS/NAME` (a Secret) and
 * `service:NS/NAME` (a Service or any EndpointSlice labelled with its name): exactly what a
 * backend or a certificate lookup reads.
 *
 * Each key remembers the generation (build number) it last changed in; a memo remembers the
 * generation it was last checked in, and is still good when none of its keys changed since.
 */
import type { Diagnostic } from '../diagnostics.ts';
import type { EndpointSlice, Secret, Service } from '../objects/schemas.ts';

const serviceNameLabel = 'kubernetes.io/service-name';

export const secretKey = (namespace: string, name: string): string =>
  keyOf(secretKeys, 'secret', namespace, name);
export const serviceKey = (namespace: string, name: string): string =>
  keyOf(serviceKeys, 'service', namespace, name);

/**
 * Keys are made once per object name and reused: a key concatenated anew for every lookup must
 * also be flattened and hashed anew by each Map it is looked up in (tens of thousands a build).
 * A pure cache, dropped when it grows large so names of deleted objects do not pile up.
 */
type KeyCache = Map<string, Map<string, string>>;
const secretKeys: KeyCache = new Map();
const serviceKeys: KeyCache = new Map();
const KEY_CACHE_LIMIT = 100_000;
let cachedKeys = 0;

function keyOf(cache: KeyCache, kind: string, namespace: string, name: string): string {
  let names = cache.get(namespace);
  if (names === undefined) {
    names = new Map();
    cache.set(namespace, names);
  }
  let key = names.get(name);
  if (key === undefined) {
    if (++cachedKeys > KEY_CACHE_LIMIT) {
      secretKeys.clear();
      serviceKeys.clear();
      cachedKeys = 0;
    }
    key = `${kind}:${namespace}/${name}`;
    names.set(name, key);
  }
  return key;
}

/** What one memoized computation read (dependency keys) and reported. */
export class Scope {
  readonly deps: string[] = [];
  readonly diagnostics: Diagnostic[] = [];
}

/** A memo entry's bookkeeping: its dependency keys and the generation it was last checked in. */
export interface Checked {
  readonly deps: readonly string[];
  checkedAt: number;
}

export class ChangeTracker {
  generation = 0;
  secrets = new Map<string, Secret>();
  services = new Map<string, Service>();
  /** Service key -> its EndpointSlices, in snapshot order. */
  slices = new Map<string, EndpointSlice[]>();
  readonly #changedAt = new Map<string, number>();
  #changedNow = new Set<string>();
  #lists = {
    secrets: [] as readonly Secret[],
    services: [] as readonly Service[],
    slices: [] as readonly EndpointSlice[],
  };

  /** Indexes this build's objects; only lists that differ from the last build are re-indexed. */
  update(secrets: readonly Secret[], services: readonly Service[], slices: readonly EndpointSlice[]): void {
    this.generation++;
    this.#changedNow = new Set();
    const previous = this.#lists;
    this.#lists = { secrets, services, slices };
    if (
      !sameItems(previous.secrets, secrets) &&
      !this.#patch(this.secrets, previous.secrets, secrets, secretKey)
    ) {
      const next = new Map<string, Secret>();
      for (const s of secrets) next.set(this.#key(s, secretKey), s);
      this.#diff(this.secrets, next);
      this.secrets = next;
    }
    if (
      !sameItems(previous.services, services) &&
      !this.#patch(this.services, previous.services, services, serviceKey)
    ) {
      const next = new Map<string, Service>();
      for (const s of services) next.set(this.#key(s, serviceKey), s);
      this.#diff(this.services, next);
      this.services = next;
    }
    if (!sameItems(previous.slices, slices)) {
      const nextSlices = new Map<string, EndpointSlice[]>();
      for (const slice of slices) {
        const owner = slice.metadata.labels?.[serviceNameLabel];
        if (owner === undefined) continue;
        const key = serviceKey(slice.metadata.namespace, owner);
        const list = nextSlices.get(key);
        if (list === undefined) nextSlices.set(key, [slice]);
        else list.push(slice);
      }
      this.#diff(this.slices, nextSlices);
      this.slices = nextSlices;
    }
  }

  /** The keys that changed in this generation (since the previous update). */
  get changedNow(): ReadonlySet<string> {
    return this.#changedNow;
  }

  /** True when none of the memo's keys changed since it was last checked; stamps it checked. */
  unchanged(memo: Checked): boolean {
    const since = memo.checkedAt;
    if (since === this.generation) return true;
    const ok =
      since === this.generation - 1
        ? this.#changedNow.size === 0 || !memo.deps.some((k) => this.#changedNow.has(k))
        : memo.deps.every((k) => (this.#changedAt.get(k) ?? 0) <= since);
    if (ok) memo.checkedAt = this.generation;
    return ok;
  }

  /**
   * The common case of a watch event: the list is the same but for a few objects replaced in
   * place. With unique keys (index size = list length) the index is patched instead of rebuilt;
   * false when that does not apply, and nothing was touched.
   */
  #patch<T extends Secret | Service>(
    index: Map<string, T>,
    before: readonly T[],
    after: readonly T[],
    make: (namespace: string, name: string) => string,
  ): boolean {
    if (before.length !== after.length || index.size !== after.length) return false;
    const replaced: number[] = [];
    for (let i = 0; i < after.length; i++) {
      if (before[i] === after[i]) continue;
      if (replaced.push(i) > 16) return false;
    }
    const keys = replaced.map(
      (i) => [this.#key(before[i] as T, make), this.#key(after[i] as T, make)] as const,
    );
    // Only a change of name could make keys collide; then rebuild.
    if (keys.some(([old, now]) => old !== now)) return false;
    for (const [j, i] of replaced.entries()) {
      const key = (keys[j] as readonly [string, string])[1];
      index.set(key, after[i] as T);
      this.#changed(key);
    }
    return true;
  }

  #diff<T>(before: Map<string, T | T[]>, after: Map<string, T | T[]>): void {
    // The first index: nothing was memoized before it, and every memo is checked at generation
    // 1 or later, so its keys need no record (an unrecorded key counts as changed at 0).
    if (this.generation === 1) return;
    let changed = 0;
    for (const [key, value] of after) {
      const old = before.get(key);
      if (old === value || (Array.isArray(old) && Array.isArray(value) && sameItems(old, value))) continue;
      this.#changed(key);
      changed++;
    }
    // Same size and every key of `after` already there unchanged: nothing was removed either.
    if (before.size === after.size && changed === 0) return;
    for (const key of before.keys()) if (!after.has(key)) this.#changed(key);
  }

  #changed(key: string): void {
    this.#changedAt.set(key, this.generation);
    this.#changedNow.add(key);
  }

  /** The object's key; made once per name (keyOf), so no per-object memo is needed. */
  #key(object: Secret | Service, make: (namespace: string, name: string) => string): string {
    return make(object.metadata.namespace, object.metadata.name);
  }
}

export function sameItems<T>(a: readonly T[], b: readonly T[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
