/**
 * The request body on its way upstream: streamed as it arrives with backpressure (the client is
 * paused while the upstream socket is full), framed chunked when the client sent no length
 * (RFC 9112 section 7.1), as-is under the client's Content-Length otherwise.
 */
import type { Socket } from 'node:net';

export interface UploadEvents {
  /** False once the request no longer owns the connection (aborted, answered early). */
  live(): boolean;
  /** A chunk went out (proxy-send-timeout and proxy-read-timeout restart). */
  sent(): void;
  /** The whole body went out. */
  done(): void;
}

export function upload(
  socket: Socket,
  body: NodeJS.ReadableStream,
  chunked: boolean,
  events: UploadEvents,
): void {
  const resume = (): void => void body.resume();
  const onData = (chunk: Buffer): void => {
    if (!events.live()) return;
    // One write per chunk: size line, data and CRLF leave together.
    socket.cork();
    if (chunked) socket.write(`${chunk.length.toString(16)}\r\n`, 'latin1');
    let ok = socket.write(chunk);
    if (chunked) ok = socket.write('\r\n', 'latin1') && ok;
    socket.uncork();
    events.sent();
    if (!ok) {
      body.pause();
      socket.once('drain', resume);
    }
  };
  const onEnd = (): void => {
    body.off('data', onData);
    if (!events.live()) return;
    if (chunked) socket.write('0\r\n\r\n', 'latin1');
    events.done();
  };
  body.on('data', onData);
  body.once('end', onEnd);
}
