/**
 * Splice a client connection to a passthrough backend: replay the peeked bytes, then copy both
 * ways with backpressure. This is ingress-nginx's Go `pipe(clientConn, serverConn)`, including its
 * end: the first FIN from either side closes both connections (nginx's stream module does the same
 * with proxy_half_close off, its default), plus what it lacks: a connect time-out and byte counts.
 *
 * It runs once per passthrough connection, so it is built to cost little (see relay.ts): no
 * timer or Readable#pipe per connection, listeners shared by all connections, and no system call
 * nginx's stream proxy would not make (TCP keep-alive is switched on only for
 * connections that live long enough to need it, see KEEPALIVE_MS).
 */
import type { Socket } from 'node:net';
import { DeadlineEntry, DeadlineList } from './deadlines.ts';
import { type RelayOwner, UpstreamRelay } from './relay.ts';
import { attachSink, type ClientSink } from './sink.ts';

/** ingress-nginx's proxy-connect-timeout default is 5s. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;
/**
 * Go's net.Dialer and net.Listen default: TCP keepalive probes after 15s idle. Switched on for a
 * connection once it has lived that long (keepAliveList): four setsockopt() calls per socket
 * are a measurable share of a short connection's cost, and a connection younger than the idle
 * time would not have sent a probe yet anyway. A dead peer is still found, at most 15s later.
 */
const KEEPALIVE_MS = 15_000;
/** Client bytes held while the backend connects; beyond this the client is paused. */
const MAX_PENDING_BYTES = 64 * 1024;

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
  /**
   * The client's address, when the splicer had to read it (after a failure, from a socket the
   * caller no longer holds: the native splicer's).
   */
  readonly peer?: { readonly remoteAddress: string; readonly remotePort: number | null };
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
 * Takes ownership of `client` (with `buffered` already read from it): from here on it is closed
 * with the backend connection. A FIN from either side closes both, once the bytes already read
 * have been written on.
 */
export function splice(
  client: Socket,
  target: SpliceTarget,
  buffered: Buffer,
  hooks: SpliceHooks = {},
  options: SpliceOptions = {},
): void {
  new Splice(client, target, buffered, hooks, connectDeadlines(options.connectTimeoutMs));
}

const connectLists = new Map<number, DeadlineList<Splice>>();
const keepAliveList = new DeadlineList<Splice>(KEEPALIVE_MS, (s) => s.keepAlive());

function connectDeadlines(timeoutMs = DEFAULT_CONNECT_TIMEOUT_MS): DeadlineList<Splice> {
  let list = connectLists.get(timeoutMs);
  if (list === undefined) {
    list = new DeadlineList<Splice>(timeoutMs, (s) => s.connectTimedOut());
    connectLists.set(timeoutMs, list);
  }
  return list;
}

class Splice extends DeadlineEntry implements ClientSink, RelayOwner {
  readonly #client: Socket;
  readonly #target: SpliceTarget;
  readonly #hooks: SpliceHooks;
  readonly #relay: UpstreamRelay;
  readonly #upstream: Socket;
  /** Client bytes to send once connected, the peeked ones first; null once connected. */
  #pending: Buffer[] | null;
  #pendingBytes: number;
  readonly #timeoutMs: number;
  #clientEnded = false;
  #error: SpliceError | null = null;
  #closed = 0;

  constructor(
    client: Socket,
    target: SpliceTarget,
    buffered: Buffer,
    hooks: SpliceHooks,
    deadlines: DeadlineList<Splice>,
  ) {
    super();
    this.#client = client;
    this.#target = target;
    this.#hooks = hooks;
    this.#timeoutMs = deadlines.timeoutMs;
    this.#pending = buffered.length > 0 ? [buffered] : [];
    this.#pendingBytes = buffered.length;
    // A server created without allowHalfOpen would answer the client's FIN with shutdown() on
    // its own; the splice closes both sides itself (closeBoth), once pending bytes are relayed.
    client.allowHalfOpen = true;
    this.#relay = new UpstreamRelay(this, client);
    this.#upstream = this.#relay.upstream;
    attachSink(client, this);
    deadlines.add(this);
    this.#upstream.connect({ host: target.host, port: target.port });
  }

  // Client events (sink.ts).
  onData(chunk: Buffer): void {
    if (this.#pending === null) {
      this.#relay.toUpstream(chunk);
      return;
    }
    this.#pending.push(chunk);
    this.#pendingBytes += chunk.length;
    if (this.#pendingBytes > MAX_PENDING_BYTES) this.#client.pause();
  }

  onEnd(): void {
    if (this.#pending === null) this.#relay.closeBoth();
    else this.#clientEnded = true;
  }

  onError(error: Error): void {
    this.#abort('client-error', error.message);
  }

  onClose(): void {
    // A socket closed without a clean end in both directions was destroyed (by us or by a
    // shutdown); the other side must not linger. A clean close leaves the peer to flush.
    if (!this.#relay.clientDone()) this.#abort('aborted', 'client connection destroyed');
    this.#onSocketClosed();
  }

  // Backend events (relay.ts).
  upstreamConnected(): void {
    // Off the connect time-out list, onto the keep-alive one.
    keepAliveList.add(this);
    const pending = this.#pending ?? [];
    this.#pending = null;
    // Nagle off on the client side too, as the Go proxy and nginx's stream module do.
    this.#client.setNoDelay(true);
    this.#hooks.onConnect?.(this.#target);
    // The ClientHello goes out alone as the first write, then whatever followed it.
    for (const chunk of pending) this.#relay.toUpstream(chunk);
    if (this.#clientEnded) this.#relay.closeBoth();
    this.#client.resume();
  }

  upstreamError(error: Error): void {
    const reason = this.#pending === null ? 'target-error' : 'connect-failed';
    this.#abort(reason, `${this.#where()}: ${error.message}`);
  }

  upstreamClosed(): void {
    if (this.#pending !== null) this.#abort('connect-failed', `${this.#where()}: closed before connecting`);
    else if (!this.#relay.upstreamDone()) this.#abort('aborted', 'backend connection destroyed');
    this.#onSocketClosed();
  }

  // Deadlines.
  connectTimedOut(): void {
    this.#abort('connect-timeout', `no connection to ${this.#where()} after ${this.#timeoutMs} ms`);
  }

  keepAlive(): void {
    if (!this.#client.destroyed) this.#client.setKeepAlive(true, KEEPALIVE_MS);
    if (!this.#upstream.destroyed) this.#upstream.setKeepAlive(true, KEEPALIVE_MS);
  }

  #where(): string {
    return `${this.#target.host}:${this.#target.port}`;
  }

  #abort(reason: SpliceFailureReason, message: string): void {
    this.#error ??= { reason, message };
    // The failure gets reported with the client's address, which net caches once read: read it
    // while the socket still knows it (a client that reset has already lost it).
    if (!this.#client.destroyed) void this.#client.remoteAddress;
    this.#client.destroy();
    this.#upstream.destroy();
  }

  #onSocketClosed(): void {
    this.#closed += 1;
    if (this.#closed < 2) return;
    this.list?.remove(this);
    this.#relay.release();
    this.#hooks.onClose?.({
      bytesIn: this.#client.bytesRead,
      bytesOut: this.#upstream.bytesRead,
      error: this.#error,
    });
  }
}
