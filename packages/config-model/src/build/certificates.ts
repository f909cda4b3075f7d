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
import { inspectSecretTimeless } from '../certificates/secret.ts';
import { type Diagnostic, diagnostic, type ObjectRef, objectRef } from '../diagnostics.ts';
import type { Secret } from '../objects/schemas.ts';
import type { Certificate } from '../table.ts';
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
  #lastUsed: { list: Certificate[]; ids: string[]; record: Record<string, Certificate> } | null = null;

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
    if (loads.length > 0) this.#loaded.push(loads);
    return loads;
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
    const now = this.#now.getTime();
    for (const loads of this.#loaded) for (const [, entry] of loads) this.#report(entry, now, out);
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
      const { certificate, diagnostics } = inspectSecretTimeless(secret, this.#cache);
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
   * The served certificates by id; the previous build's record when the same certificates
   * were used in the same order (one id is one Secret, so one Certificate object per build).
   */
  used(): Record<string, Certificate> {
    const last = this.#lastUsed;
    const list = this.#used;
    if (last !== null && sameItems(last.list, list)) return last.record;
    const byId = new Map(list.map((c) => [c.id, c]));
    // A rotated certificate keeps its id: the sorted ids of the last build still apply.
    const sameIds =
      last !== null && last.list.length === list.length && last.list.every((c, i) => c.id === list[i]?.id);
    const ids = sameIds ? last.ids : [...byId.keys()].sort();
    const record = Object.freeze(Object.fromEntries(ids.map((id) => [id, byId.get(id) as Certificate])));
    this.#lastUsed = { list, ids, record };
    return record;
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
