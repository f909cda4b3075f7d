/**
 * Read a connection's first bytes until the ClientHello parser decides, keeping every byte read
 * so the caller can replay them: either write them to a passthrough backend first, or
 * `socket.unshift(buffered)` and hand the socket to the in-process tls.Server (which drains a
 * net.Socket's readable buffer into its TLS engine before reading from the handle).
 *
 * ingress-nginx's Go proxy does one 4 KiB read and hopes the hello is in it; we reassemble across
 * TCP segments and records instead, bounded by a byte cap and a time-out.
 */
import type { Socket } from 'node:net';
import { type ClientHello, DEFAULT_MAX_HANDSHAKE_BYTES, parseClientHello } from './client-hello.ts';
import { attachSink, detachSink } from './sink.ts';

/** A 16 KiB hello split into 2-byte records is still under this. */
export const DEFAULT_PEEK_MAX_BYTES = 64 * 1024;
/** The hello is a client's first flight, sent right after the TCP handshake completes. */
export const DEFAULT_PEEK_TIMEOUT_MS = 10_000;

export interface PeekOptions {
  /** Raw bytes (record headers included) read before giving up with `too-large`. */
  readonly maxBytes?: number;
  /** Time to wait for a complete ClientHello before giving up with `timeout`. */
  readonly timeoutMs?: number;
  /** Largest ClientHello body accepted; see DEFAULT_MAX_HANDSHAKE_BYTES. */
  readonly maxHandshakeBytes?: number;
}

export type PeekFailureKind = 'not-tls' | 'malformed' | 'too-large' | 'timeout' | 'closed' | 'error';

export interface PeekFailure {
  readonly kind: PeekFailureKind;
  readonly reason: string;
}

export type PeekResult =
  | { readonly ok: true; readonly hello: ClientHello; readonly buffered: Buffer }
  | { readonly ok: false; readonly failure: PeekFailure; readonly buffered: Buffer };

/**
 * The socket-free half of a peek: collects chunks and turns them, or the way the connection
 * ended, into a PeekResult. A hello in one segment (the usual case) is parsed in place, uncopied.
 */
export class HelloReader {
  readonly timeoutMs: number;
  readonly #maxBytes: number;
  readonly #parseOptions: { readonly maxHandshakeBytes: number };
  #chunks: Buffer[] = [];
  #length = 0;
  #needed = 1;

  constructor(options: PeekOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? DEFAULT_PEEK_TIMEOUT_MS;
    this.#maxBytes = options.maxBytes ?? DEFAULT_PEEK_MAX_BYTES;
    this.#parseOptions = { maxHandshakeBytes: options.maxHandshakeBytes ?? DEFAULT_MAX_HANDSHAKE_BYTES };
  }

  /** Adds bytes just read; returns the outcome once there is one, null while more are needed. */
  push(chunk: Buffer): PeekResult | null {
    this.#chunks.push(chunk);
    this.#length += chunk.length;
    // The hint from the last parse lets a client dribbling tiny records cost O(log n) parses.
    if (this.#length >= this.#needed) {
      const result = parseClientHello(this.#buffered(), this.#parseOptions);
      if (result.kind === 'hello') return { ok: true, hello: result, buffered: this.#buffered() };
      if (result.kind !== 'need-more') return this.#fail(result.kind, result.reason);
      this.#needed = result.needed;
    }
    if (this.#length > this.#maxBytes || this.#needed > this.#maxBytes) {
      return this.#fail('too-large', `no complete ClientHello within ${this.#maxBytes} bytes`);
    }
    return null;
  }

  /** The client sent its FIN before a complete ClientHello. */
  ended(): PeekResult {
    return this.#fail('closed', `client closed after ${this.#length} bytes`);
  }

  /** The connection was closed (destroyed) before a complete ClientHello. */
  closed(): PeekResult {
    return this.#fail('closed', `connection closed after ${this.#length} bytes`);
  }

  errored(error: Error): PeekResult {
    return this.#fail('error', error.message);
  }

  timedOut(): PeekResult {
    return this.#fail(
      'timeout',
      `no complete ClientHello after ${this.timeoutMs} ms (${this.#length} bytes)`,
    );
  }

  #fail(kind: PeekFailureKind, reason: string): PeekResult {
    return { ok: false, failure: { kind, reason }, buffered: this.#buffered() };
  }

  #buffered(): Buffer {
    if (this.#chunks.length !== 1) this.#chunks = [Buffer.concat(this.#chunks, this.#length)];
    return this.#chunks[0] as Buffer;
  }
}

/**
 * Resolves once the ClientHello is parsed or the attempt failed; never rejects. The socket is
 * left paused with the peeked bytes consumed from it, and it is never destroyed here: the caller
 * decides how to end a failed connection (e.g. with a TLS alert). The event listeners added here
 * are removed before resolving, except one that ignores 'error' (see sink.ts).
 */
export function peekClientHello(socket: Socket, options: PeekOptions = {}): Promise<PeekResult> {
  const reader = new HelloReader(options);
  if (socket.destroyed || socket.readableEnded) {
    return Promise.resolve(reader.closed());
  }
  return new Promise((resolve) => {
    const finish = (result: PeekResult | null): void => {
      if (result === null) return;
      clearTimeout(timer);
      detachSink(socket);
      // Removing the 'data' listener does not stop a flowing stream; pausing keeps whatever
      // arrives next in the kernel buffer until the caller pipes or hands the socket off.
      socket.pause();
      resolve(result);
    };
    const timer = setTimeout(() => finish(reader.timedOut()), reader.timeoutMs);
    attachSink(socket, {
      onData: (chunk) => finish(reader.push(chunk)),
      onEnd: () => finish(reader.ended()),
      onClose: () => finish(reader.closed()),
      onError: (error) => finish(reader.errored(error)),
    });
    socket.resume();
  });
}
