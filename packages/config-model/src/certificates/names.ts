/**
 * Distinguished names in RFC 4514 form, and subjectAltNames, decoded from the DER slices
 * der.ts finds. Hand-written rather than through @peculiar/x509 because this is the cold path
 * of build(): the library's generic ASN.1 decoding costs ~50 µs per Name, this ~3 µs, and the
 * benchmark builds 10,000 certificates in under a second.
 */
import { children, readTlv, type Tlv } from './der.ts';

export interface DecodedName {
  /** RFC 4514 string, e.g. `CN=example.com, O=Acme`. */
  readonly text: string;
  /** The last (most specific) CN, or null. */
  readonly commonName: string | null;
}

/** RFC 4514 §3 names, plus the few OpenSSL also prints by name; others are dotted OIDs. */
const ATTRIBUTE_NAMES: Readonly<Record<string, string>> = {
  '2.5.4.3': 'CN',
  '2.5.4.4': 'SN',
  '2.5.4.5': 'serialNumber',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.9': 'STREET',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '2.5.4.12': 'title',
  '2.5.4.42': 'GN',
  '0.9.2342.19200300.100.1.1': 'UID',
  '0.9.2342.19200300.100.1.25': 'DC',
  '1.2.840.113549.1.9.1': 'emailAddress',
};

/**
 * Issuer names repeat across thousands of certificates from the same CA, so decoded names are
 * memoized by their DER; the memo is simply dropped when it grows past MEMO_LIMIT.
 */
const MEMO_LIMIT = 4096;
const memo = new Map<string, DecodedName>();

export function decodeName(der: Uint8Array): DecodedName {
  const key = Buffer.from(der).toString('latin1');
  const hit = memo.get(key);
  if (hit !== undefined) return hit;
  const decoded = decodeNameUncached(der);
  if (memo.size >= MEMO_LIMIT) memo.clear();
  memo.set(key, decoded);
  return decoded;
}

/** Name ::= SEQUENCE OF RelativeDistinguishedName ::= SET OF AttributeTypeAndValue (RFC 5280 §4.1.2.4). */
function decodeNameUncached(der: Uint8Array): DecodedName {
  let commonName: string | null = null;
  const rdns: string[] = [];
  for (const rdn of children(der, readTlv(der, 0))) {
    const atoms: string[] = [];
    for (const atv of children(der, rdn)) {
      const [type, value] = children(der, atv);
      if (type === undefined || value === undefined) throw new Error('truncated AttributeTypeAndValue');
      const oid = decodeOid(der.subarray(type.contentStart, type.end));
      const name = ATTRIBUTE_NAMES[oid];
      const text = name === undefined ? null : decodeString(der, value);
      // RFC 4514 §2.4: dotted types and non-string values are written as # + hex of the BER.
      atoms.push(`${name ?? oid}=${text === null ? `#${hex(der, value)}` : escapeValue(text)}`);
      if (name === 'CN' && text !== null) commonName = text;
    }
    rdns.push(atoms.join('+'));
  }
  // RFC 4514 §2.1: RDNs are written from the last element of the RDNSequence to the first.
  return { text: rdns.reverse().join(', '), commonName };
}

/** String types OpenSSL canonicalizes (ASN1_MASK_CANON) that strict.ts lets into a name. */
const CANONICAL_TYPES = new Set([0x0c, 0x13, 0x14, 0x16]);
const SPACES = /[ \t\n\v\f\r]+/g;

/**
 * OpenSSL's canonical form of a Name (x509_name_canon, what X509_NAME_cmp compares): per RDN the
 * type, and the value as UTF-8 without leading or trailing ASCII whitespace, inner runs folded
 * to one space, ASCII letters lowercased. Null when not certain: multi-valued RDNs (OpenSSL
 * sorts their SET) or other value types.
 */
export function canonicalName(der: Uint8Array): string | null {
  const parts: string[] = [];
  for (const rdn of children(der, readTlv(der, 0))) {
    const atvs = children(der, rdn);
    const [type, value] = atvs.length === 1 ? children(der, atvs[0] as Tlv) : [];
    if (type === undefined || value === undefined || !CANONICAL_TYPES.has(value.tag)) return null;
    const text = decodeString(der, value);
    if (text === null) return null;
    const folded = text
      .replace(SPACES, ' ')
      .replace(/^ | $/g, '')
      .replace(/[A-Z]+/g, (c) => c.toLowerCase());
    parts.push(hex(der, type), folded);
  }
  return JSON.stringify(parts);
}

/** X.690 §8.19: the first two arcs share a byte, the rest are base-128 with a continuation bit. */
function decodeOid(bytes: Uint8Array): string {
  const arcs: number[] = [];
  let value = 0;
  for (const byte of bytes) {
    value = value * 128 + (byte & 0x7f);
    if (byte & 0x80) continue;
    if (arcs.length === 0)
      arcs.push(Math.min(2, Math.floor(value / 40)), value - Math.min(2, Math.floor(value / 40)) * 40);
    else arcs.push(value);
    value = 0;
  }
  return arcs.join('.');
}

/** DirectoryString and friends (RFC 5280 §4.1.2.4); null for anything else. */
function decodeString(der: Uint8Array, tlv: Tlv): string | null {
  const bytes = Buffer.from(der.buffer, der.byteOffset + tlv.contentStart, tlv.end - tlv.contentStart);
  switch (tlv.tag) {
    case 0x0c: // UTF8String
      return bytes.toString('utf8');
    case 0x12: // NumericString
    case 0x13: // PrintableString
    case 0x14: // TeletexString: in practice Latin-1 (what OpenSSL assumes too)
    case 0x16: // IA5String
    case 0x1a: // VisibleString
      return bytes.toString('latin1');
    case 0x1e: // BMPString: UCS-2 big-endian
      return bytes.length % 2 === 0 ? Buffer.from(bytes).swap16().toString('utf16le') : null;
    case 0x1c: {
      // UniversalString: UCS-4 big-endian
      const points: number[] = [];
      for (let i = 0; i + 3 < bytes.length; i += 4) points.push(bytes.readUInt32BE(i));
      const valid = bytes.length % 4 === 0 && points.every((p) => p <= 0x10ffff);
      return valid ? String.fromCodePoint(...points) : null;
    }
    default:
      return null;
  }
}

function hex(der: Uint8Array, tlv: Tlv): string {
  return Buffer.from(der.subarray(tlv.start, tlv.end)).toString('hex');
}

/** RFC 4514 §2.4 escaping. */
function escapeValue(value: string): string {
  let out = value.replace(/["+,;<>\\]/g, (c) => `\\${c}`).replace(/\0/g, '\\00');
  if (out.startsWith('#') || out.startsWith(' ')) out = `\\${out}`;
  if (out.endsWith(' ') && out.length > 1) out = `${out.slice(0, -1)}\\ `;
  return out;
}

export interface AltNames {
  /** Lowercase, in certificate order. */
  readonly dnsNames: string[];
  readonly ipAddresses: string[];
}

const DNS_NAME = 0x82; // [2] IMPLICIT IA5String (RFC 5280 §4.2.1.6)
const IP_ADDRESS = 0x87; // [7] IMPLICIT OCTET STRING

/**
 * GeneralNames, decoded here rather than by @peculiar/x509: only two primitive forms matter to
 * TLS, both trivial, and this runs once per certificate on the cold path. Other forms
 * (email, URI, otherName, directoryName) are skipped.
 */
export function decodeAltNames(der: Uint8Array | null): AltNames {
  const names: AltNames = { dnsNames: [], ipAddresses: [] };
  if (der === null) return names;
  const sequence = readTlv(der, 0);
  if (sequence.tag !== 0x30) throw new Error('subjectAltName is not a GeneralNames SEQUENCE');
  for (const name of children(der, sequence)) {
    const value = der.subarray(name.contentStart, name.end);
    if (name.tag === DNS_NAME) names.dnsNames.push(Buffer.from(value).toString('latin1').toLowerCase());
    else if (name.tag === IP_ADDRESS && (value.length === 4 || value.length === 16))
      names.ipAddresses.push(formatIp(value));
  }
  // Kept in the table for every certificate: no spare capacity (see build/exact.ts).
  return { dnsNames: names.dnsNames.slice(), ipAddresses: names.ipAddresses.slice() };
}

function formatIp(bytes: Uint8Array): string {
  if (bytes.length === 4) return bytes.join('.');
  const groups = Array.from({ length: 8 }, (_, i) =>
    (((bytes[2 * i] ?? 0) << 8) | (bytes[2 * i + 1] ?? 0)).toString(16),
  );
  // RFC 5952 §4.2: the longest run (first on a tie) of two or more zero groups becomes `::`.
  let best = { start: -1, length: 1 };
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > best.length) best = { start: i, length: j - i };
    i = j === i ? i + 1 : j;
  }
  if (best.start < 0) return groups.join(':');
  const head = groups.slice(0, best.start).join(':');
  const tail = groups.slice(best.start + best.length).join(':');
  return `${head}::${tail}`;
}
