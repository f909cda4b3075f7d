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
 * Resolves once the ClientHello is parsed or the attempt failed; never rejects. The socket is
 * left paused with the peeked bytes consumed from it, and it is never destroyed here: the caller
 * decides how to end a failed connection (e.g. with a TLS alert). Listeners added here are
 * removed before resolving, so attach your own 'error' listener first if there is any gap.
 */
export function peekClientHello(socket: Socket, options: PeekOptions = {}): Promise<PeekResult> {
  const maxBytes = options.maxBytes ?? DEFAULT_PEEK_MAX_BYTES;
  const timeoutMs = options.timeoutMs ?? DEFAULT_PEEK_TIMEOUT_MS;
  const parseOptions = { maxHandshakeBytes: options.maxHandshakeBytes ?? DEFAULT_MAX_HANDSHAKE_BYTES };
  return new Promise((resolve) => {
    let chunks: Buffer[] = [];
    let length = 0;
    let needed = 1;
    const buffered = (): Buffer => {
      if (chunks.length !== 1) chunks = [Buffer.concat(chunks, length)];
      return chunks[0] as Buffer;
    };
    const fail = (kind: PeekFailureKind, reason: string): void =>
      finish({ ok: false, failure: { kind, reason }, buffered: buffered() });

    const onData = (chunk: Buffer): void => {
      chunks.push(chunk);
      length += chunk.length;
      // The hint from the last parse lets a client dribbling tiny records cost O(log n) parses.
      if (length >= needed) {
        const result = parseClientHello(buffered(), parseOptions);
        if (result.kind === 'hello') {
          finish({ ok: true, hello: result, buffered: buffered() });
          return;
        }
        if (result.kind !== 'need-more') {
          fail(result.kind, result.reason);
          return;
        }
        needed = result.needed;
      }
      if (length > maxBytes || needed > maxBytes) {
        fail('too-large', `no complete ClientHello within ${maxBytes} bytes`);
      }
    };
    const onEnd = (): void => fail('closed', `client closed after ${length} bytes`);
    const onClose = (): void => fail('closed', `connection closed after ${length} bytes`);
    const onError = (error: Error): void => fail('error', error.message);
    const timer = setTimeout(
      () => fail('timeout', `no complete ClientHello after ${timeoutMs} ms (${length} bytes)`),
      timeoutMs,
    );

    function finish(result: PeekResult): void {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('close', onClose);
      socket.off('error', onError);
      // Removing the 'data' listener does not stop a flowing stream; pausing keeps whatever
      // arrives next in the kernel buffer until the caller pipes or hands the socket off.
      socket.pause();
      resolve(result);
    }

    if (socket.destroyed || socket.readableEnded) return fail('closed', 'connection already closed');
    socket.on('data', onData);
    socket.on('end', onEnd);
    socket.on('close', onClose);
    socket.on('error', onError);
    socket.resume();
  });
}
