/**
 * Listening with SO_REUSEPORT and draining on shutdown.
 *
 * Why SO_REUSEPORT: with node:cluster's default round-robin scheduling every new connection is
 * accepted by the primary and its handle passed to a worker over IPC, so a busy primary (a large
 * table build) delays every accept. With reusePort each worker binds its own socket on the same
 * port and the kernel spreads connections across them; the primary is off the accept path.
 *
 * Draining follows NGINX's graceful shutdown: stop accepting, close idle keep-alive connections,
 * let in-flight requests finish (answering them with Connection: close / HTTP/2 GOAWAY), and
 * cut whatever is left when the timeout expires (worker-shutdown-timeout).
 */
import cluster from 'node:cluster';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Http2Session } from 'node:http2';
import type { AddressInfo, Server, Socket } from 'node:net';
import { Server as TlsServer } from 'node:tls';

export interface ListenOptions {
  readonly port: number;
  readonly host?: string;
  readonly backlog?: number;
}

/**
 * Port 0 cannot be shared through SO_REUSEPORT (each socket would get its own port), so it
 * falls back to cluster's shared handle; so does any platform without SO_REUSEPORT load
 * balancing (Node documents it for Linux 3.9+, and BSDs do not balance).
 */
export function listenShared(server: Server, options: ListenOptions): Promise<AddressInfo> {
  const reusePort = cluster.isWorker && options.port !== 0 && process.platform === 'linux';
  return new Promise((resolve, reject) => {
    const onError = (error: Error): void => reject(error);
    server.once('error', onError);
    server.listen({ port: options.port, host: options.host, backlog: options.backlog, reusePort }, () => {
      server.off('error', onError);
      resolve(server.address() as AddressInfo);
    });
  });
}

type Response = Pick<ServerResponse, 'headersSent' | 'setHeader' | 'once'>;

/**
 * Tracks one server's connections so it can be drained. Works for node:http, node:https,
 * http2 secure servers (with allowHTTP1) and plain net servers (passthrough: connections are
 * only waited for), listening or fed sockets by another server via emit('connection').
 */
export class ServerDrain {
  readonly #server: Server;
  /** TCP connections: what the drain waits for. */
  readonly #connections = new Set<Socket>();
  /** The sockets HTTP/1 requests arrive on (TLSSocket for TLS servers). */
  readonly #appSockets = new Set<Socket>();
  readonly #sessions = new Set<Http2Session>();
  /** HTTP/1 socket -> responses in flight on it. */
  readonly #inflight = new Map<Socket, Set<Response>>();
  #draining = false;

  constructor(server: Server) {
    this.#server = server;
    const tls = server instanceof TlsServer;
    server.on('connection', (socket: Socket) => {
      track(this.#connections, socket);
      if (!tls) track(this.#appSockets, socket);
    });
    if (tls) server.on('secureConnection', (socket: Socket) => track(this.#appSockets, socket));
    server.on('session', (session: Http2Session) => {
      this.#sessions.add(session);
      session.once('close', () => this.#sessions.delete(session));
      if (this.#draining) session.close();
    });
    server.on('request', (req: IncomingMessage, res: ServerResponse) => this.#onRequest(req, res));
  }

  get connections(): number {
    return this.#connections.size;
  }

  /** Stops accepting; resolves when every connection is gone (cut after timeoutMs). */
  async drain(timeoutMs: number): Promise<{ forced: number }> {
    this.#draining = true;
    if (this.#server.listening) this.#server.close();
    // HTTP/2: GOAWAY; streams in flight complete, the client opens no new ones.
    for (const session of this.#sessions) session.close();
    if (this.#server.listenerCount('request') > 0) this.#closeIdleHttp1();
    const deadline = Date.now() + timeoutMs;
    while (this.#connections.size > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, Math.min(50, Math.max(1, deadline - Date.now()))));
    }
    const forced = this.#connections.size;
    for (const socket of this.#connections) socket.destroy();
    return { forced };
  }

  /** NGINX closes keep-alive connections between requests; busy ones get Connection: close. */
  #closeIdleHttp1(): void {
    for (const socket of this.#appSockets) {
      if ((socket as Socket & { alpnProtocol?: string | false }).alpnProtocol === 'h2') continue;
      const responses = this.#inflight.get(socket);
      if (responses === undefined || responses.size === 0) {
        socket.destroy();
        continue;
      }
      for (const res of responses) if (!res.headersSent) res.setHeader('connection', 'close');
    }
  }

  #onRequest(req: IncomingMessage, res: ServerResponse): void {
    if (req.httpVersionMajor >= 2) return;
    const socket = req.socket;
    let responses = this.#inflight.get(socket);
    if (responses === undefined) {
      const created = new Set<Response>();
      responses = created;
      this.#inflight.set(socket, created);
      socket.once('close', () => this.#inflight.delete(socket));
    }
    responses.add(res);
    if (this.#draining && !res.headersSent) res.setHeader('connection', 'close');
    const tracked = responses;
    res.once('close', () => {
      tracked.delete(res);
      // Its headers went out before the drain could mark it: end the keep-alive here.
      if (this.#draining && tracked.size === 0 && !socket.destroyed) socket.end();
    });
  }
}

function track(set: Set<Socket>, socket: Socket): void {
  set.add(socket);
  socket.once('close', () => set.delete(socket));
}
