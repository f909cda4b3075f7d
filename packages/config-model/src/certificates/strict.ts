/**
 * A strict reading of a certificate's DER (RFC 5280 §4.1), deliberately narrower than what
 * OpenSSL's d2i_X509 accepts: exact tags, lengths that fill their parent, minimal INTEGERs, valid
 * OBJECT IDENTIFIERs, names of plain string types only (valid UTF-8), UTCTime/GeneralizedTime in
 * their RFC 5280 §4.1.2.5 forms, a public key we can read (P-256/384/521 point on its curve, or
 * RSA), and only extensions whose contents are checked here or that OpenSSL does not decode.
 *
 * A certificate read here is one node:crypto's X509Certificate reads too, so build() need not
 * construct one per certificate (40-70 µs each: most of a cold build with 10,000 Secrets), and
 * what chain ordering asks of OpenSSL (issued.ts) can be answered from these fields. Anything
 * outside this path gives null and the caller asks node:crypto, whose verdicts and messages
 * stay authoritative; certificates.strict.test.ts holds the two to each other on mutated DER.
 */
import { isOnCurve } from './curves.ts';
import { type CertificateParts, readTlv, TAG, type Tlv } from './der.ts';
import { type ExtensionFacts, extensions, noExtensions } from './extensions.ts';
import { bitString, hex, isInteger, isOid, kids, minimalInteger } from './strict-der.ts';

export interface StrictCertificate extends ExtensionFacts {
  /** Validity, milliseconds since the epoch. */
  readonly notBefore: number;
  readonly notAfter: number;
  /** The TBSCertificate signature algorithm OID, hex of its content bytes. */
  readonly signatureAlgorithm: string;
}

const { OID, SEQUENCE, SET, UTF8_STRING } = TAG;
/** PrintableString, T61String, IA5String (UTF8String is checked apart): OpenSSL's X509_NAME_ENTRY
 * takes no VisibleString. */
const LATIN1_STRINGS = new Set([0x13, 0x14, 0x16]);
const utf8 = new TextDecoder('utf-8', { fatal: true });

export function strictCertificate(der: Uint8Array, parts: CertificateParts): StrictCertificate | null {
  if (!usableKey(parts)) return null;
  try {
    return walk(der);
  } catch {
    return null;
  }
}

function usableKey({ publicKey: key }: CertificateParts): boolean {
  if (key.type === 'ec') return key.curve !== null && isOnCurve(key.curve, key.point);
  return key.type === 'rsa' && key.bits > 0 && minimalInteger(key.modulus) && minimalInteger(key.exponent);
}

function walk(der: Uint8Array): StrictCertificate | null {
  const certificate = readTlv(der, 0);
  if (certificate.tag !== SEQUENCE || certificate.end !== der.length) return null;
  const [tbs, signatureAlgorithm, signature, ...extra] = kids(der, certificate);
  if (tbs?.tag !== SEQUENCE || extra.length > 0) return null;
  if (signatureAlgorithm === undefined || algorithm(der, signatureAlgorithm) === null) return null;
  if (signature === undefined || !bitString(der, signature)) return null;
  const fields = kids(der, tbs);
  let at = 0;
  let version = 0;
  if (fields[0]?.tag === TAG.CONTEXT_0) {
    const [integer, ...more] = kids(der, fields[0]);
    if (integer === undefined || more.length > 0 || !isInteger(der, integer)) return null;
    version = integer.end - integer.contentStart === 1 ? (der[integer.contentStart] as number) : -1;
    if (version !== 1 && version !== 2) return null;
    at = 1;
  }
  const [serial, tbsAlgorithm, issuer, validity, subject, spki, ...rest] = fields.slice(at);
  if (serial === undefined || !isInteger(der, serial)) return null;
  const signatureOid = tbsAlgorithm === undefined ? null : algorithm(der, tbsAlgorithm);
  if (signatureOid === null || issuer === undefined || !name(der, issuer)) return null;
  const dates = validity === undefined ? null : times(der, validity);
  if (dates === null || subject === undefined || !name(der, subject)) return null;
  if (spki?.tag !== SEQUENCE) return null;
  const [keyAlgorithm, key, ...keyExtra] = kids(der, spki);
  if (keyAlgorithm === undefined || algorithm(der, keyAlgorithm) === null || keyExtra.length > 0) return null;
  // A key's BIT STRING has no unused bits; OpenSSL cannot load the key otherwise.
  if (key === undefined || !bitString(der, key) || der[key.contentStart] !== 0) return null;
  // No issuer/subjectUniqueID (§4.1.2.8, obsolete); extensions only in a v3 certificate.
  if (rest.length === 0) return { ...dates, ...noExtensions, signatureAlgorithm: signatureOid };
  const [wrapper, ...after] = rest;
  if (wrapper?.tag !== TAG.CONTEXT_3 || after.length > 0 || version !== 2) return null;
  const found = extensions(der, wrapper);
  return found === null ? null : { ...dates, ...found, signatureAlgorithm: signatureOid };
}

/** Name ::= SEQUENCE OF SET SIZE (1..MAX) OF SEQUENCE { type OID, value DirectoryString }. */
function name(der: Uint8Array, tlv: Tlv): boolean {
  if (tlv.tag !== SEQUENCE) return false;
  for (const rdn of kids(der, tlv)) {
    const atvs = rdn.tag === SET ? kids(der, rdn) : [];
    if (atvs.length === 0) return false;
    for (const atv of atvs) {
      const [type, value, ...extra] = atv.tag === SEQUENCE ? kids(der, atv) : [];
      if (type === undefined || !isOid(der, type) || value === undefined || extra.length > 0) return false;
      if (value.tag === UTF8_STRING)
        utf8.decode(der.subarray(value.contentStart, value.end)); // throws if invalid
      else if (!LATIN1_STRINGS.has(value.tag)) return false;
    }
  }
  return true;
}

/** Validity ::= SEQUENCE { notBefore Time, notAfter Time }. */
function times(der: Uint8Array, tlv: Tlv): { notBefore: number; notAfter: number } | null {
  const [from, to, ...extra] = tlv.tag === SEQUENCE ? kids(der, tlv) : [];
  if (from === undefined || to === undefined || extra.length > 0) return null;
  const notBefore = time(der, from);
  const notAfter = time(der, to);
  return Number.isNaN(notBefore) || Number.isNaN(notAfter) ? null : { notBefore, notAfter };
}

/** RFC 5280 §4.1.2.5.1/2: YYMMDDHHMMSSZ (years 50-99 are 19xx) or YYYYMMDDHHMMSSZ. */
function time(der: Uint8Array, tlv: Tlv): number {
  const digits = tlv.tag === 0x17 ? 12 : tlv.tag === 0x18 ? 14 : 0;
  const start = tlv.contentStart;
  if (digits === 0 || tlv.end - start !== digits + 1 || der[start + digits] !== 0x5a) return Number.NaN; // 'Z'
  const number = (at: number, count: number): number => {
    let value = 0;
    for (let i = start + at; i < start + at + count; i++) {
      const digit = (der[i] as number) - 0x30;
      if (digit < 0 || digit > 9) return Number.NaN;
      value = value * 10 + digit;
    }
    return value;
  };
  const short = number(0, 2);
  const year = digits === 12 ? short + (short >= 50 ? 1900 : 2000) : number(0, 4);
  if (!(year >= 1000)) return Number.NaN; // Date.UTC reads years below 100 as 19xx
  const at = digits - 10;
  const month = number(at, 2);
  const day = number(at + 2, 2);
  const hour = number(at + 4, 2);
  const minute = number(at + 6, 2);
  const second = number(at + 8, 2);
  const ms = Date.UTC(year, month - 1, day, hour, minute, second);
  const check = new Date(ms);
  // Reject what Date.UTC would roll over (month 13, February 30, second 60), and NaN parts.
  if (
    check.getUTCMonth() !== month - 1 ||
    check.getUTCDate() !== day ||
    hour > 23 ||
    minute > 59 ||
    second > 59
  )
    return Number.NaN;
  return ms;
}

/** AlgorithmIdentifier ::= SEQUENCE { algorithm OID, parameters ANY OPTIONAL }: the OID, hex. */
function algorithm(der: Uint8Array, tlv: Tlv): string | null {
  const [oid, parameters, ...extra] = tlv.tag === SEQUENCE ? kids(der, tlv) : [];
  if (oid === undefined || !isOid(der, oid) || extra.length > 0) return null;
  if (
    parameters !== undefined &&
    parameters.tag !== 0x05 &&
    parameters.tag !== OID &&
    parameters.tag !== SEQUENCE
  )
    return null;
  if (parameters?.tag === 0x05 && parameters.end !== parameters.contentStart) return null;
  if (parameters?.tag === OID && !isOid(der, parameters)) return null;
  return hex(der, oid);
}
