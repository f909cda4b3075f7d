/**
 * Chain ordering. RFC 8446 §4.4.2 (and RFC 5246 §7.4.2 before it) wants the sender's
 * certificate first, each following one certifying the one before. ingress-nginx refuses to
 * import a tls.crt in any other order; we put it in order and warn instead.
 */
import { equalBytes } from './der.ts';
import { issuedBy } from './issued.ts';
import type { ParsedCertificate } from './pem.ts';

export interface OrderedChain {
  /** Leaf first, then each issuer found in the bundle (intermediates, then the root if present). */
  readonly chain: readonly ParsedCertificate[];
  /** Certificates that are not on the leaf's issuer path. */
  readonly dropped: readonly ParsedCertificate[];
  /** False when the bundle was already exactly `chain`. */
  readonly changed: boolean;
}

export function orderChain(
  certificates: readonly ParsedCertificate[],
  leaf: ParsedCertificate,
): OrderedChain {
  const chain = [leaf];
  // By position, not identity: a certificate listed twice is the same parsed object (pem.ts
  // memoizes), and the second copy must show up as dropped.
  const remaining = [...certificates];
  remaining.splice(remaining.indexOf(leaf), 1);
  for (let current = leaf; remaining.length > 0 && !isSelfSigned(current); ) {
    const issuer = findIssuer(current, remaining);
    if (issuer === null) break;
    chain.push(issuer);
    remaining.splice(remaining.indexOf(issuer), 1);
    current = issuer;
  }
  const changed = remaining.length > 0 || chain.some((c, i) => c !== certificates[i]);
  return { chain, dropped: remaining, changed };
}

/**
 * checkIssued is OpenSSL's X509_check_issued: issuer name, authority/subject key identifiers
 * and keyCertSign, but no signature; issued.ts answers it from the DER when it can. The signature is only checked to choose between several
 * candidates (a re-keyed or cross-signed intermediate with the same name), so the common case
 * stays free of public-key operations.
 */
function findIssuer(
  child: ParsedCertificate,
  candidates: readonly ParsedCertificate[],
): ParsedCertificate | null {
  const named = candidates.filter((c) => issuedBy(child, c) ?? child.x509.checkIssued(c.x509));
  if (named.length <= 1) return named[0] ?? null;
  return named.find((c) => verifies(child, c)) ?? named[0] ?? null;
}

function verifies(child: ParsedCertificate, issuer: ParsedCertificate): boolean {
  try {
    return child.x509.verify(issuer.x509.publicKey);
  } catch {
    return false;
  }
}

function isSelfSigned(cert: ParsedCertificate): boolean {
  return sameNames(cert) && verifies(cert, cert);
}

/**
 * node:crypto's issuer and subject strings are equal. Equal DER prints equally; for strictly
 * read names (plain strings) different decoded texts print differently too, as both printers
 * are one-to-one on them. Anything else is left to node:crypto.
 */
function sameNames(cert: ParsedCertificate): boolean {
  const { issuer, subject } = cert.parts;
  if (equalBytes(issuer, subject)) return true;
  if (cert.strict !== null && cert.issuerName.text !== cert.subjectName.text) return false;
  return cert.x509.issuer === cert.x509.subject;
}
