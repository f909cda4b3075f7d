/**
 * The keep-alive pool of one HTTP/1.1 (or HTTP/1.1 over TLS) endpoint: idle connections are
 * reused most-recent first, so a few hot connections stay warm and the rest age out
 * (upstream-keepalive-timeout); as many connections are opened as requests run at once.
 * close() is graceful like undici's: idle connections go now, busy ones when their response ends.
 */
import type { EndpointSpec } from '../endpoint.ts';
import { type ConnectionTimeouts, Http1Connection } from './connection.ts';
import type { Http1Handler, Http1Request } from './types.ts';

export interface Http1PoolOptions extends ConnectionTimeouts {
  readonly keepAliveTimeoutMs: number;
}

/** ingress-nginx's upstream-keepalive-connections: idle connections kept per endpoint. */
const MAX_IDLE = 320;
/** undici's keepAliveTimeoutThreshold: stop reusing this long before the upstream's own timeout. */
const HINT_MARGIN_MS = 2_000;

export class Http1Pool {
  readonly #endpoint: EndpointSpec;
  readonly #options: Http1PoolOptions;
  readonly #idle: Http1Connection[] = [];
  readonly #all = new Set<Http1Connection>();
  #sweeper: NodeJS.Timeout | null = null;
  #session: Buffer | undefined;
  #closing = false;
  #drained: (() => void) | null = null;

  constructor(endpoint: EndpointSpec, options: Http1PoolOptions) {
    this.#endpoint = endpoint;
    this.#options = options;
  }

  /** Connections open right now (for tests and diagnostics). */
  get size(): number {
    return this.#all.size;
  }

  request(request: Http1Request, handler: Http1Handler): void {
    (this.#takeIdle() ?? this.#open()).run(request, handler);
  }

  /** Graceful: resolves once every connection is closed. */
  close(): Promise<void> {
    this.#closing = true;
    for (const connection of this.#idle.splice(0)) connection.socket.destroy();
    this.#stopSweeper();
    if (this.#all.size === 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.#drained = resolve;
    });
  }

  #takeIdle(): Http1Connection | null {
    const now = Date.now();
    for (let connection = this.#idle.pop(); connection !== undefined; connection = this.#idle.pop()) {
      if (connection.idleUntil > now && !connection.socket.destroyed) return connection;
      connection.socket.destroy();
    }
    return null;
  }

  #open(): Http1Connection {
    const connection = new Http1Connection(this.#owner, this.#endpoint, this.#options, this.#session);
    this.#all.add(connection);
    // TLS session resumption for the next connection, as undici's connector caches sessions.
    if (this.#endpoint.tls !== null) {
      connection.socket.on('session', (session: Buffer) => {
        this.#session = session;
      });
    }
    return connection;
  }

  readonly #owner = {
    release: (connection: Http1Connection, hintMs: number): void => {
      let keepMs = this.#options.keepAliveTimeoutMs;
      if (hintMs > 0) keepMs = Math.min(keepMs, hintMs - HINT_MARGIN_MS);
      if (this.#closing || keepMs <= 0) {
        connection.socket.destroy();
        return;
      }
      connection.idleUntil = Date.now() + keepMs;
      this.#idle.push(connection);
      if (this.#idle.length > MAX_IDLE) this.#idle.shift()?.socket.destroy();
      this.#startSweeper();
    },
    retry: (request: Http1Request, handler: Http1Handler): void => {
      // A fresh connection: a second stale one would fail the same way.
      this.#open().run(request, handler);
    },
    closed: (connection: Http1Connection): void => {
      this.#all.delete(connection);
      const index = this.#idle.lastIndexOf(connection);
      if (index >= 0) this.#idle.splice(index, 1);
      if (this.#idle.length === 0) this.#stopSweeper();
      if (this.#closing && this.#all.size === 0) this.#drained?.();
    },
  };

  /** Idle connections past their keep-alive time are closed even when no request comes. */
  #startSweeper(): void {
    if (this.#sweeper !== null) return;
    const period = Math.max(100, Math.min(this.#options.keepAliveTimeoutMs, 1_000));
    this.#sweeper = setInterval(() => {
      const now = Date.now();
      for (const connection of this.#idle) if (connection.idleUntil <= now) connection.socket.destroy();
    }, period);
    this.#sweeper.unref();
  }

  #stopSweeper(): void {
    if (this.#sweeper === null) return;
    clearInterval(this.#sweeper);
    this.#sweeper = null;
  }
}
