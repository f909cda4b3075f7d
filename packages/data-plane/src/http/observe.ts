/**
 * Per-request measurements for the metrics helper, with ingress-nginx's meanings:
 * requestSize ~ $request_length (request line + headers + body), responseSize ~ $bytes_sent
 * (status line + headers + body), requestDuration = $request_time, upstreamDuration =
 * $upstream_response_time. Body bytes are counted where node moves them (push on the request,
 * write/end on the response) so the proxy may stream/pipe freely; header sizes are computed.
 */
import type { ForwardHooks, HttpRequest, HttpResponse, RequestMetrics, RequestObservation } from './types.ts';

export type Labels = Pick<RequestObservation, 'host' | 'path' | 'namespace' | 'ingress' | 'service'>;

export interface Observer {
  labels: Labels;
  readonly hooks: ForwardHooks;
}

const noLabels: Labels = { host: '', path: '', namespace: '', ingress: '', service: '' };

/** Starts measuring; calls metrics.observe() once when the response is finished or aborted. */
export function observe(req: HttpRequest, res: HttpResponse, metrics: RequestMetrics): Observer {
  const started = performance.now();
  let upstreamDuration: number | null = null;
  const requestBody = countPushed(req);
  const responseBody = countWritten(res);
  const observer: Observer = {
    labels: noLabels,
    hooks: {
      // Retries report one attempt each; like $upstream_response_time they add up. An attempt
      // without an endpoint (no upstream contacted) leaves the duration null.
      onUpstream: (attempt) => {
        if (attempt.endpoint === null) return;
        upstreamDuration = (upstreamDuration ?? 0) + attempt.upstreamDurationMs / 1000;
      },
    },
  };
  let done = false;
  const finish = () => {
    if (done) return;
    done = true;
    metrics.observe({
      method: req.method ?? '',
      status: res.statusCode,
      ...observer.labels,
      requestSize: requestHeadBytes(req) + requestBody(),
      responseSize: (res.headersSent ? responseHeadBytes(res) : 0) + responseBody(),
      requestDuration: (performance.now() - started) / 1000,
      upstreamDuration,
    });
  };
  // `on`, not `once`: finish() runs once anyway, and once() allocates a wrapper per listener.
  res.on('finish', finish);
  res.on('close', finish);
  return observer;
}

/** Node's HTTP/1 parser and the HTTP/2 compat layer both hand body chunks to req.push(). */
function countPushed(req: HttpRequest): () => number {
  // A request without a body only ever pushes the end (null): nothing to count, nothing to wrap.
  if (!mayHaveBody(req)) return noBytes;
  let bytes = 0;
  const push = req.push;
  req.push = function (this: HttpRequest, chunk: unknown, encoding?: BufferEncoding) {
    if (chunk !== null && chunk !== undefined) bytes += byteLength(chunk);
    return push.call(this, chunk, encoding);
  };
  return () => bytes;
}

const noBytes = (): number => 0;

/** RFC 9112 §6.3 (HTTP/1) / no END_STREAM on the HEADERS frame (HTTP/2, RFC 9113 §8.1). */
function mayHaveBody(req: HttpRequest): boolean {
  if (req.httpVersionMajor >= 2) {
    return (req as { stream?: { endAfterHeaders?: boolean } }).stream?.endAfterHeaders !== true;
  }
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

type Write = (chunk: unknown, encoding: unknown, callback: unknown) => boolean;
type End = (chunk: unknown, encoding: unknown, callback: unknown) => unknown;

function countWritten(res: HttpResponse): () => number {
  let bytes = 0;
  const target = res as unknown as { write: Write; end: End };
  const { write, end } = target;
  // Fixed parameters instead of rest/spread: no arguments array per call. Both node:http and
  // the http2 compat layer treat a missing argument and undefined alike.
  target.write = function (this: unknown, chunk, encoding, callback) {
    bytes += byteLength(chunk);
    return write.call(this, chunk, encoding, callback);
  };
  target.end = function (this: unknown, chunk, encoding, callback) {
    if (typeof chunk !== 'function') bytes += byteLength(chunk);
    return end.call(this, chunk, encoding, callback);
  };
  return () => bytes;
}

function byteLength(chunk: unknown): number {
  if (typeof chunk === 'string') return Buffer.byteLength(chunk);
  if (chunk instanceof Uint8Array) return chunk.byteLength;
  return 0;
}

function requestHeadBytes(req: HttpRequest): number {
  // "METHOD SP target SP HTTP/x.y CRLF", then "name: value CRLF" per field, then CRLF.
  let bytes = (req.method?.length ?? 0) + (req.url?.length ?? 0) + 13;
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) bytes += (raw[i]?.length ?? 0) + (raw[i + 1]?.length ?? 0) + 4;
  return bytes + 2;
}

function responseHeadBytes(res: HttpResponse): number {
  // HTTP/2 has no reason phrase, and reading it there emits a process warning.
  let bytes = 17 + ('stream' in res ? 0 : res.statusMessage.length);
  // for-in over getHeaders()'s fresh null-prototype copy: no entry or wrapper arrays per response.
  const headers = res.getHeaders();
  for (const name in headers) {
    const value = headers[name];
    if (Array.isArray(value)) {
      for (const v of value) bytes += name.length + String(v).length + 4;
    } else {
      bytes += name.length + String(value).length + 4;
    }
  }
  return bytes + 2;
}
