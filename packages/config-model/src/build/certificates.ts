/**
 * Certificates in Secrets, for the builds of one builder. A Secret is inspected once per
 * Secret object (objects keep their identity until they change, validate.ts), then through the
 * certificate cache (uid + resourceVersion). Only the validity warnings depend on the clock, and
 * they change only when `now` crosses notBefore or notAfter, so they are remade only then.
 *
 * Problems with a Secret are reported once per build, on the Secret, for every Secret some
 * server loaded (finish()); a line on each Ingress field that points at a broken Secret goes to
 * the current Scope, with the Secret recorded as a dependency of that scope.
 */
import { type CertificateCache, parseCaBundle } from '../certificates/index.ts';
import { validityDiagnostics } from '../certificates/inspect.ts';
import { ParallelInspection } from '../certificates/parallel.ts';
import { cacheKey, inspectSecretTimeless } from '../certificates/secret.ts';
import { type Diagnostic, diagnostic, type ObjectRef, objectRef } from '../diagnostics.ts';
import type { Secret } from '../objects/schemas.ts';
import type { Certificate } from '../table.ts';
import { exact } from './exact.ts';
import { type ChangeTracker, Scope, sameItems, secretKey } from './tracker.ts';

/** One Secret object's certificate, its clock-free diagnostics and its last validity verdict. */
export interface SecretEntry {
  readonly ref: ObjectRef;
  readonly certificate: Certificate | null;
  readonly timeless: readonly Diagnostic[];
  readonly notBefore: number;
  readonly notAfter: number;
  /** -1 not yet valid, 0 valid, 1 expired, NaN not judged yet; `dated` belongs to it. */
  verdict: number;
  dated: readonly Diagnostic[];
}

/** The certificates of one table, sorted by id. */
export interface UsedCertificates {
  readonly record: Readonly<Record<string, Certificate>>;
  readonly sorted: readonly Certificate[];
}

/** Secrets a scope loaded (id and entry), so a reused result can mark them loaded again. */
export type LoadedSecrets = [id: string, entry: SecretEntry][];

export class CertificateStore {
  readonly #tracker: ChangeTracker;
  readonly #cache: CertificateCache;
  readonly #entries = new WeakMap<Secret, SecretEntry>();
  #now = new Date(0);
  #scope = new Scope();
  /** What this build loaded, one list per scope (per host): no per-Secret bookkeeping. */
  #loaded: LoadedSecrets[] = [];
  #scopeLoads: LoadedSecrets = [];
  /** Certificates served this build, repeats included (several hosts, one Secret). */
  #used: Certificate[] = [];
  #lastUsed: LastUsed | null = null;
  #parallel: ParallelInspection | null = null;

  constructor(tracker: ChangeTracker, cache: CertificateCache) {
    this.#tracker = tracker;
    this.#cache = cache;
  }

  /** Starts a build: nothing loaded or used yet. */
  begin(now: Date, scope: Scope): void {
    this.#now = now;
    this.#scope = scope;
    this.#scopeLoads = [];
    this.#loaded = [this.#scopeLoads];
    this.#used = [];
  }

  /**
   * Hands the Secrets this build has not inspected yet to the inspection thread (parallel.ts)
   * when there are at least `minimum` of them (false: never), those named by `need` first and
   * in that order (secretKey()s): the thread then stays ahead of the hosts that load them.
   */
  prefetch(
    secrets: readonly Secret[],
    minimum: number | false,
    need: () => readonly string[] = () => [],
  ): void {
    this.#parallel?.close();
    this.#parallel = null;
    if (minimum === false) return;
    const fresh = secrets.filter((s) => !this.#entries.has(s) && !this.#cache.has(cacheKey(s)));
    if (fresh.length < minimum) return;
    const rank = new Map<string, number>();
    for (const key of need()) if (!rank.has(key)) rank.set(key, rank.size);
    const ranked = fresh.map((secret) => ({
      secret,
      rank: rank.get(secretKey(secret.metadata.namespace, secret.metadata.name)) ?? rank.size,
    }));
    // Stable: Secrets no TLS entry names keep their order, after the others.
    ranked.sort((a, b) => a.rank - b.rank);
    this.#parallel = ParallelInspection.start(
      ranked.map((r) => r.secret),
      minimum,
    );
  }

  /** Runs fn with lookups recorded in `scope`; returns the Secrets it loaded. */
  within(scope: Scope, fn: () => void): LoadedSecrets {
    const outer = { scope: this.#scope, loads: this.#scopeLoads };
    const loads: LoadedSecrets = [];
    this.#scope = scope;
    this.#scopeLoads = loads;
    try {
      fn();
    } finally {
      this.#scope = outer.scope;
      this.#scopeLoads = outer.loads;
    }
    if (loads.length === 0) return loads;
    const kept = exact(loads);
    this.#loaded.push(kept);
    return kept;
  }

  secret(namespace: string, name: string): Secret | undefined {
    const key = secretKey(namespace, name);
    this.#scope.deps.push(key);
    return this.#tracker.secrets.get(key);
  }

  /** The certificate in Secret namespace/name, or null (with diagnostics) when unusable. */
  load(namespace: string, name: string, referrer: ObjectRef): Certificate | null {
    const id = `${namespace}/${name}`;
    const secret = this.secret(namespace, name);
    const out = this.#scope.diagnostics;
    if (secret === undefined) {
      out.push(
        diagnostic(
          'SecretNotFound',
          referrer,
          `Secret ${id} not found; the default certificate is served instead`,
        ),
      );
      return null;
    }
    const entry = this.#entry(secret);
    this.#scopeLoads.push([id, entry]);
    if (entry.certificate === null && referrer.kind !== 'Secret') {
      out.push(
        diagnostic(
          'CertificateInvalid',
          referrer,
          `Secret ${id} holds no usable certificate (see the Secret's diagnostics); the default certificate is served instead`,
        ),
      );
    }
    return entry.certificate;
  }

  /** Marks Secrets loaded by a reused result as loaded in this build too. */
  reload(loads: LoadedSecrets): void {
    if (loads.length > 0) this.#loaded.push(loads);
  }

  /**
   * Each loaded Secret's own diagnostics, validity judged at this build's `now`. A Secret
   * loaded for several hosts reports the same Diagnostic objects again; the sink drops repeats.
   */
  finish(out: Diagnostic[]): void {
    this.#parallel?.close();
    this.#parallel = null;
    const now = this.#now.getTime();
    // Index loops: 10,000 hosts' loads per build, no iterator or destructuring for each.
    const loaded = this.#loaded;
    for (let i = 0; i < loaded.length; i++) {
      const loads = loaded[i] as LoadedSecrets;
      for (let j = 0; j < loads.length; j++) this.#report((loads[j] as LoadedSecrets[number])[1], now, out);
    }
  }

  #report(entry: SecretEntry, now: number, out: Diagnostic[]): void {
    for (const d of entry.timeless) out.push(d);
    if (entry.certificate === null) return;
    // Same tests, same order as validityDiagnostics.
    const verdict = now > entry.notAfter ? 1 : now < entry.notBefore ? -1 : 0;
    if (verdict !== entry.verdict) {
      entry.dated = validityDiagnostics(entry.certificate.facts, entry.ref, this.#now);
      entry.verdict = verdict;
    }
    for (const d of entry.dated) out.push(d);
  }

  #entry(secret: Secret): SecretEntry {
    let entry = this.#entries.get(secret);
    if (entry === undefined) {
      const { certificate, diagnostics } = inspectSecretTimeless(secret, this.#cache, this.#parallel);
      entry = {
        ref: objectRef('Secret', secret.metadata.namespace, secret.metadata.name),
        certificate,
        timeless: diagnostics,
        notBefore: certificate === null ? 0 : Date.parse(certificate.facts.notBefore),
        notAfter: certificate === null ? 0 : Date.parse(certificate.facts.notAfter),
        verdict: Number.NaN,
        dated: [],
      };
      this.#entries.set(secret, entry);
    }
    return entry;
  }

  /** Marks a certificate as served, so it lands in the table. */
  use(certificate: Certificate): string {
    this.#used.push(certificate);
    return certificate.id;
  }

  /**
   * The served certificates sorted by id, as the table's record and as a list; the previous
   * build's when the same certificates were used in the same order. With 10,000 certificates
   * the record costs milliseconds: it is built by a plain loop over the last sorted list, patched.
   */
  used(): UsedCertificates {
    const last = this.#lastUsed;
    const list = this.#used;
    if (last !== null && sameItems(last.list, list)) return last.used;
    const sorted = (last === null ? undefined : patchSorted(last, list)) ?? sortAll(list);
    const record: Record<string, Certificate> = {};
    for (const certificate of sorted) record[certificate.id] = certificate;
    const used = { record: Object.freeze(record), sorted };
    this.#lastUsed = { list, used };
    return used;
  }

  /** A CA bundle from a Secret key (auth-tls, proxy-ssl), or null with a diagnostic. */
  caBundle(namespace: string, name: string, key: string, referrer: ObjectRef): string | null {
    const secret = this.secret(namespace, name);
    const out = this.#scope.diagnostics;
    if (secret === undefined) {
      out.push(diagnostic('SecretNotFound', referrer, `Secret ${namespace}/${name} not found`));
      return null;
    }
    const text = secretValue(secret, key);
    if (text === undefined) {
      out.push(
        diagnostic(
          'SecretMissingKey',
          objectRef('Secret', namespace, name, key),
          `Secret has no "${key}" key`,
        ),
      );
      return null;
    }
    const parsed = parseCaBundle(text, objectRef('Secret', namespace, name, key));
    out.push(...parsed.diagnostics);
    return parsed.pem;
  }
}

/** A Secret value as text: stringData wins over data (as the API server merges them). */
export function secretValue(secret: Secret, key: string): string | undefined {
  const plain = secret.stringData?.[key];
  if (plain !== undefined) return plain;
  const encoded = secret.data?.[key];
  return encoded === undefined ? undefined : Buffer.from(encoded, 'base64').toString('utf8');
}

interface LastUsed {
  readonly list: readonly Certificate[];
  readonly used: UsedCertificates;
}

/** Each id once (one id is one Secret: one object per build), in id order. */
function sortAll(list: readonly Certificate[]): Certificate[] {
  const byId = new Map<string, Certificate>();
  for (const certificate of list) byId.set(certificate.id, certificate);
  return [...byId.keys()].sort().map((id) => byId.get(id) as Certificate);
}

/** More certificates in and out than this and the ids are sorted again. */
const PATCH_LIMIT = 64;

/**
 * A rebuild uses the last build's certificates but for a few hosts' (a rotated Secret, a host
 * that now falls back to the default certificate): the list differs in one stretch. The last
 * sorted certificates with that stretch's taken out or put in, instead of sorting 10,000 ids.
 */
function patchSorted(last: LastUsed, list: readonly Certificate[]): Certificate[] | undefined {
  const before = last.list;
  const shorter = Math.min(before.length, list.length);
  let start = 0;
  while (start < shorter && before[start] === list[start]) start++;
  let end = 0;
  while (end < shorter - start && before[before.length - 1 - end] === list[list.length - 1 - end]) end++;
  const removed = before.slice(start, before.length - end);
  const added = list.slice(start, list.length - end);
  if (removed.length + added.length > PATCH_LIMIT) return undefined;
  const fresh = new Map(added.map((c) => [c.id, c]));
  const sorted = last.used.sorted.slice();
  for (const { id } of removed) {
    if (fresh.has(id) || list.some((c) => c.id === id)) continue;
    const at = sortedIndex(sorted, id);
    if (sorted[at]?.id === id) sorted.splice(at, 1);
  }
  for (const certificate of fresh.values()) {
    const at = sortedIndex(sorted, certificate.id);
    if (sorted[at]?.id === certificate.id) sorted[at] = certificate;
    else sorted.splice(at, 0, certificate);
  }
  return sorted;
}

/** The first index whose id is not below `id` (ids sorted as Array.prototype.sort sorts strings). */
function sortedIndex(sorted: readonly Certificate[], id: string): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((sorted[middle] as Certificate).id < id) low = middle + 1;
    else high = middle;
  }
  return low;
}
