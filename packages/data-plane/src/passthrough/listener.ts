/**
 * The HTTPS port's connection handler when SSL passthrough is enabled: peek at the ClientHello,
 * splice connections whose SNI names a passthrough host to its backend, and hand every other
 * TLS connection to the in-process tls.Server. ingress-nginx runs a Go TCP proxy in front of
 * NGINX for this; here it is one listener and no extra hop.
 *
 * Use it as `net.createServer({ allowHalfOpen: true, pauseOnConnect: true }, handler)`.
 */
import { closeSync } from 'node:fs';
import { type Server as NetServer, Socket } from 'node:net';
import type { Server as TlsServer } from 'node:tls';
import { DEFAULT_MAX_HANDSHAKE_BYTES } from './client-hello.ts';
import { DeadlineEntry, DeadlineList, waitFor } from './deadlines.ts';
import {
  type PassthroughEvent,
  type PassthroughReason,
  PassthroughReasons,
  peekFailureReason,
  spliceFailureReason,
} from './events.ts';
import type { NativeCounts, NativeListener, NativeRoute, NativeSplicer } from './native.ts';
import {
  DEFAULT_PEEK_MAX_BYTES,
  DEFAULT_PEEK_TIMEOUT_MS,
  HelloReader,
  type PeekOptions,
  type PeekResult,
} from './peek.ts';
import { attachSink, type ClientSink, detachSink } from './sink.ts';
import {
  DEFAULT_CONNECT_TIMEOUT_MS,
  type SpliceHooks,
  type SpliceOptions,
  type SpliceResult,
  type SpliceTarget,
  splice,
} from './splice.ts';

/** RFC 8446 §6: a fatal decode_error alert (level 2, description 50) in a TLS 1.2-framed record. */
const DECODE_ERROR_ALERT = Buffer.from([0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 50]);

export interface SplicedConnection {
  readonly serverName: string | null;
  readonly target: SpliceTarget;
  readonly result: SpliceResult;
}

/** The routing table's passthrough hosts (exact or `*.` keys) and their backends. */
export type PassthroughRoutes = Readonly<Record<string, { readonly address: string; readonly port: number }>>;

export interface PassthroughRouterOptions {
  /** The backend for an SNI (null when the client sent none), or null to terminate TLS here. */
  readonly lookup: (serverName: string | null) => SpliceTarget | null;
  /**
   * The hosts `lookup` answers for, as data, for a port whose accepting moved to C
   * (acceptNatively): C looks them up the way lookupPassthrough does. Read again on
   * refreshRoutes().
   */
  readonly routes?: () => PassthroughRoutes;
  /** Receives every TLS connection not spliced; it need not (and should not) listen itself. */
  readonly tlsServer: TlsServer;
  readonly peek?: PeekOptions;
  readonly splice?: SpliceOptions;
  /**
   * Relays in C when given (native.ts); connections it declines, and every connection when
   * this is null or absent, use the JavaScript relay.
   */
  readonly native?: NativeSplicer | null;
  /** A connection was refused or a splice failed; only that connection was affected. */
  readonly onError?: (event: PassthroughEvent) => void;
  /** A spliced connection closed (cleanly or not): the place for byte and duration metrics. */
  readonly onSpliceClose?: (connection: SplicedConnection) => void;
}

export interface PassthroughRouter {
  /** The net.Server connection handler. */
  (socket: Socket): void;
  /**
   * Shutdown: waits up to timeoutMs for spliced connections (either relay's) to end, then cuts
   * the rest; resolves with how many were cut. nginx's graceful quit waits for stream
   * connections the same way, up to worker_shutdown_timeout.
   */
  drainSplices(timeoutMs: number): Promise<number>;
  /**
   * With a native splicer and `routes`: moves accepting on `server` (listening already, with
   * this router as its 'connection' handler) into C, which splices a whole ClientHello for a
   * passthrough host with an IP backend without any JavaScript; every other connection comes
   * back to the server as a 'connection' with its bytes put back. False when nothing changed.
   */
  acceptNatively(server: NetServer): boolean;
  /** Gives C the current `routes` when they changed (call after each routing-table swap). */
  refreshRoutes(): void;
  /** What C's own connections added since the last call; null when C does not accept. */
  takeCounts(): NativeCounts | null;
}

/**
 * How long C waits for a whole ClientHello before handing a connection to the JavaScript peek,
 * which then applies its own time-out: clients send the hello at once, so only slow or hostile
 * ones (or hellos over C's 16 KiB buffer) get here.
 */
const NATIVE_HANDOFF_MS = 1_000;

export function createPassthroughRouter(options: PassthroughRouterOptions): PassthroughRouter {
  const router: Router = {
    options,
    deadlines: new DeadlineList<PeekingConnection>(
      options.peek?.timeoutMs ?? DEFAULT_PEEK_TIMEOUT_MS,
      (connection) => connection.timedOut(),
    ),
    relayed: new Set<Socket>(),
  };
  const route = (socket: Socket): void => {
    new PeekingConnection(router, socket);
  };
  let native: NativeListener | null = null;
  let pushed: PassthroughRoutes | null = null;
  const refreshRoutes = (): void => {
    const routes = options.routes?.();
    if (native === null || routes === undefined || routes === pushed) return;
    pushed = routes;
    try {
      native.setRoutes(nativeRoutes(routes));
    } catch {
      // C must never route by a table that is gone: with no routes it hands every connection
      // to JavaScript, which reads the current table itself.
      native.setRoutes([]);
    }
  };
  const drainRelayed = async (timeoutMs: number): Promise<number> => {
    await waitFor(() => router.relayed.size === 0, timeoutMs);
    const cut = router.relayed.size;
    for (const socket of router.relayed) socket.destroy();
    return cut;
  };
  return Object.assign(route, {
    acceptNatively: (server: NetServer) => {
      if (!options.native || options.routes === undefined || native !== null) return false;
      native = options.native.listen(server, {
        handoffMs: Math.min(NATIVE_HANDOFF_MS, options.peek?.timeoutMs ?? DEFAULT_PEEK_TIMEOUT_MS),
        connectTimeoutMs: options.splice?.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
        maxHandshakeBytes: options.peek?.maxHandshakeBytes ?? DEFAULT_MAX_HANDSHAKE_BYTES,
        maxPeekBytes: options.peek?.maxBytes ?? DEFAULT_PEEK_MAX_BYTES,
        onHandoff: (fd, bytes) => handedBack(router, server, fd, bytes),
        onFailure: (serverName, target, result) => spliceHooks(router, serverName, target).onClose?.(result),
      });
      refreshRoutes();
      return native !== null;
    },
    refreshRoutes,
    takeCounts: () => native?.takeCounts() ?? null,
    drainSplices: async (timeoutMs: number) => {
      // Synchronously, before anything is awaited: no connection is accepted from here on.
      native?.close();
      const [relayed, nativeCut] = await Promise.all([
        drainRelayed(timeoutMs),
        options.native?.drain(timeoutMs),
      ]);
      return relayed + (nativeCut ?? 0);
    },
  });
}

interface Router {
  readonly options: PassthroughRouterOptions;
  /** One ClientHello time-out list for every connection of this listener. */
  readonly deadlines: DeadlineList<PeekingConnection>;
  /** Client sockets the JavaScript relay is splicing (the native splicer counts its own). */
  readonly relayed: Set<Socket>;
}

/** One connection until its ClientHello decides where it goes. */
class PeekingConnection extends DeadlineEntry implements ClientSink {
  readonly #router: Router;
  readonly #socket: Socket;
  readonly #reader: HelloReader;

  constructor(router: Router, socket: Socket) {
    super();
    this.#router = router;
    this.#socket = socket;
    this.#reader = new HelloReader(router.options.peek);
    if (socket.destroyed || socket.readableEnded) {
      this.#decide(this.#reader.closed());
      return;
    }
    // The sink's listeners stay on the socket through the splice: no gap without an 'error'
    // listener, in which a reset could take the whole process down.
    attachSink(socket, this);
    router.deadlines.add(this);
    socket.resume();
  }

  onData(chunk: Buffer): void {
    const result = this.#reader.push(chunk);
    if (result !== null) this.#decide(result);
  }

  onEnd(): void {
    this.#decide(this.#reader.ended());
  }

  onError(error: Error): void {
    this.#decide(this.#reader.errored(error));
  }

  onClose(): void {
    this.#decide(this.#reader.closed());
  }

  timedOut(): void {
    this.#decide(this.#reader.timedOut());
  }

  #decide(peeked: PeekResult): void {
    this.#router.deadlines.remove(this);
    const socket = this.#socket;
    if (!peeked.ok) {
      detachSink(socket);
      // A connect-then-close with no bytes is a TCP health check or port scan, not an error.
      if (!(peeked.failure.kind === 'closed' && peeked.buffered.length === 0)) {
        this.#report(null, null, peekFailureReason(peeked.failure.kind), peeked.failure.reason);
      }
      refuse(socket, peeked);
      return;
    }
    const { options } = this.#router;
    const { serverName } = peeked.hello;
    let target: SpliceTarget | null;
    try {
      target = options.lookup(serverName);
    } catch (error) {
      detachSink(socket);
      this.#report(serverName, null, PassthroughReasons.LookupFailed, String(error));
      socket.destroy();
      return;
    }
    if (target === null) {
      handOff(socket, peeked.buffered, options.tlsServer);
      return;
    }
    const hooks = spliceHooks(this.#router, serverName, target, socket);
    if (options.native) {
      // The sink's listeners go first: the native splicer destroys this socket object.
      detachSink(socket);
      if (options.native.splice(socket, target, peeked.buffered, hooks, options.splice)) return;
    }
    this.#router.relayed.add(socket);
    splice(socket, target, peeked.buffered, hooks, options.splice);
  }

  #report(
    serverName: string | null,
    target: SpliceTarget | null,
    reason: PassthroughReason,
    message: string,
  ): void {
    this.#router.options.onError?.({ ...peerOf(this.#socket), reason, serverName, target, message });
  }
}

/**
 * Reports a spliced connection's end: metrics, and a failure as an event. `socket` is the
 * client's net.Socket, absent when C accepted the connection (C reads the address on failure).
 */
function spliceHooks(
  router: Router,
  serverName: string | null,
  target: SpliceTarget,
  socket?: Socket,
): SpliceHooks {
  const { options, relayed } = router;
  return {
    onClose: (result) => {
      if (socket !== undefined) relayed.delete(socket);
      if (result.error !== null) {
        options.onError?.({
          // The splicer read the address before closing the socket (a reset client's is lost).
          ...(result.peer ?? (socket === undefined ? UNKNOWN_PEER : peerOf(socket))),
          reason: spliceFailureReason(result.error.reason),
          serverName,
          target,
          message: result.error.message,
        });
      }
      options.onSpliceClose?.({ serverName, target, result });
    },
  };
}

const UNKNOWN_PEER = { remoteAddress: 'unknown', remotePort: null };

function* nativeRoutes(routes: PassthroughRoutes): Iterable<NativeRoute> {
  for (const host in routes) {
    const target = routes[host];
    if (target !== undefined) yield [host, target.address, target.port];
  }
}

/**
 * A connection C accepted and did not splice becomes a net.Socket again, its bytes put back,
 * and goes through the server's 'connection' handlers like any other: the JavaScript peek
 * reports refusals, terminates TLS, or splices after a hello C could not take.
 */
function handedBack(router: Router, server: NetServer, fd: number, bytes: Buffer): void {
  let socket: Socket;
  try {
    // pauseOnCreate (not in the types): nothing is read before the bytes are put back.
    socket = new Socket({ fd, allowHalfOpen: true, readable: true, writable: true, ...PAUSED });
  } catch (error) {
    // Only this connection is lost; its descriptor is closed, not leaked.
    try {
      closeSync(fd);
    } catch {
      // already gone
    }
    router.options.onError?.({
      ...UNKNOWN_PEER,
      reason: PassthroughReasons.ClientError,
      serverName: null,
      target: null,
      message: `accepted connection could not be resumed in JavaScript: ${(error as Error).message}`,
    });
    return;
  }
  if (bytes.length > 0) socket.unshift(bytes);
  server.emit('connection', socket);
}

const PAUSED = { pauseOnCreate: true } as object;

/**
 * Read only for a report: one getpeername() per connection is a measurable share of a splice's
 * cost, and net caches the answer, so a socket asked before it was closed still knows it.
 */
function peerOf(socket: Socket): { remoteAddress: string; remotePort: number | null } {
  return { remoteAddress: socket.remoteAddress ?? 'unknown', remotePort: socket.remotePort ?? null };
}

/**
 * Terminate TLS in-process without another hop: put the peeked bytes back and let tls.Server
 * wrap the socket; TLSSocket feeds a net.Socket's already-buffered data to OpenSSL first. Paused
 * first, or a flowing socket with no 'data' listener would drop the bytes put back.
 */
function handOff(socket: Socket, buffered: Buffer, tlsServer: TlsServer): void {
  detachSink(socket);
  socket.pause();
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
