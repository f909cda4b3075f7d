/**
 * Certificate extensions as strict.ts reads them (RFC 5280 §4.2): each OID at most once, and
 * only those whose contents are checked here as OpenSSL 3's ossl_x509v3_cache_extensions would
 * find them valid, or that OpenSSL keeps as bytes. Anything else: null, and node:crypto decides.
 */
import { readTlv, TAG, type Tlv } from './der.ts';
import { bitString, hex, isBoolean, isInteger, isOid, kids } from './strict-der.ts';

const { BOOLEAN, OCTET_STRING, SEQUENCE } = TAG;

/** Extension OIDs (hex) checked here, and those OpenSSL keeps as bytes (never decodes on load). */
const BASIC_CONSTRAINTS = '551d13';
const KEY_USAGE = '551d0f';
const EXT_KEY_USAGE = '551d25';
const SUBJECT_KEY_ID = '551d0e';
const AUTHORITY_KEY_ID = '551d23';
const SUBJECT_ALT_NAME = '551d11';
const OPAQUE_EXTENSIONS = new Set([
  '2b06010505070101', // authorityInfoAccess
  '551d20', // certificatePolicies
  '2b06010401d679020402', // CT precertificate SCTs
]);

export interface ExtensionFacts {
  readonly subjectKeyId: Uint8Array | null;
  /** keyIdentifier of the authorityKeyIdentifier extension (the only field allowed here). */
  readonly authorityKeyId: Uint8Array | null;
  /** First byte of keyUsage (digitalSignature = 0x80 ... keyCertSign = 0x04), or null. */
  readonly keyUsage: number | null;
}

export const noExtensions = { subjectKeyId: null, authorityKeyId: null, keyUsage: null };

/** Extensions ::= SEQUENCE SIZE (1..MAX) OF Extension; each OID at most once. */
export function extensions(der: Uint8Array, wrapper: Tlv): ExtensionFacts | null {
  const [list, ...extra] = kids(der, wrapper);
  if (list?.tag !== SEQUENCE || extra.length > 0) return null;
  const seen = new Set<string>();
  const found: { -readonly [K in keyof ExtensionFacts]: ExtensionFacts[K] } = { ...noExtensions };
  const items = kids(der, list);
  if (items.length === 0) return null;
  for (const extension of items) {
    if (extension.tag !== SEQUENCE) return null;
    const [id, ...tail] = kids(der, extension);
    const value = tail[tail.length - 1];
    if (id === undefined || !isOid(der, id) || value?.tag !== OCTET_STRING || tail.length > 2) return null;
    if (tail.length === 2 && (tail[0]?.tag !== BOOLEAN || !isBoolean(tail[0]))) return null;
    const oid = hex(der, id);
    if (seen.has(oid)) return null;
    seen.add(oid);
    if (OPAQUE_EXTENSIONS.has(oid)) continue;
    const inner = readTlv(der, value.contentStart);
    if (inner.end !== value.end) return null;
    if (oid === BASIC_CONSTRAINTS) {
      if (!basicConstraints(der, inner)) return null;
    } else if (oid === KEY_USAGE) {
      const usage = bitString(der, inner) ? keyUsage(der, inner) : 0;
      // RFC 5280 §4.2.1.3: at least one bit; OpenSSL 3 marks an empty keyUsage invalid.
      if (usage === 0) return null;
      found.keyUsage = usage & 0xff;
    } else if (oid === EXT_KEY_USAGE) {
      const purposes = inner.tag === SEQUENCE ? kids(der, inner) : [];
      if (purposes.length === 0 || !purposes.every((p) => isOid(der, p))) return null;
    } else if (oid === SUBJECT_KEY_ID) {
      if (inner.tag !== OCTET_STRING) return null;
      found.subjectKeyId = der.subarray(inner.contentStart, inner.end);
    } else if (oid === AUTHORITY_KEY_ID) {
      // Only [0] keyIdentifier: an authorityCertIssuer or serial is left to OpenSSL.
      const [keyId, ...more] = inner.tag === SEQUENCE ? kids(der, inner) : [];
      if (keyId?.tag !== 0x80 || more.length > 0) return null;
      found.authorityKeyId = der.subarray(keyId.contentStart, keyId.end);
    } else if (oid === SUBJECT_ALT_NAME) {
      // rfc822Name, dNSName, URI (IA5String) and iPAddress (OCTET STRING), all primitive.
      const names = inner.tag === SEQUENCE ? kids(der, inner) : [];
      if (names.length === 0 || !names.every((n) => [0x81, 0x82, 0x86, 0x87].includes(n.tag))) return null;
    } else {
      return null;
    }
  }
  return found;
}

/**
 * OpenSSL's ex_kusage: the first two bytes after the unused-bits count, the unused bits of
 * the last byte cleared (c2i_ASN1_BIT_STRING).
 */
function keyUsage(der: Uint8Array, tlv: Tlv): number {
  const unused = der[tlv.contentStart] as number;
  const bytes = Array.from(der.subarray(tlv.contentStart + 1, tlv.end));
  if (bytes.length > 0) bytes[bytes.length - 1] = (bytes[bytes.length - 1] as number) & (0xff << unused);
  return (bytes[0] ?? 0) | ((bytes[1] ?? 0) << 8);
}

/** BasicConstraints ::= SEQUENCE { cA BOOLEAN DEFAULT FALSE, pathLen INTEGER (0..MAX) OPTIONAL }. */
function basicConstraints(der: Uint8Array, tlv: Tlv): boolean {
  if (tlv.tag !== SEQUENCE) return false;
  const fields = kids(der, tlv);
  let ca = false;
  let at = 0;
  if (fields[0]?.tag === BOOLEAN) {
    if (!isBoolean(fields[0])) return false;
    ca = der[fields[0].contentStart] !== 0;
    at = 1;
  }
  const pathLen = fields[at];
  if (pathLen === undefined) return fields.length === at;
  // OpenSSL marks a negative pathLen, or one on a non-CA, invalid.
  return (
    ca && fields.length === at + 1 && isInteger(der, pathLen) && (der[pathLen.contentStart] as number) < 0x80
  );
}
