/**
 * The byte-moving half of a splice: client <-> backend with backpressure and half-close, in the
 * shape of nginx's stream proxy (one fixed buffer per direction, read, write, repeat).
 *
 * - Backend -> client: the backend socket reads straight into one reused buffer (net's `onread`
 *   option) instead of a fresh 64 KiB allocation per read. Each read is written to the client at
 *   once; if the kernel cannot take it all, reading stops until that write is done, so no read
 *   can land in the buffer while a write still points into it.
 * - Client -> backend: the client's 'data' chunks (sink.ts) are written on; a full backend pauses
 *   the client until 'drain'.
 * - Half-close: a FIN from one side becomes end() on the other. When that other side has already
 *   sent its own FIN and nothing is queued, close() is what end() would lead to anyway, and puts
 *   the same FIN on the wire without a separate shutdown() call.
 * Listeners are shared functions that find their relay through a symbol on the socket.
 */
import { Socket } from 'node:net';

/** nginx's proxy_buffer_size default; larger than any TLS record (RFC 8446 §5.2). */
const READ_BUFFER_BYTES = 16 * 1024;
/** Idle buffers kept for reuse; more than this are left to the garbage collector. */
const MAX_POOLED_BUFFERS = 64;

const pool: Buffer[] = [];

/** The splice's side of the backend socket's lifecycle. */
export interface RelayOwner {
  upstreamConnected(): void;
  upstreamError(error: Error): void;
  upstreamClosed(): void;
}

const kRelay = Symbol('passthrough.relay');
type RelaySocket = Socket & { [kRelay]?: UpstreamRelay };

export class UpstreamRelay {
  readonly owner: RelayOwner;
  readonly client: Socket;
  /** Not yet connected: the owner calls connect() on it. */
  readonly upstream: Socket;
  readonly #buffer: Buffer;
  #drainWatched = false;
  /** A write from the buffer is still in progress, so reading is stopped. */
  #writing = false;
  /** Sides we closed ourselves after both FINs (see the file comment), which counts as clean. */
  #closedClean = 0;

  constructor(owner: RelayOwner, client: Socket) {
    this.owner = owner;
    this.client = client;
    this.#buffer = pool.pop() ?? Buffer.allocUnsafeSlow(READ_BUFFER_BYTES);
    // Nagle off as a constructor option: net applies it to the handle as it connects.
    const upstream = new Socket({
      allowHalfOpen: true,
      noDelay: true,
      onread: { buffer: this.#buffer, callback: onUpstreamRead },
    });
    this.upstream = upstream;
    (client as RelaySocket)[kRelay] = this;
    (upstream as RelaySocket)[kRelay] = this;
    upstream.on('connect', onUpstreamConnect);
    upstream.on('end', onUpstreamEnd);
    upstream.on('error', onUpstreamError);
    upstream.on('close', onUpstreamClose);
  }

  /** Only once both sockets are closed: nothing reads into or writes from the buffer then. */
  release(): void {
    if (pool.length < MAX_POOLED_BUFFERS) pool.push(this.#buffer);
  }

  toUpstream(chunk: Buffer): void {
    const upstream = this.upstream;
    if (upstream.write(chunk)) return;
    this.client.pause();
    if (this.#drainWatched) return;
    this.#drainWatched = true;
    upstream.on('drain', onUpstreamDrain);
  }

  /**
   * Backend bytes just read into the buffer. Returning false stops reading until the write is
   * done: 'drain' would not do, it only follows a write that reached the high-water mark.
   */
  fromUpstream(length: number): boolean {
    const client = this.client;
    if (client.destroyed) return false;
    client.write(this.#buffer.subarray(0, length), this.#written);
    if (client.writableLength === 0) return true;
    this.#writing = true;
    return false;
  }

  /** Write callback: called for every write, acted on only when reading waits for it. */
  readonly #written = (): void => {
    if (!this.#writing) return;
    this.#writing = false;
    if (!this.upstream.destroyed) this.upstream.resume();
  };

  endUpstream(): void {
    this.#finishWriting(this.upstream, UPSTREAM);
  }

  endClient(): void {
    this.#finishWriting(this.client, CLIENT);
  }

  clientDone(): boolean {
    return (this.#closedClean & CLIENT) !== 0 || cleanlyDone(this.client);
  }

  upstreamDone(): boolean {
    return (this.#closedClean & UPSTREAM) !== 0 || cleanlyDone(this.upstream);
  }

  #finishWriting(socket: Socket, side: number): void {
    if (socket.readableEnded && socket.writableLength === 0) {
      this.#closedClean |= side;
      socket.destroy();
    } else {
      socket.end();
    }
  }
}

const CLIENT = 1;
const UPSTREAM = 2;

function cleanlyDone(socket: Socket): boolean {
  return socket.readableEnded && socket.writableFinished;
}

function relayOf(socket: RelaySocket): UpstreamRelay {
  return socket[kRelay] as UpstreamRelay;
}

function onUpstreamRead(this: RelaySocket, length: number): boolean {
  return relayOf(this).fromUpstream(length);
}

function onUpstreamConnect(this: RelaySocket): void {
  relayOf(this).owner.upstreamConnected();
}

function onUpstreamEnd(this: RelaySocket): void {
  relayOf(this).endClient();
}

function onUpstreamError(this: RelaySocket, error: Error): void {
  relayOf(this).owner.upstreamError(error);
}

function onUpstreamClose(this: RelaySocket): void {
  relayOf(this).owner.upstreamClosed();
}

function onUpstreamDrain(this: RelaySocket): void {
  relayOf(this).client.resume();
}
