/** Error answers written by the proxy itself, for node:http and http2 compat responses alike. */
import type { Duplex } from 'node:stream';
import { errorBody } from './errors.ts';
import {
  type ForwardHooks,
  type ProxyRequest,
  type ProxyResponse,
  sink,
  type UpstreamAttempt,
} from './types.ts';

/**
 * A small plain-text page. When the request body was not read to the end, HTTP/1.1 asks for the
 * connection to be closed (like nginx's lingering close) instead of reading an unbounded body.
 */
export function sendError(req: ProxyRequest, res: ProxyResponse, status: number): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (res.writableEnded || res.destroyed) return;
  const body = errorBody(status);
  for (const name of res.getHeaderNames()) res.removeHeader(name);
  const headers: Record<string, string | number> = {
    'content-type': 'text/plain; charset=utf-8',
    'content-length': Buffer.byteLength(body),
  };
  if (!req.complete && req.httpVersionMajor === 1) headers.connection = 'close';
  const out = sink(res);
  out.writeHead(status, headers);
  if (req.method === 'HEAD') out.end();
  else out.end(body);
  // Discard what is left of the request body so the stream can finish.
  if (!req.complete) req.resume();
}

/** The same page as raw HTTP/1.1 on an upgrade socket (no ServerResponse exists there). */
export function writeRawError(socket: Duplex, status: number): void {
  if (socket.destroyed) return;
  const body = errorBody(status);
  socket.end(
    `HTTP/1.1 ${body.trim()}\r\ncontent-type: text/plain; charset=utf-8\r\n` +
      `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
}

export function report(hooks: ForwardHooks | undefined, attempt: UpstreamAttempt): void {
  if (hooks?.onUpstream === undefined) return;
  try {
    hooks.onUpstream(attempt);
  } catch {
    // A metrics/log hook must never take a request (or the process) down.
  }
}
