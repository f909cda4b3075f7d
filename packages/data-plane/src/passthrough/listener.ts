/**
 * The HTTPS port's connection handler when SSL passthrough is enabled: peek at the ClientHello,
 * splice connections whose SNI names a passthrough host to its backend, and hand every other
 * TLS connection to the in-process tls.Server. ingress-nginx runs a Go TCP proxy in front of
 * NGINX for this; here it is one listener and no extra hop.
 *
 * Use it as `net.createServer({ allowHalfOpen: true, pauseOnConnect: true }, handler)`.
 */
import type { Socket } from 'node:net';
import type { Server as TlsServer } from 'node:tls';
import {
  type PassthroughEvent,
  PassthroughReasons,
  peekFailureReason,
  spliceFailureReason,
} from './events.ts';
import { type PeekOptions, type PeekResult, peekClientHello } from './peek.ts';
import { type SpliceOptions, type SpliceResult, type SpliceTarget, splice } from './splice.ts';

/** RFC 8446 §6: a fatal decode_error alert (level 2, description 50) in a TLS 1.2-framed record. */
const DECODE_ERROR_ALERT = Buffer.from([0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 50]);

export interface SplicedConnection {
  readonly serverName: string | null;
  readonly target: SpliceTarget;
  readonly result: SpliceResult;
}

export interface PassthroughRouterOptions {
  /** The backend for an SNI (null when the client sent none), or null to terminate TLS here. */
  readonly lookup: (serverName: string | null) => SpliceTarget | null;
  /** Receives every TLS connection not spliced; it need not (and should not) listen itself. */
  readonly tlsServer: TlsServer;
  readonly peek?: PeekOptions;
  readonly splice?: SpliceOptions;
  /** A connection was refused or a splice failed; only that connection was affected. */
  readonly onError?: (event: PassthroughEvent) => void;
  /** A spliced connection closed (cleanly or not): the place for byte and duration metrics. */
  readonly onSpliceClose?: (connection: SplicedConnection) => void;
}

export function createPassthroughRouter(options: PassthroughRouterOptions): (socket: Socket) => void {
  return (socket) => {
    void route(socket, options);
  };
}

async function route(socket: Socket, options: PassthroughRouterOptions): Promise<void> {
  // Read now: a destroyed socket no longer knows its peer.
  const peer = { remoteAddress: socket.remoteAddress ?? 'unknown', remotePort: socket.remotePort ?? null };
  const report = (event: Omit<PassthroughEvent, 'remoteAddress' | 'remotePort'>): void =>
    options.onError?.({ ...peer, ...event });
  // Covers the gaps between owners (peek, then splice or the TLS server), so a reset arriving in
  // between cannot become an unhandled 'error' that takes the whole process down.
  const guard = (): void => {};
  socket.on('error', guard);

  const peeked = await peekClientHello(socket, options.peek);
  if (!peeked.ok) {
    refuse(socket, peeked);
    // A connect-then-close with no bytes is a TCP health check or port scan, not an error.
    if (!(peeked.failure.kind === 'closed' && peeked.buffered.length === 0)) {
      report({
        reason: peekFailureReason(peeked.failure.kind),
        serverName: null,
        target: null,
        message: peeked.failure.reason,
      });
    }
    return;
  }
  const { serverName } = peeked.hello;
  let target: SpliceTarget | null;
  try {
    target = options.lookup(serverName);
  } catch (error) {
    socket.destroy();
    report({ reason: PassthroughReasons.LookupFailed, serverName, target: null, message: String(error) });
    return;
  }
  if (target === null) {
    handOff(socket, peeked.buffered, options.tlsServer);
    return;
  }
  const chosen = target;
  splice(
    socket,
    chosen,
    peeked.buffered,
    {
      onClose: (result) => {
        if (result.error !== null) {
          report({
            reason: spliceFailureReason(result.error.reason),
            serverName,
            target: chosen,
            message: result.error.message,
          });
        }
        options.onSpliceClose?.({ serverName, target: chosen, result });
      },
    },
    options.splice,
  );
  socket.off('error', guard);
}

/**
 * Terminate TLS in-process without another hop: put the peeked bytes back and let tls.Server
 * wrap the socket; TLSSocket feeds a net.Socket's already-buffered data to OpenSSL first.
 */
function handOff(socket: Socket, buffered: Buffer, tlsServer: TlsServer): void {
  socket.unshift(buffered);
  tlsServer.emit('connection', socket);
}

/** Close one refused connection; a client that spoke broken TLS is told so with an alert. */
function refuse(socket: Socket, peeked: Extract<PeekResult, { ok: false }>): void {
  if (peeked.failure.kind === 'malformed' && socket.writable) {
    socket.end(DECODE_ERROR_ALERT, () => socket.destroy());
    return;
  }
  socket.destroy();
}
