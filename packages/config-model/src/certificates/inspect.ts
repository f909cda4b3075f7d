/**
 * inspectKeyPair: everything build() needs to know about a certificate + key, synchronously.
 * Errors reject the pair (the TLS entry falls back to the default certificate, as in
 * ingress-nginx); fixable problems (chain order) and validity dates only warn.
 */
import type { KeyObject } from 'node:crypto';
import { type Diagnostic, diagnostic, type ObjectRef } from '../diagnostics.ts';
import { orderChain } from './chain.ts';
import { certificateFacts, describe } from './facts.ts';
import { keyType, leafForKey, parsePrivateKey } from './keys.ts';
import { decodeAltNames } from './names.ts';
import { type ParsedCertificate, parseCertificates } from './pem.ts';
import type { CertificateFacts } from './types.ts';

export interface InspectedKeyPair {
  /** Leaf, intermediates, root: the chain as it will be served. */
  readonly certPem: string;
  readonly keyPem: string;
  readonly facts: CertificateFacts;
}

export interface InspectResult {
  readonly certificate: InspectedKeyPair | null;
  readonly diagnostics: Diagnostic[];
}

export function inspectKeyPair(certPem: string, keyPem: string, ref: ObjectRef, now: Date): InspectResult {
  const result = inspectTimeless(certPem, keyPem, ref);
  if (result.certificate === null) return result;
  return {
    certificate: result.certificate,
    diagnostics: [...result.diagnostics, ...validityDiagnostics(result.certificate.facts, ref, now)],
  };
}

/** All of inspectKeyPair except the clock, so a cache can reuse it across builds. */
export function inspectTimeless(certPem: string, keyPem: string, ref: ObjectRef): InspectResult {
  const parsed = parseCertificates(certPem);
  if (!parsed.ok) return reject(diagnostic('CertificateInvalid', ref, parsed.message));
  const { certificates } = parsed;
  // DER first (a few µs); node:crypto when DER alone cannot decide (keys.ts leafForKey).
  let leaf = leafForKey(certificates, keyPem);
  if (leaf === undefined) {
    const key = parsePrivateKey(keyPem);
    if (!key.ok) return reject(diagnostic('PrivateKeyInvalid', ref, key.message));
    leaf = certificates.find((c) => matchesKey(c, key.key));
  }
  try {
    if (leaf === undefined) {
      const message = `the private key does not match the certificate's public key (${label(certificates[0] as ParsedCertificate)})`;
      return reject(diagnostic('PrivateKeyMismatch', ref, message));
    }
    return inspectLeaf(certificates, leaf, keyPem, ref);
  } catch (error) {
    // OpenSSL accepted the DER but a field we read is malformed: reject this pair, never the build.
    const reason = error instanceof Error ? error.message : String(error);
    return reject(diagnostic('CertificateInvalid', ref, `the certificate cannot be read: ${reason}`));
  }
}

function inspectLeaf(
  certificates: readonly ParsedCertificate[],
  leaf: ParsedCertificate,
  keyPem: string,
  ref: ObjectRef,
): InspectResult {
  const type = keyType(leaf.parts.publicKey);
  if (!type.ok) return reject(diagnostic(type.code, ref, type.message));
  const ordered = orderChain(certificates, leaf);
  const diagnostics: Diagnostic[] = [];
  if (ordered.changed)
    diagnostics.push(diagnostic('ChainReordered', ref, reorderMessage(certificates, ordered)));
  const certificate: InspectedKeyPair = {
    certPem: ordered.chain.map((c) => c.pem).join(''),
    keyPem,
    facts: certificateFacts(ordered.chain, type.keyType),
  };
  return { certificate, diagnostics };
}

function matchesKey(cert: ParsedCertificate, key: KeyObject): boolean {
  try {
    return cert.x509.checkPrivateKey(key);
  } catch {
    return false; // a key of another algorithm than the certificate's
  }
}

function reorderMessage(
  original: readonly ParsedCertificate[],
  ordered: { chain: readonly ParsedCertificate[]; dropped: readonly ParsedCertificate[] },
): string {
  const parts: string[] = [];
  const positions = ordered.chain.map((c) => original.indexOf(c));
  if (positions.some((p, i) => i > 0 && p < (positions[i - 1] ?? 0))) {
    parts.push('the certificate chain is not in leaf -> intermediates -> root order');
  }
  const leafPosition = positions[0] ?? 0;
  if (leafPosition > 0)
    parts.push(`the leaf (the key's certificate) is certificate ${leafPosition + 1} of ${original.length}`);
  if (ordered.dropped.length > 0) {
    const dropped = ordered.dropped.map(label).join(', ');
    parts.push(
      `dropped ${ordered.dropped.length} certificate(s) that do not belong to the chain: ${dropped}`,
    );
  }
  parts.push(`serving ${ordered.chain.map(label).join(' -> ')}`);
  return parts.join('; ');
}

export function validityDiagnostics(facts: CertificateFacts, ref: ObjectRef, now: Date): Diagnostic[] {
  const time = now.getTime();
  if (time > Date.parse(facts.notAfter)) {
    return [
      diagnostic(
        'CertificateExpired',
        ref,
        `the certificate ${named(facts.subject, facts.dnsNames)} expired on ${facts.notAfter}`,
      ),
    ];
  }
  if (time < Date.parse(facts.notBefore)) {
    return [
      diagnostic(
        'CertificateNotYetValid',
        ref,
        `the certificate ${named(facts.subject, facts.dnsNames)} is not valid before ${facts.notBefore}`,
      ),
    ];
  }
  return [];
}

function reject(d: Diagnostic): InspectResult {
  return { certificate: null, diagnostics: [d] };
}

/**
 * How diagnostics name a certificate: its quoted subject, or, for the empty subject that
 * RFC 5280 §4.2.1.6 allows when the names are in subjectAltName (common for ACME
 * certificates), its first DNS name, which is what the operator recognises.
 */
function quote(subject: string, dnsNames: readonly string[]): string {
  if (subject !== '') return `"${subject}"`;
  return dnsNames[0] ?? '(empty subject)';
}

/** `the certificate "CN=x"` or `the certificate for shop.example.com`. */
function named(subject: string, dnsNames: readonly string[]): string {
  const name = quote(subject, dnsNames);
  return subject === '' && dnsNames.length > 0 ? `for ${name}` : name;
}

function label(cert: ParsedCertificate): string {
  const { subject } = describe(cert);
  return quote(subject, subject === '' ? decodeAltNames(cert.parts.subjectAltName).dnsNames : []);
}
