/**
 * Strict DER primitives for strict.ts and extensions.ts: exact lengths, minimal INTEGERs, valid
 * OBJECT IDENTIFIERs (X.690 §8), the checks OpenSSL's decoder makes or stricter ones.
 */
import { hexOf, readTlv, TAG, type Tlv } from './der.ts';

/** The TLVs inside a constructed TLV, which must fill it exactly; low tag numbers only. */
export function kids(der: Uint8Array, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  let offset = parent.contentStart;
  while (offset < parent.end) {
    const child = readTlv(der, offset);
    if ((child.tag & 0x1f) === 0x1f || child.end > parent.end) throw new Error('not strict DER');
    out.push(child);
    offset = child.end;
  }
  return out;
}

/** X.690 §8.19: non-empty, each subidentifier minimal (no leading 0x80), last byte final. */
export function isOid(der: Uint8Array, tlv: Tlv): boolean {
  if (tlv.tag !== TAG.OID || tlv.end === tlv.contentStart || (der[tlv.end - 1] as number) & 0x80)
    return false;
  for (let i = tlv.contentStart; i < tlv.end; i++) {
    const first = i === tlv.contentStart || !((der[i - 1] as number) & 0x80);
    if (first && der[i] === 0x80) return false;
  }
  return true;
}

export function isInteger(der: Uint8Array, tlv: Tlv): boolean {
  return tlv.tag === TAG.INTEGER && minimalInteger(der.subarray(tlv.contentStart, tlv.end));
}

/** X.690 §8.3.2: at least one byte, no redundant leading 0x00 or 0xff. */
export function minimalInteger(bytes: Uint8Array): boolean {
  const [first, second] = bytes;
  if (first === undefined) return false;
  if (second === undefined) return true;
  return !((first === 0 && second < 0x80) || (first === 0xff && second >= 0x80));
}

export function isBoolean(tlv: Tlv): boolean {
  return tlv.end - tlv.contentStart === 1;
}

/** BIT STRING: an unused-bits count of 0-7 first, and 0 when nothing follows it. */
export function bitString(der: Uint8Array, tlv: Tlv): boolean {
  if (tlv.tag !== TAG.BIT_STRING || tlv.end === tlv.contentStart) return false;
  const unused = der[tlv.contentStart] as number;
  return unused <= 7 && (unused === 0 || tlv.end - tlv.contentStart > 1);
}

export function hex(der: Uint8Array, tlv: Tlv): string {
  return hexOf(der, tlv.contentStart, tlv.end);
}
