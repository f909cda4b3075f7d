/**
 * A pure, bounded ClientHello parser for SSL passthrough: it reads the record layer and the
 * ClientHello (RFC 8446 §4.1.2), and from the extensions only what routing needs: server_name
 * (RFC 6066 §3), ALPN (RFC 7301 §3.1) and supported_versions (RFC 8446 §4.2.1).
 * It never throws and never reads past a length it has not checked.
 */
import { Cursor, DecodeError } from './cursor.ts';
import { type Malformed, type NeedMore, type NotTls, reassembleClientHello } from './records.ts';

export type { Malformed, NeedMore, NotTls } from './records.ts';

/**
 * Post-quantum key shares (X25519MLKEM768) make ClientHellos ~1.8 KB; 16 KiB leaves room for
 * padding and large session tickets while bounding what one connection can make us buffer.
 */
export const DEFAULT_MAX_HANDSHAKE_BYTES = 16 * 1024;

const EXT_SERVER_NAME = 0;
const EXT_ALPN = 16;
const EXT_SUPPORTED_VERSIONS = 43;
const NAME_TYPE_HOST_NAME = 0;

export interface ClientHello {
  readonly kind: 'hello';
  /** The SNI host_name, lowercased and without one trailing dot; null when the client sent none. */
  readonly serverName: string | null;
  /** ALPN protocol names in the client's order; empty when the extension is absent. */
  readonly alpn: readonly string[];
  /** ClientHello.legacy_version, e.g. 0x0303. */
  readonly legacyVersion: number;
  /** The supported_versions extension in the client's order; empty when absent (TLS <= 1.2). */
  readonly supportedVersions: readonly number[];
}

export type ClientHelloResult = NeedMore | NotTls | Malformed | ClientHello;

export interface ClientHelloOptions {
  /** Largest ClientHello body accepted; larger ones are `malformed`. */
  readonly maxHandshakeBytes?: number;
}

/** Parse the bytes a client has sent so far. Safe to call again as more bytes arrive. */
export function parseClientHello(buf: Buffer, options: ClientHelloOptions = {}): ClientHelloResult {
  const framed = reassembleClientHello(buf, options.maxHandshakeBytes ?? DEFAULT_MAX_HANDSHAKE_BYTES);
  if (framed.kind !== 'message') return framed;
  try {
    return parseBody(new Cursor(framed.body));
  } catch (error) {
    // A DecodeError is the expected outcome for hostile input; anything else is a bug in this
    // file, and a bug must still only cost this one connection.
    const reason = error instanceof DecodeError ? error.message : `parser failure: ${String(error)}`;
    return { kind: 'malformed', reason };
  }
}

function parseBody(c: Cursor): ClientHello {
  const legacyVersion = c.u16('legacy_version');
  c.skip(32, 'random');
  const sessionId = c.vector8('legacy_session_id');
  if (sessionId.remaining > 32) throw new DecodeError('legacy_session_id longer than 32 bytes');
  const suites = c.vector16('cipher_suites', 2);
  if (suites.remaining % 2 !== 0) throw new DecodeError('cipher_suites has an odd length');
  c.vector8('legacy_compression_methods', 1);
  let serverName: string | null = null;
  let alpn: string[] = [];
  let supportedVersions: number[] = [];
  // RFC 5246 §7.4.1.2: a TLS 1.2 ClientHello may end here, without an extensions block.
  if (c.remaining > 0) {
    const extensions = c.vector16('extensions');
    c.expectEnd('ClientHello');
    const seen = new Set<number>();
    while (extensions.remaining > 0) {
      const type = extensions.u16('extension_type');
      const length = extensions.u16('extension_data');
      // RFC 8446 §4.2: there MUST NOT be more than one extension of the same type.
      if (seen.has(type)) throw new DecodeError(`duplicate extension ${type}`);
      seen.add(type);
      // Only the three read below get a cursor of their own: a hello carries a dozen or more
      // extensions, and this runs once per connection on the passthrough port.
      if (type === EXT_SERVER_NAME) serverName = parseServerName(extensions.cursor(length, 'extension_data'));
      else if (type === EXT_ALPN) alpn = parseAlpn(extensions.cursor(length, 'extension_data'));
      else if (type === EXT_SUPPORTED_VERSIONS)
        supportedVersions = parseVersions(extensions.cursor(length, 'extension_data'));
      else extensions.skip(length, 'extension_data');
    }
  }
  return { kind: 'hello', serverName, alpn, legacyVersion, supportedVersions };
}

/** RFC 6066 §3: ServerNameList server_name_list<1..2^16-1>; at most one name per name_type. */
function parseServerName(data: Cursor): string | null {
  const list = data.vector16('server_name_list', 1);
  data.expectEnd('server_name');
  let hostName: string | null = null;
  while (list.remaining > 0) {
    const nameType = list.u8('name_type');
    // Every name type defined so far is a 16-bit length-prefixed opaque; unknown types are
    // skipped the way Go's crypto/tls skips them.
    const name = list.bytes(list.u16('server name length'), 'server name');
    if (nameType !== NAME_TYPE_HOST_NAME) continue;
    if (hostName !== null) throw new DecodeError('more than one host_name in server_name');
    hostName = normalizeHostName(name);
  }
  return hostName;
}

/**
 * Follows nginx's ngx_http_validate_host, which nginx (and so ingress-nginx) applies to SNI
 * before choosing a server: reject empty labels, path separators, NUL, control bytes, space and
 * DEL; strip one trailing dot; lowercase ASCII. Other bytes pass through (latin1, one char per
 * byte) and simply match no host.
 */
function normalizeHostName(name: Buffer): string {
  if (name.length === 0) throw new DecodeError('empty host_name');
  let upper = false;
  for (let i = 0; i < name.length; i++) {
    const byte = name[i] ?? 0;
    if (byte <= 0x20 || byte === 0x7f || byte === 0x2f || byte === 0x5c) {
      throw new DecodeError(`host_name contains byte 0x${byte.toString(16).padStart(2, '0')}`);
    }
    if (byte === 0x2e && (i === 0 || name[i - 1] === 0x2e))
      throw new DecodeError('host_name has an empty label');
    if (byte >= 0x41 && byte <= 0x5a) upper = true;
  }
  const end = name[name.length - 1] === 0x2e ? name.length - 1 : name.length;
  const host = name.toString('latin1', 0, end);
  // Clients send lowercase names; only a name with A-Z pays for the (ASCII-only) lowering.
  return upper ? host.replace(/[A-Z]+/g, (letters) => letters.toLowerCase()) : host;
}

/** RFC 7301 §3.1: ProtocolName protocol_name_list<2..2^16-1>; empty names MUST NOT appear. */
function parseAlpn(data: Cursor): string[] {
  const list = data.vector16('protocol_name_list', 2);
  data.expectEnd('application_layer_protocol_negotiation');
  const names: string[] = [];
  while (list.remaining > 0) {
    const name = list.vector8('protocol_name', 1);
    names.push(name.bytes(name.remaining, 'protocol_name').toString('latin1'));
  }
  return names;
}

/** RFC 8446 §4.2.1: ProtocolVersion versions<2..254> in a ClientHello. */
function parseVersions(data: Cursor): number[] {
  const list = data.vector8('supported_versions', 2);
  data.expectEnd('supported_versions');
  if (list.remaining % 2 !== 0) throw new DecodeError('supported_versions has an odd length');
  const versions: number[] = [];
  while (list.remaining > 0) versions.push(list.u16('supported version'));
  return versions;
}
