/**
 * CA bundles for client-certificate verification (auth-tls-secret) and upstream verification
 * (proxy-ssl-secret): the Secret's ca.crt. Every block must be a readable certificate;
 * ingress-nginx likewise refuses a ca.crt it cannot load.
 */
import { type Diagnostic, diagnostic, type ObjectRef } from '../diagnostics.ts';
import { parseCertificates, toPem } from './pem.ts';

export interface CaBundleResult {
  /** Normalized PEM (certificate blocks only), or null when unusable. */
  readonly pem: string | null;
  readonly diagnostics: Diagnostic[];
}

export function parseCaBundle(pem: string, ref: ObjectRef): CaBundleResult {
  const parsed = parseCertificates(pem);
  if (!parsed.ok) {
    return {
      pem: null,
      diagnostics: [diagnostic('CaCertificateInvalid', ref, `the CA bundle is unusable: ${parsed.message}`)],
    };
  }
  return { pem: parsed.certificates.map((c) => toPem(c.der)).join(''), diagnostics: [] };
}
