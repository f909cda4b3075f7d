/**
 * kubernetes.io/tls Secrets -> Certificate. Like ingress-nginx, the Secret's `type` is not
 * checked: any Secret with tls.crt and tls.key serves.
 */
import { hash } from 'node:crypto';
import { deepFreeze } from '../deep-freeze.ts';
import { type Diagnostic, diagnostic, type ObjectRef, objectRef } from '../diagnostics.ts';
import type { Secret } from '../objects/schemas.ts';
import type { Certificate } from '../table.ts';
import { isBase64 } from './base64.ts';
import type { CachedInspection, CertificateCache } from './cache.ts';
import { inspectTimeless, validityDiagnostics } from './inspect.ts';
import type { ParallelInspection } from './parallel.ts';

export const TLS_CERT_KEY = 'tls.crt';
export const TLS_PRIVATE_KEY_KEY = 'tls.key';

export interface SecretCertificateResult {
  readonly certificate: Certificate | null;
  readonly diagnostics: Diagnostic[];
}

export function certificateFromSecret(
  secret: Secret,
  now: Date,
  cache?: CertificateCache,
): SecretCertificateResult {
  const inspection = inspectSecretTimeless(secret, cache);
  const { certificate } = inspection;
  const ref = objectRef('Secret', secret.metadata.namespace, secret.metadata.name);
  const dated = certificate === null ? [] : validityDiagnostics(certificate.facts, ref, now);
  return { certificate, diagnostics: [...inspection.diagnostics, ...dated] };
}

/** certificateFromSecret without the clock: what the cache holds (build() adds the dates). */
export function inspectSecretTimeless(
  secret: Secret,
  cache?: CertificateCache,
  parallel?: ParallelInspection | null,
): CachedInspection {
  const key = cache === undefined ? null : cacheKey(secret);
  let inspection = key === null ? undefined : cache?.get(key);
  if (inspection === undefined) {
    inspection = parallel?.take(secret) ?? inspectSecret(secret);
    if (key !== null) cache?.set(key, inspection);
  }
  return inspection;
}

/** One Secret's certificate and clock-free diagnostics, with no cache: parallel.ts's unit of work. */
export function inspectSecret(secret: Secret): CachedInspection {
  const ref = objectRef('Secret', secret.metadata.namespace, secret.metadata.name);
  const cert = readValue(secret, TLS_CERT_KEY, ref);
  const key = readValue(secret, TLS_PRIVATE_KEY_KEY, ref);
  if (typeof cert !== 'string' || typeof key !== 'string') {
    const diagnostics = [cert, key].filter((v): v is Diagnostic => typeof v !== 'string');
    return { certificate: null, diagnostics };
  }
  const result = inspectTimeless(cert, key, ref);
  if (result.certificate === null) return { certificate: null, diagnostics: result.diagnostics };
  const { certPem, keyPem, facts } = result.certificate;
  const certificate: Certificate = {
    id: `${ref.namespace}/${ref.name}`,
    revision: revision(certPem, keyPem),
    secret: { namespace: ref.namespace, name: ref.name },
    certPem,
    keyPem,
    facts,
  };
  return { certificate: deepFreeze(certificate), diagnostics: result.diagnostics };
}

/**
 * stringData wins over data, as when the API server merges a manifest's stringData into data.
 * data values are standard base64 (Go's decoder skips CR and LF, so we do too).
 */
function readValue(secret: Secret, key: string, ref: ObjectRef): string | Diagnostic {
  const plain = secret.stringData?.[key];
  if (plain !== undefined) return plain;
  const encoded = secret.data?.[key];
  const at = objectRef(ref.kind, ref.namespace, ref.name, key);
  if (encoded === undefined) return diagnostic('SecretMissingKey', at, `the Secret has no ${key} key`);
  const compact = encoded.includes('\n') || encoded.includes('\r') ? encoded.replace(/[\r\n]/g, '') : encoded;
  if (!isBase64(compact)) {
    const code = key === TLS_PRIVATE_KEY_KEY ? 'PrivateKeyInvalid' : 'CertificateInvalid';
    return diagnostic(code, at, `data.${key} is not valid base64`);
  }
  return Buffer.from(compact, 'base64').toString('utf8');
}

/** uid + resourceVersion identify one version of one Secret; otherwise its content does. */
export function cacheKey(secret: Secret): string {
  const { uid, resourceVersion, namespace, name } = secret.metadata;
  if (uid !== undefined && resourceVersion !== undefined) return `uid:${uid}@${resourceVersion}`;
  const field = (key: string) => [secret.stringData?.[key] ?? null, secret.data?.[key] ?? null];
  return `content:${JSON.stringify([namespace, name, field(TLS_CERT_KEY), field(TLS_PRIVATE_KEY_KEY)])}`;
}

/** Short: a SecureContext cache key and a log field, not a security boundary. */
function revision(certPem: string, keyPem: string): string {
  // One-shot hash(): same digest as hashing the three parts in turn, without a Hash object.
  return hash('sha256', `${certPem}\0${keyPem}`, 'hex').slice(0, 16);
}
