/**
 * The public half of a private key, read from its DER: PKCS#1 `RSA PRIVATE KEY` (RFC 8017
 * Appendix A.1.2: modulus and publicExponent), SEC1 `EC PRIVATE KEY` (RFC 5915 §3: the
 * publicKey field) and PKCS#8 `PRIVATE KEY` (RFC 5208 §5) wrapping either. Comparing it with a
 * certificate's SubjectPublicKeyInfo costs a few µs; node's createPrivateKey + checkPrivateKey
 * cost 60-120 µs, which is most of a cold build() with 10,000 Secrets.
 *
 * This is a fast path only: anything unusual (encrypted or several PEM blocks, headers, other
 * algorithms, unnamed curves, a SEC1 key without its public key, BER oddities) returns null and
 * the caller asks node:crypto, whose answer and error messages stay authoritative.
 */

import { isOnCurve } from './curves.ts';
import { children, equalBytes, namedCurve, readTlv, TAG, type Tlv } from './der.ts';

export type EmbeddedPublicKey =
  | { readonly type: 'rsa'; readonly modulus: Uint8Array; readonly exponent: Uint8Array }
  | { readonly type: 'ec'; readonly curve: string; readonly point: Uint8Array };

const { INTEGER, BIT_STRING, OCTET_STRING, NULL, OID, SEQUENCE, CONTEXT_0, CONTEXT_1 } = TAG;
const RSA_ENCRYPTION = Uint8Array.of(0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01);
const EC_PUBLIC_KEY = Uint8Array.of(0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01);

export function embeddedPublicKey(keyPem: string): EmbeddedPublicKey | null {
  const block = singleBlock(keyPem);
  if (block === null) return null;
  const der = Buffer.from(block.body, 'base64');
  try {
    const top = whole(der);
    if (block.label === 'RSA PRIVATE KEY') return rsaKey(der, top);
    if (block.label === 'EC PRIVATE KEY') return ecKey(der, top, null);
    if (block.label === 'PRIVATE KEY') return pkcs8(der, top);
  } catch {
    // Malformed DER: node:crypto reports it in its own words.
  }
  return null;
}

const BASE64_BODY = /^[A-Za-z0-9+/]*={0,2}$/;

/** Exactly one `-----BEGIN X-----`...`-----END X-----` block, without RFC 1421 headers. */
function singleBlock(pem: string): { label: string; body: string } | null {
  const begin = pem.indexOf('-----BEGIN ');
  if (begin < 0) return null;
  const labelEnd = pem.indexOf('-----', begin + 11);
  if (labelEnd < 0) return null;
  const label = pem.slice(begin + 11, labelEnd);
  const endMarker = `-----END ${label}-----`;
  const end = pem.indexOf(endMarker, labelEnd + 5);
  if (end < 0 || pem.includes('-----BEGIN', end)) return null;
  const raw = pem.slice(labelEnd + 5, end);
  if (raw.includes(':')) return null; // Proc-Type / DEK-Info: an encrypted legacy key
  const body = raw.replace(/[ \t\r\n]+/g, '');
  if (body.length % 4 !== 0 || !BASE64_BODY.test(body)) return null;
  return { label, body };
}

/** The outer TLV, which must span the whole buffer (trailing bytes: let OpenSSL judge). */
function whole(der: Uint8Array): Tlv {
  const top = readTlv(der, 0);
  if (top.tag !== SEQUENCE || top.end !== der.length) throw new Error('not one DER SEQUENCE');
  return top;
}

/** RSAPrivateKey: version 0 (two primes) and exactly the eight INTEGERs that follow it. */
function rsaKey(der: Uint8Array, top: Tlv): EmbeddedPublicKey | null {
  const fields = children(der, top);
  if (fields.length !== 9 || fields.some((f) => f.tag !== INTEGER)) return null;
  const [version, modulus, exponent] = fields as [Tlv, Tlv, Tlv];
  if (!isZero(der, version)) return null;
  return {
    type: 'rsa',
    modulus: der.subarray(modulus.contentStart, modulus.end),
    exponent: der.subarray(exponent.contentStart, exponent.end),
  };
}

/** ECPrivateKey: version 1, privateKey, [0] namedCurve, [1] publicKey (required here). */
function ecKey(der: Uint8Array, top: Tlv, outerCurve: string | null): EmbeddedPublicKey | null {
  const [version, secret, ...rest] = children(der, top);
  if (version?.tag !== INTEGER || version.end - version.contentStart !== 1 || der[version.contentStart] !== 1)
    return null;
  if (secret?.tag !== OCTET_STRING || secret.end === secret.contentStart) return null;
  let curve = outerCurve;
  let point: Uint8Array | null = null;
  for (const field of rest) {
    const inner = children(der, field);
    if (field.tag === CONTEXT_0 && inner.length === 1 && inner[0]?.tag === OID) {
      const named = namedCurve(der, inner[0]);
      if (named === null || (curve !== null && named !== curve)) return null;
      curve = named;
    } else if (field.tag === CONTEXT_1 && inner.length === 1 && inner[0]?.tag === BIT_STRING) {
      const bits = inner[0];
      if (der[bits.contentStart] !== 0) return null; // unused bits in a point: not a point
      point = der.subarray(bits.contentStart + 1, bits.end);
    } else {
      return null;
    }
  }
  if (curve === null || point === null || !isOnCurve(curve, point)) return null;
  if (secret.end - secret.contentStart > (point.length - 1) / 2) return null;
  return { type: 'ec', curve, point };
}

/** PrivateKeyInfo v1: version 0, AlgorithmIdentifier, privateKey; nothing else. */
function pkcs8(der: Uint8Array, top: Tlv): EmbeddedPublicKey | null {
  const fields = children(der, top);
  if (fields.length !== 3) return null;
  const [version, algorithm, key] = fields as [Tlv, Tlv, Tlv];
  if (version.tag !== INTEGER || !isZero(der, version)) return null;
  if (algorithm.tag !== SEQUENCE || key.tag !== OCTET_STRING) return null;
  const [oid, parameters, ...extra] = children(der, algorithm);
  if (oid?.tag !== OID || parameters === undefined || extra.length > 0) return null;
  const inner = der.subarray(key.contentStart, key.end);
  const id = der.subarray(oid.contentStart, oid.end);
  if (equalBytes(id, RSA_ENCRYPTION)) {
    // RFC 8017 Appendix A.1: the parameters of rsaEncryption are NULL.
    if (parameters.tag !== NULL || parameters.end !== parameters.contentStart) return null;
    return rsaKey(inner, whole(inner));
  }
  if (equalBytes(id, EC_PUBLIC_KEY) && parameters.tag === OID) {
    const curve = namedCurve(der, parameters);
    return curve === null ? null : ecKey(inner, whole(inner), curve);
  }
  return null;
}

function isZero(der: Uint8Array, integer: Tlv): boolean {
  return integer.end - integer.contentStart === 1 && der[integer.contentStart] === 0;
}
