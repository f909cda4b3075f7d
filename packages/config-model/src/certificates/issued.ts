/**
 * OpenSSL's X509_check_issued (what X509Certificate.checkIssued asks) answered from strictly
 * read DER (strict.ts), so chain ordering needs no X509Certificate per leaf. OpenSSL 3 decides:
 *   1. X509_NAME_cmp(issuer's subject, child's issuer) over canonical names (RFC 5280 §7.1
 *      style: UTF-8, ASCII-lowercased, whitespace folded);
 *   2. X509_check_akid: the child's authorityKeyIdentifier keyIdentifier, when both it and the
 *      issuer's subjectKeyIdentifier are present, must equal it;
 *   3. check_sig_alg_match: the child's signature algorithm fits the issuer's key type;
 *   4. ossl_x509_signing_allowed: an issuer keyUsage extension must include keyCertSign.
 * Strictly read certificates have valid extensions (OpenSSL's cache step succeeds) and no proxy
 * certificate extension. Where an answer is not certain here, undefined: ask node:crypto.
 */
import { equalBytes } from './der.ts';
import { canonicalName } from './names.ts';
import type { ParsedCertificate } from './pem.ts';

/** Signature algorithm OIDs (hex) -> the key type that makes them (OBJ_find_sigid_algs). */
const SIGNATURE_KEYS: Readonly<Record<string, 'rsa' | 'ec'>> = {
  '2a864886f70d010105': 'rsa', // sha1WithRSAEncryption
  '2a864886f70d01010b': 'rsa', // sha256WithRSAEncryption
  '2a864886f70d01010c': 'rsa', // sha384WithRSAEncryption
  '2a864886f70d01010d': 'rsa', // sha512WithRSAEncryption
  '2a864886f70d01010a': 'rsa', // RSASSA-PSS: accepted with an RSA issuer key too
  '2a8648ce3d040302': 'ec', // ecdsa-with-SHA256
  '2a8648ce3d040303': 'ec', // ecdsa-with-SHA384
  '2a8648ce3d040304': 'ec', // ecdsa-with-SHA512
};

const KEY_CERT_SIGN = 0x04;

export function issuedBy(child: ParsedCertificate, issuer: ParsedCertificate): boolean | undefined {
  const a = child.strict;
  const b = issuer.strict;
  if (a === null || b === null) return undefined;
  if (!equalBytes(child.parts.issuer, issuer.parts.subject)) {
    const wanted = canonicalName(child.parts.issuer);
    const offered = canonicalName(issuer.parts.subject);
    // Equal canonical forms from different bytes: rare enough to leave to OpenSSL.
    return wanted === null || offered === null || wanted === offered ? undefined : false;
  }
  if (a.authorityKeyId !== null && b.subjectKeyId !== null && !equalBytes(a.authorityKeyId, b.subjectKeyId))
    return false;
  const keyType = SIGNATURE_KEYS[a.signatureAlgorithm];
  if (keyType === undefined) return undefined;
  if (keyType !== issuer.parts.publicKey.type) return false;
  return b.keyUsage === null || (b.keyUsage & KEY_CERT_SIGN) !== 0;
}
