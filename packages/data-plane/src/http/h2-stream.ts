/**
 * HTTP/2 requests without node's compat layer. Http2ServerRequest/Response wrap every stream in
 * two more stream objects and always send trailers from a setImmediate (an extra frame per
 * response); here a request is a thin view of the ServerHttp2Stream and a response answers
 * with one respond() and one end(). Only what the request pipeline uses (handler, decide,
 * observe, hsts, sendReply, the proxy) is provided; CONNECT and Expect keep node's compat path.
 */
import { EventEmitter } from 'node:events';
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import type { ServerHttp2Stream } from 'node:http2';
import type { Socket } from 'node:net';
import { lowerCaseName } from './field-name.ts';
import type { HttpRequest, HttpResponse } from './types.ts';

type Value = string | number | string[];

const responseOf = Symbol('portcullis.h2Response');
type Linked = ServerHttp2Stream & { [responseOf]: StreamResponse | null };

/** The request: its stream, its headers (pseudo-headers included, as compat keeps them). */
export class StreamRequest {
  readonly stream: ServerHttp2Stream;
  readonly headers: IncomingHttpHeaders;
  readonly rawHeaders: string[];
  readonly httpVersionMajor = 2;
  readonly httpVersionMinor = 0;
  readonly httpVersion = '2.0';

  constructor(stream: ServerHttp2Stream, headers: IncomingHttpHeaders, rawHeaders: string[]) {
    this.stream = stream;
    this.headers = headers;
    this.rawHeaders = rawHeaders;
  }

  get method(): string {
    return String(this.headers[':method'] ?? 'GET');
  }

  get url(): string {
    return String(this.headers[':path'] ?? '/');
  }

  /** The TLS connection (client certificate, peer address). */
  get socket(): Socket {
    return this.stream.session?.socket as Socket;
  }

  get complete(): boolean {
    return this.stream.readableEnded || this.stream.destroyed || this.stream.closed;
  }

  // The body is the stream's readable side; observe.ts counts it by wrapping push().
  get push(): ServerHttp2Stream['push'] {
    return this.stream.push;
  }

  set push(push: ServerHttp2Stream['push']) {
    this.stream.push = push;
  }

  pipe<T extends NodeJS.WritableStream>(destination: T): T {
    return this.stream.pipe(destination);
  }

  unpipe(destination: NodeJS.WritableStream): this {
    this.stream.unpipe(destination);
    return this;
  }

  resume(): this {
    this.stream.resume();
    return this;
  }

  on(event: string, listener: (...args: unknown[]) => void): this {
    this.stream.on(event, listener);
    return this;
  }
}

/** The response: header fields kept until the single respond(). */
export class StreamResponse extends EventEmitter {
  readonly stream: ServerHttp2Stream;
  statusCode = 200;
  #headers: Record<string, Value> | null = null;
  #trailers: Record<string, string> | null = null;
  #ended = false;
  #drainWired = false;

  constructor(stream: ServerHttp2Stream) {
    super();
    this.stream = stream;
    (stream as Linked)[responseOf] = this;
    stream.on('close', onStreamClose);
    // Errors surface as 'close' on the response, as in compat mode; unheard they would crash.
    stream.on('error', ignore);
  }

  get headersSent(): boolean {
    return this.stream.headersSent;
  }

  get writableEnded(): boolean {
    return this.#ended;
  }

  get destroyed(): boolean {
    return this.stream.destroyed;
  }

  setHeader(name: string, value: Value): this {
    this.#headers ??= Object.create(null) as Record<string, Value>;
    this.#headers[name.toLowerCase()] = value;
    return this;
  }

  getHeader(name: string): Value | undefined {
    return this.#headers?.[name.toLowerCase()];
  }

  hasHeader(name: string): boolean {
    return this.#headers?.[name.toLowerCase()] !== undefined;
  }

  removeHeader(name: string): void {
    if (this.#headers !== null) delete this.#headers[name.toLowerCase()];
  }

  getHeaderNames(): string[] {
    return this.#headers === null ? [] : Object.keys(this.#headers);
  }

  getHeaders(): OutgoingHttpHeaders {
    return { ...this.#headers };
  }

  /** writeHead(status[, headers]) with an object or a flat [name, value, ...] list. */
  writeHead(statusCode: number, reason?: unknown, fields?: unknown): this {
    // As compat mode: a stream the client already reset takes no response.
    if (this.stream.destroyed || this.stream.closed) return this;
    const list = typeof reason === 'string' ? fields : reason;
    const headers: OutgoingHttpHeaders = this.#headers === null ? {} : { ...this.#headers };
    if (Array.isArray(list)) {
      for (let i = 0; i < list.length; i += 2) appendField(headers, fieldName(list[i]), list[i + 1]);
    } else if (typeof list === 'object' && list !== null) {
      for (const [name, value] of Object.entries(list)) headers[name.toLowerCase()] = value;
    }
    this.statusCode = statusCode;
    headers[':status'] = statusCode;
    // Trailers need the stream held open after the data (RFC 9113 section 8.1); only then.
    const waitForTrailers = this.#trailers !== null || this.expectTrailers;
    if (waitForTrailers) this.stream.once('wantTrailers', sendTrailers);
    this.stream.respond(headers, { waitForTrailers });
    return this;
  }

  /** Set by the proxy before writeHead when the upstream may send trailers (gRPC, chunked). */
  expectTrailers = false;

  write(chunk: unknown, encoding?: unknown, callback?: unknown): boolean {
    if (!this.stream.headersSent) this.writeHead(this.statusCode);
    if (this.stream.writableEnded || this.stream.destroyed) return true;
    const ok = this.stream.write(chunk as Buffer, encoding as BufferEncoding, callback as () => void);
    // 'drain' is relayed only once a write has filled the stream (most responses never do).
    if (!ok && !this.#drainWired) {
      this.#drainWired = true;
      this.stream.on('drain', onStreamDrain);
    }
    return ok;
  }

  end(chunk?: unknown, encoding?: unknown, callback?: unknown): this {
    if (this.#ended) return this;
    this.#ended = true;
    if (!this.stream.headersSent) this.writeHead(this.statusCode);
    if (this.stream.writableEnded || this.stream.destroyed) return this;
    if (typeof chunk === 'function' || chunk === undefined || chunk === null) this.stream.end();
    else this.stream.end(chunk as Buffer, encoding as BufferEncoding, callback as () => void);
    return this;
  }

  addTrailers(trailers: Record<string, string>): void {
    this.#trailers = { ...this.#trailers, ...trailers };
  }

  trailersToSend(): Record<string, string> {
    return this.#trailers ?? {};
  }

  destroy(error?: Error): void {
    this.stream.destroy(error);
  }
}

/** The proxy's names are lower case already; others are lowered (HTTP/2 requires it). */
function fieldName(name: unknown): string {
  return lowerCaseName(String(name));
}

function appendField(headers: OutgoingHttpHeaders, name: string, value: unknown): void {
  const previous = headers[name];
  if (previous === undefined) headers[name] = value as Value;
  else if (Array.isArray(previous)) headers[name] = [...previous, String(value)];
  else headers[name] = [String(previous), String(value)];
}

function onStreamClose(this: Linked): void {
  const res = this[responseOf];
  if (res === null) return;
  // null, not delete: deleting a property would turn the stream into a slow dictionary object.
  this[responseOf] = null;
  res.emit('finish');
  res.emit('close');
}

function onStreamDrain(this: Linked): void {
  this[responseOf]?.emit('drain');
}

function sendTrailers(this: Linked): void {
  const res = this[responseOf];
  if (res !== null && !this.destroyed && !this.closed) this.sendTrailers(res.trailersToSend());
}

function ignore(): void {}

/** Requests the direct path does not take: CONNECT and Expect need compat's handling. */
export function needsCompat(headers: IncomingHttpHeaders): boolean {
  return headers[':method'] === 'CONNECT' || headers.expect !== undefined;
}

/** The pair, typed as the pipeline's request/response unions (structurally what it uses). */
export function streamExchange(
  stream: ServerHttp2Stream,
  headers: IncomingHttpHeaders,
  rawHeaders: string[],
): { req: HttpRequest; res: HttpResponse } {
  return {
    req: new StreamRequest(stream, headers, rawHeaders) as unknown as HttpRequest,
    res: new StreamResponse(stream) as unknown as HttpResponse,
  };
}
