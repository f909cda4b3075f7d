/**
 * Per-request measurements for the metrics helper, with ingress-nginx's meanings:
 * requestSize ~ $request_length (request line + headers + body), responseSize ~ $bytes_sent
 * (status line + headers + body), requestDuration = $request_time, upstreamDuration =
 * $upstream_response_time. Body bytes are counted where node moves them (push on the request,
 * write/end on the response) so the proxy may stream/pipe freely; header sizes are computed.
 */
import type {
  ForwardHooks,
  HttpRequest,
  HttpResponse,
  RequestMetrics,
  RequestObservation,
  UpstreamAttempt,
} from './types.ts';

export type Labels = Pick<RequestObservation, 'host' | 'path' | 'namespace' | 'ingress' | 'service'>;

export interface Observer {
  labels: Labels;
  readonly hooks: ForwardHooks;
}

const noLabels: Labels = { host: '', path: '', namespace: '', ingress: '', service: '' };

type Write = (chunk: unknown, encoding: unknown, callback: unknown) => boolean;
type End = (chunk: unknown, encoding: unknown, callback: unknown) => unknown;

/** Where a response finds its observer: shared listeners instead of closures per request. */
const observerOf = Symbol('portcullis.observer');
type Observed = HttpResponse & { [observerOf]: RequestObserver };
/** The two methods replaced on the instance, typed loosely (their overloads do not unite). */
type Counted = { write: Write; end: End };

/** Starts measuring; calls metrics.observe() once when the response is finished or aborted. */
export function observe(req: HttpRequest, res: HttpResponse, metrics: RequestMetrics): Observer {
  return new RequestObserver(req, res as Observed, metrics);
}

class RequestObserver implements Observer, ForwardHooks {
  labels: Labels = noLabels;
  readonly hooks: ForwardHooks = this;
  readonly #req: HttpRequest;
  readonly #res: Observed;
  readonly #metrics: RequestMetrics;
  readonly #started = performance.now();
  #upstreamDuration: number | null = null;
  #done = false;
  requestBytes = 0;
  responseBytes = 0;
  readonly write: Write;
  readonly end: End;

  constructor(req: HttpRequest, res: Observed, metrics: RequestMetrics) {
    this.#req = req;
    this.#res = res;
    this.#metrics = metrics;
    if (mayHaveBody(req)) countPushed(req, this);
    const counted = res as unknown as Counted;
    this.write = counted.write;
    this.end = counted.end;
    res[observerOf] = this;
    counted.write = countingWrite;
    counted.end = countingEnd;
    // `on`, not `once`: finish() runs once anyway, and once() allocates a wrapper per listener.
    res.on('finish', onDone);
    res.on('close', onDone);
  }

  /** Retries report one attempt each; like $upstream_response_time they add up. */
  onUpstream(attempt: UpstreamAttempt): void {
    // An attempt without an endpoint (no upstream contacted) leaves the duration null.
    if (attempt.endpoint === null) return;
    this.#upstreamDuration = (this.#upstreamDuration ?? 0) + attempt.upstreamDurationMs / 1000;
  }

  finish(): void {
    if (this.#done) return;
    this.#done = true;
    const req = this.#req;
    const res = this.#res;
    this.#metrics.observe({
      method: req.method ?? '',
      status: res.statusCode,
      ...this.labels,
      requestSize: requestHeadBytes(req) + this.requestBytes,
      responseSize: (res.headersSent ? responseHeadBytes(res) : 0) + this.responseBytes,
      requestDuration: (performance.now() - this.#started) / 1000,
      upstreamDuration: this.#upstreamDuration,
    });
  }
}

function onDone(this: Observed): void {
  this[observerOf].finish();
}

// Fixed parameters instead of rest/spread: no arguments array per call. Both node:http and
// the http2 compat layer treat a missing argument and undefined alike.
function countingWrite(this: Observed, chunk: unknown, encoding: unknown, callback: unknown): boolean {
  const observer = this[observerOf];
  observer.responseBytes += byteLength(chunk);
  return observer.write.call(this, chunk, encoding, callback);
}

function countingEnd(this: Observed, chunk: unknown, encoding: unknown, callback: unknown): unknown {
  const observer = this[observerOf];
  if (typeof chunk !== 'function') observer.responseBytes += byteLength(chunk);
  return observer.end.call(this, chunk, encoding, callback);
}

/** Node's HTTP/1 parser and the HTTP/2 compat layer both hand body chunks to req.push(). */
function countPushed(req: HttpRequest, observer: RequestObserver): void {
  const push = req.push;
  req.push = function (this: HttpRequest, chunk: unknown, encoding?: BufferEncoding) {
    if (chunk !== null && chunk !== undefined) observer.requestBytes += byteLength(chunk);
    return push.call(this, chunk, encoding);
  };
}

/** RFC 9112 §6.3 (HTTP/1) / no END_STREAM on the HEADERS frame (HTTP/2, RFC 9113 §8.1). */
function mayHaveBody(req: HttpRequest): boolean {
  if (req.httpVersionMajor >= 2) {
    return (req as { stream?: { endAfterHeaders?: boolean } }).stream?.endAfterHeaders !== true;
  }
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
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
  // node:http keeps the head it wrote (status line, every field including Date and Connection,
  // final CRLF): its length is exactly what nginx's $bytes_sent counts for the head.
  const written = (res as { _header?: unknown })._header;
  if (typeof written === 'string') return written.length;
  // HTTP/2 has no reason phrase, and reading it there emits a process warning.
  let bytes = 17 + ('stream' in res ? 0 : res.statusMessage.length);
  // The HTTP/2 stream keeps the fields it sent (no copy, unlike the compat getHeaders()).
  const sent = 'stream' in res ? res.stream.sentHeaders : undefined;
  const headers: Record<string, unknown> = sent ?? res.getHeaders();
  for (const name in headers) {
    if (name.charCodeAt(0) === 58 /* ':' */) continue;
    const value = headers[name];
    if (Array.isArray(value)) {
      for (const v of value) bytes += name.length + String(v).length + 4;
    } else {
      bytes += name.length + String(value).length + 4;
    }
  }
  return bytes + 2;
}
