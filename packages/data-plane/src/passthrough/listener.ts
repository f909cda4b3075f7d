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
import { DeadlineEntry, DeadlineList, waitFor } from './deadlines.ts';
import {
  type PassthroughEvent,
  type PassthroughReason,
  PassthroughReasons,
  peekFailureReason,
  spliceFailureReason,
} from './events.ts';
import type { NativeSplicer } from './native.ts';
import { DEFAULT_PEEK_TIMEOUT_MS, HelloReader, type PeekOptions, type PeekResult } from './peek.ts';
import { attachSink, type ClientSink, detachSink } from './sink.ts';
import {
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

export interface PassthroughRouterOptions {
  /** The backend for an SNI (null when the client sent none), or null to terminate TLS here. */
  readonly lookup: (serverName: string | null) => SpliceTarget | null;
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
}

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
  const drainRelayed = async (timeoutMs: number): Promise<number> => {
    await waitFor(() => router.relayed.size === 0, timeoutMs);
    const cut = router.relayed.size;
    for (const socket of router.relayed) socket.destroy();
    return cut;
  };
  return Object.assign(route, {
    drainSplices: async (timeoutMs: number) => {
      const [relayed, native] = await Promise.all([
        drainRelayed(timeoutMs),
        options.native?.drain(timeoutMs),
      ]);
      return relayed + (native ?? 0);
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
    const chosen = target;
    const { relayed } = this.#router;
    const hooks: SpliceHooks = {
      onClose: (result) => {
        relayed.delete(socket);
        if (result.error !== null) {
          options.onError?.({
            // The splicer read the address before closing the socket (a reset client's is lost).
            ...(result.peer ?? peerOf(socket)),
            reason: spliceFailureReason(result.error.reason),
            serverName,
            target: chosen,
            message: result.error.message,
          });
        }
        options.onSpliceClose?.({ serverName, target: chosen, result });
      },
    };
    if (options.native) {
      // The sink's listeners go first: the native splicer destroys this socket object.
      detachSink(socket);
      if (options.native.splice(socket, chosen, peeked.buffered, hooks, options.splice)) return;
    }
    relayed.add(socket);
    splice(socket, chosen, peeked.buffered, hooks, options.splice);
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
