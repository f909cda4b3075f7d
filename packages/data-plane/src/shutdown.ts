/**
 * Graceful shutdown for the listeners: stop accepting, let in-flight requests finish (bounded),
 * close idle keep-alive connections and HTTP/2 sessions (GOAWAY), then destroy what is left.
 */
import type { Server as HttpServer } from 'node:http';
import type { Http2SecureServer, Http2Session } from 'node:http2';
import type { Server as NetServer, Socket } from 'node:net';

export class ConnectionTracker {
  readonly #sockets = new Set<Socket>();
  readonly #sessions = new Set<Http2Session>();
  #inFlight = 0;
  #idle: (() => void) | null = null;
  draining = false;

  socket(socket: Socket): void {
    this.#sockets.add(socket);
    // One shared listener (`this` is the socket): no closure or once-wrapper per connection.
    socket.on('close', this.#forgetSocket);
  }

  readonly #forgetSocket = forgetter(this.#sockets);

  session(session: Http2Session): void {
    this.#sessions.add(session);
    session.once('close', () => this.#sessions.delete(session));
    if (this.draining) session.close();
  }

  /** Counts a request until its response is done; during a drain asks HTTP/1 clients to close. */
  request(
    res: { once(event: 'close', listener: () => void): unknown; setHeader?: unknown },
    http1: boolean,
  ): void {
    this.#inFlight++;
    if (this.draining && http1 && typeof res.setHeader === 'function') {
      (res as { setHeader(name: string, value: string): void }).setHeader('connection', 'close');
    }
    res.once('close', () => {
      this.#inFlight--;
      if (this.#inFlight === 0) this.#idle?.();
    });
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  /**
   * Stops the servers accepting and waits for in-flight requests, at most timeoutMs, and for
   * `alongside` (e.g. spliced connections, which it ends itself) before cutting what is left.
   */
  async drain(
    servers: readonly (HttpServer | Http2SecureServer | NetServer)[],
    timeoutMs: number,
    alongside?: (timeoutMs: number) => Promise<unknown>,
  ): Promise<{ finished: boolean; remaining: number }> {
    this.draining = true;
    const other = alongside?.(timeoutMs);
    const closed = servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve())));
    for (const s of servers) if ('closeIdleConnections' in s) s.closeIdleConnections();
    for (const session of this.#sessions) session.close();
    const finished =
      this.#inFlight === 0 ||
      (await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), timeoutMs);
        this.#idle = () => {
          clearTimeout(timer);
          resolve(true);
        };
      }));
    const remaining = this.#inFlight;
    await other;
    for (const socket of this.#sockets) socket.destroy();
    for (const session of this.#sessions) session.destroy();
    await Promise.all(closed);
    return { finished, remaining };
  }
}

/** A 'close' listener that removes its socket (`this`) from the set. */
function forgetter(sockets: Set<Socket>): (this: Socket) => void {
  return function (this: Socket): void {
    sockets.delete(this);
  };
}
