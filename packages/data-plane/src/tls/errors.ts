/**
 * Failed handshakes, reduced to a small fixed set of results so they can label the
 * portcullis_tls_handshakes{result} counter without unbounded cardinality.
 */
import type { TLSSocket } from 'node:tls';

export type TlsHandshakeFailure =
  | 'unknown_server_name' // ssl-reject-handshake refused the SNI (or its absence)
  | 'protocol_version' // outside ssl-protocols
  | 'no_shared_cipher' // no common cipher or key-exchange group
  | 'no_application_protocol' // ALPN offer without h2 (when enabled) or http/1.1
  | 'closed' // the client went away mid-handshake (timeouts, resets, scanners)
  | 'other';

export interface TlsErrorEvent {
  readonly result: TlsHandshakeFailure;
  readonly error: Error;
  readonly servername: string | null;
  readonly remoteAddress: string | null;
}

export function classifyTlsError(error: Error, socket: TLSSocket, rejected: boolean): TlsErrorEvent {
  const code = String((error as { code?: unknown }).code ?? '');
  const servername = typeof socket.servername === 'string' ? socket.servername : null;
  return {
    result: rejected ? 'unknown_server_name' : resultOf(code),
    error,
    servername,
    remoteAddress: socket.remoteAddress ?? null,
  };
}

function resultOf(code: string): TlsHandshakeFailure {
  if (/VERSION|UNSUPPORTED_PROTOCOL/.test(code)) return 'protocol_version';
  if (/NO_SHARED_CIPHER|NO_SUITABLE_KEY_SHARE|NO_SHARED_GROUP/.test(code)) return 'no_shared_cipher';
  if (/NO_APPLICATION_PROTOCOL|ALPN/.test(code)) return 'no_application_protocol';
  if (code === 'ECONNRESET' || code === 'EPIPE' || /TIMEOUT/.test(code)) return 'closed';
  return 'other';
}
