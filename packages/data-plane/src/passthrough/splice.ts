/**
 * Splice a client connection to a passthrough backend: replay the peeked bytes, then copy both
 * ways with backpressure (Readable#pipe pauses the source while the destination's buffer is
 * full). This is ingress-nginx's Go `pipe(clientConn, serverConn)`, plus what it lacks: a
 * connect time-out, half-close and byte counts.
 */
import { connect, type Socket } from 'node:net';

/** ingress-nginx's proxy-connect-timeout default is 5s. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;
/** Go's net.Dialer and net.Listen default: TCP keepalive probes every 15s. */
const KEEPALIVE_MS = 15_000;

export interface SpliceTarget {
  readonly host: string;
  readonly port: number;
}

export type SpliceFailureReason =
  | 'connect-timeout'
  | 'connect-failed'
  | 'client-error'
  | 'target-error'
  | 'aborted';

export interface SpliceError {
  readonly reason: SpliceFailureReason;
  readonly message: string;
}

export interface SpliceResult {
  /** Bytes received from the client, the peeked ClientHello included. */
  readonly bytesIn: number;
  /** Bytes received from the backend (and relayed to the client). */
  readonly bytesOut: number;
  /** The first failure, or null when both directions ended cleanly. */
  readonly error: SpliceError | null;
}

export interface SpliceHooks {
  /** The backend accepted the TCP connection. */
  readonly onConnect?: (target: SpliceTarget) => void;
  /** Both sockets are closed; called exactly once. */
  readonly onClose?: (result: SpliceResult) => void;
}

export interface SpliceOptions {
  readonly connectTimeoutMs?: number;
}

/**
 * Takes ownership of `client` (paused, with `buffered` already read from it): from here on it is
 * closed with the backend connection. Half-close is propagated: a FIN from one side becomes
 * `end()` on the other, and the reverse direction keeps flowing until it ends too.
 */
export function splice(
  client: Socket,
  target: SpliceTarget,
  buffered: Buffer,
  hooks: SpliceHooks = {},
  options: SpliceOptions = {},
): void {
  // A server created without allowHalfOpen would answer the client's FIN with its own before
  // the backend's reply arrived; a splicer must forward the FIN instead.
  client.allowHalfOpen = true;
  // Nagle off and keep-alive probes as connect() options: net applies them to the handle as it
  // connects, without two more JS calls per connection.
  const upstream = connect({
    host: target.host,
    port: target.port,
    allowHalfOpen: true,
    noDelay: true,
    keepAlive: true,
    keepAliveInitialDelay: KEEPALIVE_MS,
  });
  let connected = false;
  let error: SpliceError | null = null;
  let closed = 0;

  const abort = (reason: SpliceFailureReason, message: string): void => {
    error ??= { reason, message };
    client.destroy();
    upstream.destroy();
  };
  const timer = setTimeout(
    () =>
      abort(
        'connect-timeout',
        `no connection to ${target.host}:${target.port} after ${options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS} ms`,
      ),
    options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
  );
  const onBothClosed = (): void => {
    closed += 1;
    if (closed < 2) return;
    clearTimeout(timer);
    hooks.onClose?.({ bytesIn: client.bytesRead, bytesOut: upstream.bytesRead, error });
  };

  client.on('error', (err) => abort('client-error', err.message));
  upstream.on('error', (err) =>
    abort(connected ? 'target-error' : 'connect-failed', `${target.host}:${target.port}: ${err.message}`),
  );
  client.on('close', () => {
    // A socket closed without a clean end in both directions was destroyed (by us or by a
    // shutdown); the other side must not linger. A clean close leaves the peer to flush.
    if (!cleanlyDone(client)) abort('aborted', 'client connection destroyed');
    onBothClosed();
  });
  upstream.on('close', () => {
    if (!connected) abort('connect-failed', `${target.host}:${target.port}: closed before connecting`);
    else if (!cleanlyDone(upstream)) abort('aborted', 'backend connection destroyed');
    onBothClosed();
  });
  upstream.once('connect', () => {
    connected = true;
    clearTimeout(timer);
    client.setNoDelay(true);
    client.setKeepAlive(true, KEEPALIVE_MS);
    hooks.onConnect?.(target);
    if (buffered.length > 0) upstream.write(buffered);
    // pipe() ends the destination when the source ends: that is the half-close propagation.
    client.pipe(upstream);
    upstream.pipe(client);
  });
}

function cleanlyDone(socket: Socket): boolean {
  return socket.readableEnded && socket.writableFinished;
}
