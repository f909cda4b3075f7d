/**
 * The byte-moving half of a splice: client <-> backend with backpressure, in the shape of nginx's
 * stream proxy (one fixed buffer per direction, read, write, repeat).
 *
 * - Backend -> client: the backend socket reads straight into one reused buffer (net's `onread`
 *   option) instead of a fresh 64 KiB allocation per read. Each read is written to the client at
 *   once; if the kernel cannot take it all, reading stops until that write is done, so no read
 *   can land in the buffer while a write still points into it.
 * - Client -> backend: the client's 'data' chunks (sink.ts) are written on; a full backend pauses
 *   the client until 'drain'.
 * - The first FIN from either side ends the splice (closeBoth()).
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

  /**
   * The first FIN from either side ends the splice, as in ingress-nginx's Go proxy and nginx's
   * stream module (proxy_half_close off): bytes already read are still delivered, then both
   * sockets close. A socket with nothing queued is closed at once: close() puts the same FIN on
   * the wire after the kernel's send queue, without a shutdown() call and an epoll round first.
   */
  closeBoth(): void {
    this.#close(this.client, CLIENT);
    this.#close(this.upstream, UPSTREAM);
  }

  clientDone(): boolean {
    return (this.#closedClean & CLIENT) !== 0 || cleanlyDone(this.client);
  }

  upstreamDone(): boolean {
    return (this.#closedClean & UPSTREAM) !== 0 || cleanlyDone(this.upstream);
  }

  #close(socket: Socket, side: number): void {
    if (socket.destroyed || (this.#closedClean & side) !== 0) return;
    this.#closedClean |= side;
    if (socket.writableLength === 0 && !socket.connecting) {
      socket.destroy();
      return;
    }
    // Still flushing: stop reading, finish writing, then close.
    socket.pause();
    socket.end();
    socket.once('finish', destroyAfterFlush);
  }
}

function destroyAfterFlush(this: Socket): void {
  this.destroy();
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
  relayOf(this).closeBoth();
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
