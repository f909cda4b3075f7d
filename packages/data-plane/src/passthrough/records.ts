/**
 * TLS record layer, just enough to find the first handshake message (RFC 8446 §5.1,
 * RFC 5246 §6.2.1). A ClientHello may be fragmented over several records, and those over any
 * number of TCP segments; the records' fragment bodies are concatenated in order.
 *
 * Every answer is a pure function of the bytes received so far, and a decision (anything but
 * need-more) never changes when more bytes arrive: the caller can re-run it on a growing buffer.
 */

/** RFC 8446 §5.1: TLSPlaintext.length MUST NOT exceed 2^14. */
const MAX_FRAGMENT = 1 << 14;
const RECORD_HEADER = 5;
const HANDSHAKE_HEADER = 4;
export const CONTENT_TYPE_HANDSHAKE = 22;
export const HANDSHAKE_CLIENT_HELLO = 1;

export type NeedMore = {
  readonly kind: 'need-more';
  /**
   * No complete ClientHello can fit in fewer bytes: re-parsing before the buffer reaches this
   * length is wasted work (it could only find malformed input sooner). Always > buf.length. It is
   * what keeps re-parsing a growing buffer cheap when a client sends many tiny records.
   */
  readonly needed: number;
};
export type NotTls = { readonly kind: 'not-tls'; readonly reason: string };
export type Malformed = { readonly kind: 'malformed'; readonly reason: string };
export type Reassembled = NeedMore | NotTls | Malformed | { readonly kind: 'message'; readonly body: Buffer };

/**
 * The first bytes decide whether this is TLS at all, so an HTTP request or an SSLv2-style hello
 * is turned away on its first byte rather than after a time-out.
 */
function checkFirstHeader(buf: Buffer): NotTls | null {
  const type = buf[0];
  if (type !== undefined && type !== CONTENT_TYPE_HANDSHAKE) {
    return {
      kind: 'not-tls',
      reason: `first byte 0x${type.toString(16).padStart(2, '0')} is not a TLS handshake record`,
    };
  }
  if (buf[1] !== undefined && buf[1] !== 3)
    return { kind: 'not-tls', reason: 'record version major is not 3' };
  // RFC 5246 Appendix E.1: a client MAY put any {03,XX} in the first record header, typically
  // its lowest version ({03,00} from old stacks); RFC 8446 §5.1 says 0x0301 or 0x0303.
  const minor = buf[2];
  if (minor !== undefined && minor > 4)
    return { kind: 'not-tls', reason: `record version 3.${minor} is unknown` };
  return null;
}

function needMore(buf: Buffer, needed: number): NeedMore {
  return { kind: 'need-more', needed: Math.max(needed, buf.length + 1) };
}

/**
 * Reassemble the first handshake message, which must be a ClientHello of at most
 * `maxHandshakeBytes` (type and length header excluded). Returns its body.
 */
export function reassembleClientHello(buf: Buffer, maxHandshakeBytes: number): Reassembled {
  const notTls = checkFirstHeader(buf);
  if (notTls !== null) return notTls;
  const fragments: Buffer[] = [];
  let have = 0; // handshake bytes collected so far
  let total = -1; // full handshake message length (header included) once known
  let offset = 0;
  for (;;) {
    // Before the handshake header is known we need at least its missing bytes; after, the rest.
    const missing = total < 0 ? HANDSHAKE_HEADER - have : total - have;
    if (offset + RECORD_HEADER > buf.length)
      return needMore(buf, offset + RECORD_HEADER + Math.max(1, missing));
    const type = buf[offset] ?? 0;
    const length = buf.readUInt16BE(offset + 3);
    if (offset > 0) {
      // RFC 8446 §5.1: handshake messages MUST NOT be interleaved with other record types.
      if (type !== CONTENT_TYPE_HANDSHAKE) return malformed(`record type ${type} inside the ClientHello`);
      if (buf[offset + 1] !== 3 || (buf[offset + 2] ?? 0) > 4) return malformed('bad record version');
    }
    // RFC 8446 §5.1: zero-length handshake fragments MUST NOT be sent.
    if (length === 0) return malformed('empty handshake record');
    if (length > MAX_FRAGMENT) return malformed(`record length ${length} exceeds 2^14`);
    const end = offset + RECORD_HEADER + length;
    if (end > buf.length) {
      const after = missing - length;
      return needMore(buf, after > 0 ? end + RECORD_HEADER + after : end);
    }
    fragments.push(buf.subarray(offset + RECORD_HEADER, end));
    have += length;
    offset = end;
    if (total < 0 && have >= HANDSHAKE_HEADER) {
      const header = headerOf(fragments);
      if (header.type !== HANDSHAKE_CLIENT_HELLO)
        return malformed(`handshake type ${header.type} is not ClientHello`);
      if (header.length > maxHandshakeBytes) {
        return malformed(`ClientHello of ${header.length} bytes exceeds the ${maxHandshakeBytes}-byte cap`);
      }
      total = HANDSHAKE_HEADER + header.length;
    }
    if (total >= 0 && have >= total) {
      // Bytes after the ClientHello in its last record are left alone; the real TLS stack
      // (ours or the backend's) sees them.
      const message = fragments.length === 1 ? (fragments[0] as Buffer) : Buffer.concat(fragments, have);
      return { kind: 'message', body: message.subarray(HANDSHAKE_HEADER, total) };
    }
  }
}

function headerOf(fragments: readonly Buffer[]): { type: number; length: number } {
  const first = fragments.length === 1 ? (fragments[0] as Buffer) : Buffer.concat(fragments);
  return { type: first[0] ?? 0, length: first.readUIntBE(1, 3) };
}

function malformed(reason: string): Malformed {
  return { kind: 'malformed', reason };
}
