/**
 * One proxied request: pick an endpoint, dispatch through its keep-alive pool, stream the body
 * both ways with backpressure, map failures to 502/503/504. The Exchange object is the handler
 * of both upstream clients (h1/ for HTTP and HTTPS, undici's DispatchHandler for gRPC), so a
 * request costs one allocation plus the client's own.
 */
import { PassThrough } from 'node:stream';
import type { Dispatcher } from 'undici';
import type { RoundRobin } from './balancer.ts';
import type { ProxyContext } from './context.ts';
import type { EndpointSpec } from './endpoint.ts';
import { classifyError, ProxyError, type UpstreamErrorCode } from './errors.ts';
import { Http1Pool } from './h1/pool.ts';
import type { Http1Handler, UpstreamController } from './h1/types.ts';
import {
  clientResponseFields,
  clientResponseHeaders,
  clientTrailers,
  type RequestHeaders,
  upstreamRequestHeaders,
} from './headers.ts';
import { report, sendError } from './reply.ts';
import {
  type ForwardHooks,
  type ForwardTarget,
  type ProxyRequest,
  type ProxyResponse,
  sink,
} from './types.ts';

type Controller = Dispatcher.DispatchController | UpstreamController;
type Http2Stream = { readonly endAfterHeaders?: boolean };

/** Only a chunked HTTP/1.1 body can end in trailer fields (RFC 9112 section 7.1.2). */
function isChunked(fields: readonly string[]): boolean {
  for (let i = 0; i < fields.length; i += 2) if (fields[i] === 'transfer-encoding') return true;
  return false;
}

/** Whether the client sends a body (RFC 9112 section 6.3; HTTP/2: no END_STREAM on HEADERS). */
function hasBody(req: ProxyRequest): boolean {
  if (req.httpVersionMajor >= 2) {
    const stream = (req as { stream?: Http2Stream }).stream;
    return stream?.endAfterHeaders !== true && req.headers['content-length'] !== '0';
  }
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

export function forwardRequest(
  ctx: ProxyContext,
  req: ProxyRequest,
  res: ProxyResponse,
  target: ForwardTarget,
  headers: RequestHeaders,
  hooks: ForwardHooks | undefined,
): void {
  const balancer = ctx.balancer(target.backend, target.upstream);
  if (balancer.endpoints.length === 0) {
    report(hooks, { endpoint: null, status: 503, upstreamDurationMs: 0, error: 'NoEndpoints' });
    sendError(req, res, 503);
    return;
  }
  new Exchange(ctx, req, res, balancer, headers, hooks).start();
}

class Exchange implements Dispatcher.DispatchHandler, Http1Handler {
  readonly #ctx: ProxyContext;
  readonly #req: ProxyRequest;
  readonly #res: ProxyResponse;
  readonly #balancer: RoundRobin;
  readonly #headers: RequestHeaders;
  readonly #hooks: ForwardHooks | undefined;
  readonly #body: PassThrough | null;
  /** The headers as undici takes them (HTTP/2 pools only), made on first use. */
  #undiciHeaders: RequestHeaders | null = null;
  #controller: Controller | null = null;
  #endpoint: EndpointSpec | null = null;
  #tried: Set<string> | null = null;
  #startedAt = 0;
  #status = 0;
  #responded = false;
  #done = false;
  #clientGone = false;
  #sendTimer: NodeJS.Timeout | null = null;

  constructor(
    ctx: ProxyContext,
    req: ProxyRequest,
    res: ProxyResponse,
    balancer: RoundRobin,
    headers: RequestHeaders,
    hooks: ForwardHooks | undefined,
  ) {
    this.#ctx = ctx;
    this.#req = req;
    this.#res = res;
    this.#balancer = balancer;
    this.#headers = headers;
    this.#hooks = hooks;
    // A PassThrough stands between req and undici: undici destroys a failed request's body, and
    // destroying an IncomingMessage would destroy the client socket before the 502 is written.
    this.#body = hasBody(req) ? new PassThrough() : null;
  }

  start(): void {
    // `on`, not `once` (no wrapper per request): #onClientClose ignores a close after the end.
    this.#res.on('close', this.#onClientClose);
    // A reset mid-upload surfaces as an error on req; without a listener it would crash the process.
    // node:http's IncomingMessage emits that error only to listeners, so a bodyless HTTP/1 request
    // (the common GET) needs none: res 'close' already reports the client leaving.
    if (this.#body !== null || this.#req.httpVersionMajor !== 1) this.#req.on('error', this.#onClientClose);
    if (this.#body !== null) (this.#req as NodeJS.ReadableStream).pipe(this.#body);
    this.#attempt();
  }

  #attempt(): void {
    const endpoint = this.#balancer.pick(this.#tried);
    if (endpoint === null) return; // unreachable: the first attempt always finds one
    this.#endpoint = endpoint;
    this.#startedAt = performance.now();
    this.#controller = null;
    const { dispatcher, transient } = this.#ctx.dispatcher(endpoint);
    try {
      if (dispatcher instanceof Http1Pool) {
        const path = this.#req.url ?? '/';
        const method = this.#req.method ?? 'GET';
        dispatcher.request(
          { method, path, headers: this.#headers, host: this.#host(), body: this.#body },
          this,
        );
      } else {
        this.#dispatchUndici(dispatcher, endpoint);
      }
    } catch (error) {
      this.onResponseError(null, error as Error);
    }
    if (transient) void dispatcher.close().catch(() => {});
  }

  #dispatchUndici(dispatcher: Dispatcher, endpoint: EndpointSpec): void {
    if (this.#undiciHeaders === null) {
      const grpc = endpoint.wire === 'h2' || endpoint.wire === 'h2c';
      this.#undiciHeaders = upstreamRequestHeaders(this.#headers, this.#host(), grpc);
    }
    const request: Dispatcher.DispatchOptions & { servername?: string } = {
      path: this.#req.url ?? '/',
      method: this.#req.method ?? 'GET',
      headers: this.#undiciHeaders,
      body: this.#body,
      headersTimeout: endpoint.timeouts.readTimeoutMs,
      bodyTimeout: endpoint.timeouts.readTimeoutMs,
      // Retrying is ours (proxy-next-upstream), and a streamed body cannot be replayed.
      idempotent: false,
    };
    // Constant per endpoint so undici never reconnects because the Host changed (pools.ts).
    if (endpoint.tls !== null) request.servername = endpoint.label;
    dispatcher.dispatch(request, this);
  }

  /** An HTTP/2 request's :authority, sent as Host when the computed headers carry none. */
  #host(): string | undefined {
    const authority = this.#req.headers[':authority'];
    return typeof authority === 'string' ? authority : undefined;
  }

  onRequestStart(controller: Controller): void {
    this.#controller = controller;
    if (this.#clientGone) {
      controller.abort(new ProxyError('ClientAborted', 'client closed the connection'));
      return;
    }
    if (this.#body !== null) this.#armSendTimer();
  }

  onBodySent(): void {
    this.#sendTimer?.refresh();
  }

  onRequestSent(): void {
    this.#clearSendTimer();
  }

  onResponseStart(
    controller: Controller,
    statusCode: number,
    headers: Record<string, string | string[] | undefined>,
  ): void {
    // 100 Continue was already answered by node's server; 103 Early Hints are dropped.
    if (this.#done || statusCode < 200) return;
    // undici carries the gRPC (HTTP/2) upstreams, whose answers end in trailers.
    this.#respond(controller, statusCode, clientResponseHeaders(headers), true);
  }

  onResponseHead(controller: UpstreamController, statusCode: number, fields: string[]): void {
    if (this.#done) return;
    this.#respond(controller, statusCode, clientResponseFields(fields), isChunked(fields));
  }

  #respond(controller: Controller, statusCode: number, fields: string[], trailers: boolean): void {
    // A response can arrive before the upload ends (early 413, bidi gRPC): stop the send watch.
    this.#clearSendTimer();
    // The direct HTTP/2 response (http/h2-stream.ts) holds its stream open for trailers only
    // when asked to; the compat and HTTP/1 responses do not have the flag.
    const direct = this.#res as { expectTrailers?: boolean };
    if (direct.expectTrailers !== undefined) direct.expectTrailers = trailers;
    try {
      // One writeHead with a flat list: node's fast path, no header object built per response.
      sink(this.#res).writeHead(statusCode, fields);
    } catch (error) {
      controller.abort(new ProxyError('BadResponse', `unusable upstream response head: ${String(error)}`));
      return;
    }
    this.#status = statusCode;
    this.#responded = true;
  }

  onResponseData(controller: Controller, chunk: Buffer): void {
    if (this.#done) return;
    // Backpressure: stop reading the upstream while the client's buffer is full.
    if (!sink(this.#res).write(chunk)) {
      controller.pause();
      this.#res.once('drain', this.#resume);
    }
  }

  onResponseEnd(
    _controller: Controller,
    trailers: Record<string, string | string[] | undefined> | string[] | null,
    last: Buffer | null = null,
  ): void {
    if (this.#done) return;
    this.#done = true;
    this.#controller = null;
    // The upstream answered before the upload ended: discard the rest, as sendError does.
    if (this.#body !== null && !this.#req.complete) {
      (this.#req as NodeJS.ReadableStream).unpipe(this.#body);
      this.#req.resume();
    }
    const out = sink(this.#res);
    const fields = clientTrailers(trailers);
    if (fields !== null) {
      if (last !== null) out.write(last);
      try {
        out.addTrailers(fields);
      } catch {
        // An invalid trailer is dropped; the body is already complete.
      }
      out.end();
    } else if (last !== null) {
      out.end(last);
    } else {
      out.end();
    }
    this.#report(this.#status);
  }

  onResponseError(_controller: Controller | null, error: Error): void {
    if (this.#done) return;
    this.#clearSendTimer();
    if (this.#clientGone) {
      this.#finish(499, 'ClientAborted');
      return;
    }
    const failure = classifyError(error);
    const endpoint = this.#endpoint;
    if (failure.connectPhase && endpoint !== null) {
      this.#ctx.cooldowns.mark(endpoint.key, this.#ctx.options.failCooldownMs);
      if (this.#retry(endpoint, failure.status, failure.code)) return;
    }
    this.#finish(failure.status, failure.code);
    sendError(this.#req, this.#res, failure.status);
  }

  /** proxy-next-upstream "error timeout": another endpoint, if the request can be replayed. */
  #retry(failed: EndpointSpec, status: number, code: UpstreamErrorCode): boolean {
    if (this.#responded || this.#body !== null) return false;
    this.#tried ??= new Set();
    this.#tried.add(failed.key);
    const tries = this.#tried.size;
    if (tries >= this.#ctx.options.nextUpstreamTries || tries >= this.#balancer.endpoints.length)
      return false;
    this.#report(status, code);
    this.#attempt();
    return true;
  }

  #finish(status: number, code: UpstreamErrorCode): void {
    this.#done = true;
    this.#controller = null;
    this.#report(status, code);
  }

  #report(status: number, error?: UpstreamErrorCode): void {
    const endpoint = this.#endpoint?.label ?? null;
    const upstreamDurationMs = performance.now() - this.#startedAt;
    report(
      this.#hooks,
      error === undefined
        ? { endpoint, status, upstreamDurationMs }
        : { endpoint, status, upstreamDurationMs, error },
    );
  }

  #armSendTimer(): void {
    const timeout = this.#endpoint?.timeouts.sendTimeoutMs ?? this.#ctx.options.sendTimeoutMs;
    this.#sendTimer = setTimeout(() => {
      this.#sendTimer = null;
      this.#controller?.abort(new ProxyError('SendTimeout', `request body stalled for ${timeout}ms`));
    }, timeout);
    this.#sendTimer.unref();
  }

  #clearSendTimer(): void {
    if (this.#sendTimer === null) return;
    clearTimeout(this.#sendTimer);
    this.#sendTimer = null;
  }

  readonly #resume = (): void => {
    this.#controller?.resume();
  };

  /** The client went away before the response ended: abort the upstream request too. */
  readonly #onClientClose = (): void => {
    if (this.#done) return;
    this.#clientGone = true;
    this.#body?.destroy();
    this.#controller?.abort(new ProxyError('ClientAborted', 'client closed the connection'));
  };
}
