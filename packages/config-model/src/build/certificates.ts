/**
 * Per-build access to certificates in Secrets. Parsing is memoized across builds by the
 * certificate cache (Secret uid + resourceVersion); problems with a Secret are reported once per
 * build, on the Secret, plus a line on each Ingress field that points at a broken Secret.
 */
import { type CertificateCache, certificateFromSecret, parseCaBundle } from '../certificates/index.ts';
import { type Diagnostic, diagnostic, type ObjectRef, objectRef } from '../diagnostics.ts';
import type { Secret } from '../objects/schemas.ts';
import type { Certificate } from '../table.ts';

export class CertificateStore {
  readonly #secrets = new Map<string, Secret>();
  readonly #loaded = new Map<string, Certificate | null>();
  readonly #used = new Map<string, Certificate>();
  readonly #cache: CertificateCache;
  readonly #now: Date;
  readonly #out: Diagnostic[];

  constructor(secrets: readonly Secret[], cache: CertificateCache, now: Date, out: Diagnostic[]) {
    this.#cache = cache;
    this.#now = now;
    this.#out = out;
    for (const s of secrets) this.#secrets.set(`${s.metadata.namespace}/${s.metadata.name}`, s);
  }

  secret(namespace: string, name: string): Secret | undefined {
    return this.#secrets.get(`${namespace}/${name}`);
  }

  /** The certificate in Secret namespace/name, or null (with diagnostics) when unusable. */
  load(namespace: string, name: string, referrer: ObjectRef): Certificate | null {
    const id = `${namespace}/${name}`;
    const secret = this.#secrets.get(id);
    if (secret === undefined) {
      this.#out.push(
        diagnostic(
          'SecretNotFound',
          referrer,
          `Secret ${id} not found; the default certificate is served instead`,
        ),
      );
      return null;
    }
    const certificate = this.#loaded.has(id) ? (this.#loaded.get(id) ?? null) : this.#parse(id, secret);
    if (certificate === null && referrer.kind !== 'Secret') {
      this.#out.push(
        diagnostic(
          'CertificateInvalid',
          referrer,
          `Secret ${id} holds no usable certificate (see the Secret's diagnostics); the default certificate is served instead`,
        ),
      );
    }
    return certificate;
  }

  #parse(id: string, secret: Secret): Certificate | null {
    const result = certificateFromSecret(secret, this.#now, this.#cache);
    this.#out.push(...result.diagnostics);
    this.#loaded.set(id, result.certificate);
    return result.certificate;
  }

  /** Marks a certificate as served, so it lands in the table. */
  use(certificate: Certificate): string {
    this.#used.set(certificate.id, certificate);
    return certificate.id;
  }

  used(): Record<string, Certificate> {
    const ids = [...this.#used.keys()].sort();
    return Object.fromEntries(ids.map((id) => [id, this.#used.get(id) as Certificate]));
  }

  /** A CA bundle from a Secret key (auth-tls, proxy-ssl), or null with a diagnostic. */
  caBundle(namespace: string, name: string, key: string, referrer: ObjectRef): string | null {
    const secret = this.#secrets.get(`${namespace}/${name}`);
    if (secret === undefined) {
      this.#out.push(diagnostic('SecretNotFound', referrer, `Secret ${namespace}/${name} not found`));
      return null;
    }
    const text = secretValue(secret, key);
    if (text === undefined) {
      this.#out.push(
        diagnostic(
          'SecretMissingKey',
          objectRef('Secret', namespace, name, key),
          `Secret has no "${key}" key`,
        ),
      );
      return null;
    }
    const parsed = parseCaBundle(text, objectRef('Secret', namespace, name, key));
    this.#out.push(...parsed.diagnostics);
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
