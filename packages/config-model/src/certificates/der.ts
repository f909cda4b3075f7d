/**
 * Just enough DER (X.690 §8.1) to read what node:crypto's X509Certificate does not expose in a
 * structured form: the issuer and subject Names, the subjectAltName extension, the serial and
 * the public key's size or curve. build() inspects every certificate synchronously on a cold
 * start (10,000 in the benchmark); a full @peculiar/x509 parse costs ~0.5 ms per certificate,
 * this walk a few µs. node:crypto has already validated the DER when these run.
 */

export interface Tlv {
  readonly tag: number;
  /** Offset of the tag byte. */
  readonly start: number;
  /** Offset of the first content byte. */
  readonly contentStart: number;
  /** Offset just past the content. */
  readonly end: number;
}

export function readTlv(der: Uint8Array, offset: number): Tlv {
  const tag = byteAt(der, offset);
  let length = byteAt(der, offset + 1);
  let contentStart = offset + 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    if (count === 0 || count > 4) throw new Error('unsupported DER length');
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + byteAt(der, contentStart + i);
    contentStart += count;
  }
  const end = contentStart + length;
  if (end > der.length) throw new Error('truncated DER');
  return { tag, start: offset, contentStart, end };
}

/** The TLVs directly inside a constructed TLV. */
export function children(der: Uint8Array, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  for (let offset = parent.contentStart; offset < parent.end; ) {
    const child = readTlv(der, offset);
    out.push(child);
    offset = child.end;
  }
  return out;
}

function byteAt(der: Uint8Array, offset: number): number {
  const value = der[offset];
  if (value === undefined) throw new Error('truncated DER');
  return value;
}

export interface CertificateParts {
  /** The serial number INTEGER's content bytes. */
  readonly serial: Uint8Array;
  /** Whole TLVs, as @peculiar/x509's Name constructor takes them. */
  readonly issuer: Uint8Array;
  readonly subject: Uint8Array;
  /** The subjectAltName extnValue content (a GeneralNames TLV), or null without the extension. */
  readonly subjectAltName: Uint8Array | null;
  readonly publicKey: PublicKeyInfo;
}

/**
 * The leaf's key as the certificate states it; cheaper to read here than from a KeyObject.
 * The raw parts (RSA modulus and exponent INTEGER contents, the EC point) let keys.ts match a
 * private key against the certificate without node:crypto.
 */
export type PublicKeyInfo =
  | {
      readonly type: 'rsa';
      readonly bits: number;
      readonly modulus: Uint8Array;
      readonly exponent: Uint8Array;
    }
  | { readonly type: 'ec'; readonly curve: string | null; readonly point: Uint8Array }
  | { readonly type: 'other' };

/** X.690 §8 identifier octets (universal class; context-specific constructed [0]-[3]). */
export const TAG = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  UTF8_STRING: 0x0c,
  SEQUENCE: 0x30,
  SET: 0x31,
  CONTEXT_0: 0xa0,
  CONTEXT_1: 0xa1,
  CONTEXT_3: 0xa3,
} as const;
const { SEQUENCE, CONTEXT_0, CONTEXT_3, OID, OCTET_STRING } = TAG;
/** 2.5.29.17 (RFC 5280 §4.2.1.6) encoded as OID content. */
const SUBJECT_ALT_NAME_OID = Uint8Array.of(0x55, 0x1d, 0x11);

/** RFC 5280 §4.1: Certificate -> TBSCertificate -> [version], serial, sigAlg, issuer, validity, subject, spki, ... */
export function certificateParts(der: Uint8Array): CertificateParts {
  const certificate = readTlv(der, 0);
  const tbsTlv = children(der, certificate)[0];
  if (certificate.tag !== SEQUENCE || tbsTlv?.tag !== SEQUENCE) throw new Error('not an X.509 certificate');
  const tbs = children(der, tbsTlv);
  const fields = tbs[0]?.tag === CONTEXT_0 ? tbs.slice(1) : tbs;
  const [serial, , issuer, , subject, spki] = fields;
  if (serial === undefined || issuer === undefined || subject === undefined || spki === undefined) {
    throw new Error('truncated TBSCertificate');
  }
  const extensions = fields.find((f) => f.tag === CONTEXT_3);
  return {
    serial: der.subarray(serial.contentStart, serial.end),
    issuer: der.subarray(issuer.start, issuer.end),
    subject: der.subarray(subject.start, subject.end),
    subjectAltName: extensions === undefined ? null : findSubjectAltName(der, extensions),
    publicKey: publicKeyInfo(der, spki),
  };
}

const RSA_ENCRYPTION = '2a864886f70d010101'; // 1.2.840.113549.1.1.1 (RFC 8017 Appendix C)
const EC_PUBLIC_KEY = '2a8648ce3d0201'; // 1.2.840.10045.2.1 (RFC 5480 §2.1.1)
const NAMED_CURVES: Readonly<Record<string, string>> = {
  '2a8648ce3d030107': 'P-256', // 1.2.840.10045.3.1.7 prime256v1
  '2b81040022': 'P-384', // 1.3.132.0.34 secp384r1
  '2b81040023': 'P-521', // 1.3.132.0.35 secp521r1
};

/** SubjectPublicKeyInfo: RSA modulus size or EC named curve (RFC 5280 §4.1.2.7, RFC 3279 §2.3). */
function publicKeyInfo(der: Uint8Array, spki: Tlv): PublicKeyInfo {
  const [algorithm, bitString] = children(der, spki);
  if (algorithm === undefined || bitString === undefined) throw new Error('truncated SubjectPublicKeyInfo');
  const [oid, parameters] = children(der, algorithm);
  const id = oid === undefined ? '' : hex(der, oid);
  if (id === EC_PUBLIC_KEY) {
    return {
      type: 'ec',
      curve: parameters?.tag === OID ? namedCurve(der, parameters) : null,
      // BIT STRING: one byte of unused-bit count, then the ECPoint (RFC 5480 §2.2).
      point: der.subarray(bitString.contentStart + 1, bitString.end),
    };
  }
  if (id !== RSA_ENCRYPTION) return { type: 'other' };
  // BIT STRING: one byte of unused-bit count, then RSAPublicKey ::= SEQUENCE { modulus, exponent }.
  const rsaKey = readTlv(der, bitString.contentStart + 1);
  const [modulus, exponent] = children(der, rsaKey);
  if (modulus === undefined || exponent === undefined) throw new Error('truncated RSAPublicKey');
  let start = modulus.contentStart;
  while (start < modulus.end && der[start] === 0) start++;
  const top = der[start] ?? 0;
  return {
    type: 'rsa',
    bits: top === 0 ? 0 : (modulus.end - start - 1) * 8 + (32 - Math.clz32(top)),
    modulus: der.subarray(modulus.contentStart, modulus.end),
    exponent: der.subarray(exponent.contentStart, exponent.end),
  };
}

/** P-256, P-384, P-521 from a namedCurve OID TLV, or null for any other curve. */
export function namedCurve(der: Uint8Array, oid: Tlv): string | null {
  return NAMED_CURVES[hex(der, oid)] ?? null;
}

function hex(der: Uint8Array, tlv: Tlv): string {
  return hexOf(der, tlv.contentStart, tlv.end);
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/**
 * Lowercase hex of der[start, end). For the few bytes of an OID this beats Buffer#toString,
 * which first makes a Buffer view: it runs a dozen times per certificate on the cold path.
 */
export function hexOf(der: Uint8Array, start: number, end: number): string {
  let out = '';
  for (let i = start; i < end; i++) out += HEX[der[i] as number];
  return out;
}

/** The first subjectAltName extension's extnValue, compared in place: no view per extension. */
function findSubjectAltName(der: Uint8Array, wrapper: Tlv): Uint8Array | null {
  const list = children(der, wrapper)[0];
  if (list === undefined) return null;
  for (const extension of children(der, list)) {
    const fields = children(der, extension);
    const id = fields[0];
    if (id?.tag !== OID || !bytesAt(der, id.contentStart, id.end, SUBJECT_ALT_NAME_OID)) continue;
    for (let i = 1; i < fields.length; i++) {
      const value = fields[i] as Tlv;
      if (value.tag === OCTET_STRING) return der.subarray(value.contentStart, value.end);
    }
    return null;
  }
  return null;
}

/** der[start, end) equals expected. */
function bytesAt(der: Uint8Array, start: number, end: number, expected: Uint8Array): boolean {
  if (end - start !== expected.length) return false;
  for (let i = 0; i < expected.length; i++) if (der[start + i] !== expected[i]) return false;
  return true;
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Hex without the sign-padding zero byte DER adds to positive serials (RFC 5280 §4.1.2.2). */
export function serialHex(serial: Uint8Array): string {
  const hex = Buffer.from(serial).toString('hex');
  return hex.length > 2 && hex.startsWith('00') ? hex.slice(2) : hex;
}
