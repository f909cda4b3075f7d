/** The ssl-* keys (and use-http2) of the controller ConfigMap -> TlsSettings. */
import { isOpenSslCipherList, parseNginxSize, parseNginxTime, quote } from '../values.ts';
import { defaultSettings } from './defaults.ts';
import { describeDropped, type KeyReader, showNumber, showString } from './reader.ts';
import type { TlsProtocol, TlsSettings } from './types.ts';

const protocolOrder: readonly TlsProtocol[] = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];

export function readTlsSettings(r: KeyReader): TlsSettings {
  const d = defaultSettings.tls;
  return {
    protocols: readProtocols(r),
    ciphers: r.value('ssl-ciphers', d.ciphers, parseCiphers, 'an OpenSSL cipher list', showString),
    ecdhCurve: r.value(
      'ssl-ecdh-curve',
      d.ecdhCurve,
      parseCurves,
      "'auto' or curve names joined by ':'",
      showString,
    ),
    sessionCache: r.bool('ssl-session-cache', d.sessionCache),
    sessionCacheSize: r.value(
      'ssl-session-cache-size',
      d.sessionCacheSize,
      (s) => positive(parseNginxSize(s)),
      'an nginx size such as 10m, 512k or a byte count',
      (n) => `${n} bytes (10m)`,
    ),
    sessionTimeout: r.value(
      'ssl-session-timeout',
      d.sessionTimeout,
      (s) => positive(parseNginxTime(s)),
      'an nginx time such as 10m, 1h, 30s, 1d or a number of seconds',
      (n) => `${showNumber(n)} seconds (10m)`,
    ),
    sessionTickets: r.bool('ssl-session-tickets', d.sessionTickets),
    sessionTicketKey: readTicketKey(r),
    rejectHandshake: r.bool('ssl-reject-handshake', d.rejectHandshake),
    useHttp2: r.bool('use-http2', d.useHttp2),
  };
}

function positive(n: number | undefined): number | undefined {
  return n !== undefined && n > 0 ? n : undefined;
}

/**
 * ssl-protocols: whitespace-separated, matched case-insensitively as nginx's bitmask slot does.
 * nginx would refuse to load an unknown token; here it is dropped with a diagnostic, and an
 * empty result falls back to the default so TLS keeps working.
 */
function readProtocols(r: KeyReader): readonly TlsProtocol[] {
  const key = 'ssl-protocols';
  const fallback = defaultSettings.tls.protocols;
  const value = r.raw(key);
  if (value === undefined) return fallback;
  const found = new Set<TlsProtocol>();
  const unknown: string[] = [];
  for (const token of value.split(/\s+/).filter((t) => t !== '')) {
    const protocol = protocolOrder.find((p) => p.toLowerCase() === token.toLowerCase());
    if (protocol === undefined) unknown.push(token);
    else found.add(protocol);
  }
  const protocols = protocolOrder.filter((p) => found.has(p));
  const result = protocols.length > 0 ? protocols : fallback;
  const used = protocols.length > 0 ? quote(result.join(' ')) : `the default ${quote(fallback.join(' '))}`;
  if (unknown.length > 0) {
    r.invalid(key, value, describeDropped(unknown, 'TLSv1, TLSv1.1, TLSv1.2 or TLSv1.3'), used);
  } else if (protocols.length === 0) {
    r.invalid(key, value, 'no protocol listed', used);
  }
  return result;
}

function parseCiphers(s: string): string | undefined {
  const trimmed = s.trim();
  return trimmed !== '' && isOpenSslCipherList(trimmed) ? trimmed : undefined;
}

/** 'auto' or OpenSSL group names such as X25519:prime256v1:secp384r1 (no quotes, no spaces). */
function parseCurves(s: string): string | undefined {
  const trimmed = s.trim();
  return /^[A-Za-z0-9_-]+(?::[A-Za-z0-9_-]+)*$/.test(trimmed) ? trimmed : undefined;
}

/**
 * ssl-session-ticket-key: standard base64 (Go's StdEncoding, which skips CR and LF) of exactly
 * 48 or 80 bytes, the two key file sizes nginx's ssl_session_ticket_key accepts. ingress-nginx
 * drops a key that does not decode or has the wrong size; so do we. Empty means unset.
 */
function readTicketKey(r: KeyReader): string | null {
  const key = 'ssl-session-ticket-key';
  const value = r.raw(key);
  if (value === undefined || value.trim() === '') return null;
  const compact = value.replace(/[\r\n]/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(compact) || compact.length % 4 !== 0) {
    r.invalid(key, value, 'not standard base64', 'no session ticket key');
    return null;
  }
  const padding = compact.endsWith('==') ? 2 : compact.endsWith('=') ? 1 : 0;
  const bytes = (compact.length / 4) * 3 - padding;
  if (bytes !== 48 && bytes !== 80) {
    r.invalid(key, value, `decodes to ${bytes} bytes, nginx needs 48 or 80`, 'no session ticket key');
    return null;
  }
  return compact;
}
