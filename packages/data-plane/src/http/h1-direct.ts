/**
 * HTTP/1.1 without node:http's per-request machinery, on both listeners (docs/adr/0008).
 * For every request node:http builds an IncomingMessage and a ServerResponse (two streams),
 * checks and re-formats each field and runs a dozen events and ticks: about a third of the CPU of
 * a proxied keep-alive request. Most requests a proxy sees are plain: a whole head in the bytes
 * already read and no body. Those are parsed here, strictly, and answered through a thin response
 * that writes status line, fields and body in as few writes as node does.
 *
 * The first request this parser does not take (a body, Expect, an upgrade, a target that is not
 * a path, a repeated or malformed field, a head that is incomplete or too large) hands the
 * connection, with every unread byte, to node:http for the rest of its life. Node then answers
 * it exactly as before: 400, 431, 100-continue, request bodies, WebSocket, and 408 when a client
 * does not finish its headers within client-header-timeout.
 */
import { EventEmitter } from 'node:events';
import { type IncomingHttpHeaders, type OutgoingHttpHeaders, STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { hasToken } from '../proxy/h1/head.ts';
import { lowerCaseName } from './field-name.ts';
import type { HttpRequest, HttpResponse } from './types.ts';

interface Http1DirectOptions {
  readonly onRequest: (req: HttpRequest, res: HttpResponse) => void;
  /** node's own handling of an HTTP/1.1 connection (the http2 server's allowHTTP1 path). */
  readonly handOff: (socket: Socket) => void;
  /** Read once per connection: the ConfigMap changes client-header-timeout at run time. */
  readonly limits: () => Http1DirectLimits;
}

interface Http1DirectLimits {
  /** A new connection's time to send its first head (client-header-timeout). */
  readonly headersTimeoutMs: number;
  /** Idle time allowed between requests (keep-alive). */
  readonly keepAliveTimeoutMs: number;
}

/** Larger heads go to node:http, which applies its own limit (431). */
const MAX_HEAD_BYTES = 16 * 1024;
/** Pipelined bytes read while a response is still going out; past this the socket is paused. */
const MAX_PIPELINED_BYTES = 64 * 1024;
const MAX_FIELDS = 100;

/** Serves `socket`: a plain connection, or a TLS one that chose HTTP/1.1 or no ALPN protocol. */
function serveHttp1Direct(socket: Socket, options: Http1DirectOptions): void {
  new Connection(socket, options);
}

type ConnectionListener = (socket: Socket) => void;

/**
 * Puts the direct path in front of a node server: the listeners node registered for `event`
 * ('connection' on node:http, 'secureConnection' on the http2 secure server) are taken off and
 * kept as the hand-off. Sockets `direct` declines (HTTP/2) go to them at once. Call right after
 * creating the server, before adding listeners of one's own.
 *
 * Requests are emitted as the server's 'request' event, as node:http emits them, so whoever
 * listens there (the handler, a worker's graceful drain) sees them whichever path served them.
 * node:http reads its limits from the server's properties (plane.ts sets them, the ConfigMap's
 * client-header-timeout at run time); so does this path, once per connection.
 */
export function putHttp1DirectPath(
  server: NodeJS.EventEmitter & { headersTimeout: number; keepAliveTimeout: number },
  event: 'connection' | 'secureConnection',
  direct: (socket: Socket) => boolean = () => true,
): void {
  const node = server.listeners(event) as ConnectionListener[];
  server.removeAllListeners(event);
  const handOff = (socket: Socket): void => {
    for (const listener of node) listener.call(server, socket);
  };
  const options: Http1DirectOptions = {
    onRequest: (req, res) => server.emit('request', req, res),
    handOff,
    limits: () => ({ headersTimeoutMs: server.headersTimeout, keepAliveTimeoutMs: server.keepAliveTimeout }),
  };
  server.on(event, (socket: Socket) => {
    if (direct(socket)) serveHttp1Direct(socket, options);
    else handOff(socket);
  });
}

class Connection {
  readonly socket: Socket;
  readonly #options: Http1DirectOptions;
  readonly #limits: Http1DirectLimits;
  /** For the Keep-Alive field, as node writes it. */
  readonly keepAliveSeconds: number;
  #buffered: Buffer | null = null;
  #active: DirectResponse | null = null;
  #served = 0;
  #handedOff = false;

  constructor(socket: Socket, options: Http1DirectOptions) {
    this.socket = socket;
    this.#options = options;
    this.#limits = options.limits();
    this.keepAliveSeconds = Math.floor(this.#limits.keepAliveTimeoutMs / 1000);
    socket.setNoDelay(true);
    socket.on('data', this.#onData);
    socket.on('error', this.#onError);
    socket.on('close', this.#onClose);
    socket.on('drain', this.#onDrain);
    socket.on('end', this.#onEnd);
    socket.setTimeout(this.#limits.headersTimeoutMs, this.#onTimeout);
  }

  readonly #onData = (chunk: Buffer): void => {
    this.#buffered = this.#buffered === null ? chunk : Buffer.concat([this.#buffered, chunk]);
    if (this.#active === null) this.#next();
    else if (this.#buffered.length > MAX_PIPELINED_BYTES) this.socket.pause();
  };

  // Not every socket error closes it: Node's TLS layer reports a client renegotiating too
  // often (a DoS) as an error and leaves the rest to the listener, as node:http destroys it.
  // 'close' then tells the response.
  readonly #onError = (): void => {
    this.socket.destroy();
  };

  readonly #onClose = (): void => {
    const active = this.#active;
    this.#active = null;
    active?.aborted();
  };

  readonly #onDrain = (): void => {
    this.#active?.drained();
  };

  /**
   * The client sent FIN. A TLS socket ends its own side at once (allowHalfOpen is off there, as
   * node:http leaves it); node:http's plain listener allows half-open sockets, so the response
   * in progress still goes out and the connection closes after it instead of idling.
   */
  readonly #onEnd = (): void => {
    if (this.#active !== null) this.#active.keepAlive = false;
    // Not when already ending (TLS, or after "Connection: close"): end() again builds an error.
    else if (this.socket.writable) this.socket.end();
  };

  readonly #onTimeout = (): void => {
    // A response in progress has the proxy's own time-outs; only idle time is limited here.
    if (this.#active !== null) return;
    if (this.#served === 0) {
      // As node does when a client has not sent a whole head within headersTimeout.
      this.socket.end('HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n');
      this.socket.destroySoon();
    } else {
      this.socket.destroy();
    }
  };

  /** Takes the requests already read, one at a time (pipelining answers in order). */
  #next(): void {
    while (this.#active === null && this.#buffered !== null && !this.#handedOff) {
      const buffered = this.#buffered;
      const end = buffered.indexOf(HEAD_END);
      if (end < 0 || end + 4 > MAX_HEAD_BYTES) {
        this.#handOff();
        return;
      }
      const head = parseHead(buffered.toString('latin1', 0, end));
      if (head === null) {
        this.#handOff();
        return;
      }
      this.#buffered = end + 4 === buffered.length ? null : buffered.subarray(end + 4);
      if (this.#served++ === 0) this.socket.setTimeout(this.#limits.keepAliveTimeoutMs);
      const req = new DirectRequest(head, this.socket);
      const res = new DirectResponse(this, req);
      this.#active = res;
      this.#options.onRequest(req as unknown as HttpRequest, res as unknown as HttpResponse);
    }
    if (this.#active === null && this.socket.isPaused() && !this.#handedOff) this.socket.resume();
  }

  /** The response is out (its last write completed): the next request, or the end. */
  finished(res: DirectResponse): void {
    if (this.#active !== res) return;
    this.#active = null;
    if (!res.keepAlive) {
      this.socket.end();
      return;
    }
    this.#next();
  }

  #handOff(): void {
    this.#handedOff = true;
    const socket = this.socket;
    socket.off('data', this.#onData);
    socket.off('error', this.#onError);
    socket.off('close', this.#onClose);
    socket.off('drain', this.#onDrain);
    socket.off('end', this.#onEnd);
    socket.setTimeout(0);
    socket.off('timeout', this.#onTimeout);
    socket.pause();
    if (this.#buffered !== null) socket.unshift(this.#buffered);
    this.#buffered = null;
    this.#options.handOff(socket);
    // The unread bytes are emitted on the next tick, before anything else is read.
    socket.resume();
  }
}

const HEAD_END = Buffer.from('\r\n\r\n', 'latin1');

interface Head {
  readonly method: string;
  readonly url: string;
  readonly minor: 0 | 1;
  readonly headers: IncomingHttpHeaders;
  readonly rawHeaders: string[];
  readonly keepAlive: boolean;
}

/** RFC 9110 §5.6.2 tchar. */
const TCHAR = new Uint8Array(128);
for (const c of "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
  TCHAR[c.charCodeAt(0)] = 1;

/**
 * A request head (without its final CRLF CRLF) this path takes, or null for node:http. Strict on
 * purpose: an upper-case method, an origin-form target of visible ASCII, HTTP/1.1 or 1.0, fields
 * of tchar names and values without control characters, no field twice, Host on HTTP/1.1, and no
 * body (no Transfer-Encoding, Content-Length absent or 0), Expect or Upgrade.
 */
export function parseHead(head: string): Head | null {
  const lineEnd = head.indexOf('\r\n');
  const lineLength = lineEnd < 0 ? head.length : lineEnd;
  const sp1 = head.indexOf(' ');
  if (sp1 <= 0 || sp1 > 20 || sp1 >= lineLength) return null;
  for (let i = 0; i < sp1; i++) {
    const c = head.charCodeAt(i);
    if (c < 65 || c > 90) return null;
  }
  const sp2 = head.indexOf(' ', sp1 + 1);
  if (sp2 < 0 || sp2 >= lineLength || head.charCodeAt(sp1 + 1) !== 47 /* '/' */) return null;
  for (let i = sp1 + 1; i < sp2; i++) {
    const c = head.charCodeAt(i);
    if (c <= 32 || c >= 127) return null;
  }
  if (lineLength - sp2 - 1 !== 8 || !head.startsWith('HTTP/1.', sp2 + 1)) return null;
  const minorCode = head.charCodeAt(sp2 + 8);
  if (minorCode !== 48 && minorCode !== 49) return null;
  const minor = minorCode === 49 ? 1 : 0;

  const headers: IncomingHttpHeaders = {};
  const rawHeaders: string[] = [];
  for (let at = lineLength + 2; at < head.length; ) {
    let next = head.indexOf('\r\n', at);
    if (next < 0) next = head.length;
    let colon = at;
    for (; colon < next; colon++) {
      const c = head.charCodeAt(colon);
      if (c === 58 /* ':' */) break;
      if (c >= 128 || TCHAR[c] === 0) return null;
    }
    if (colon === at || colon === next) return null;
    let start = colon + 1;
    let end = next;
    while (start < end && isSpace(head.charCodeAt(start))) start++;
    while (end > start && isSpace(head.charCodeAt(end - 1))) end--;
    for (let i = start; i < end; i++) {
      const c = head.charCodeAt(i);
      if ((c < 32 && c !== 9) || c === 127) return null;
    }
    const name = head.slice(at, colon);
    const key = lowerCaseName(name);
    if (headers[key] !== undefined || key === '__proto__') return null;
    const value = head.slice(start, end);
    headers[key] = value;
    rawHeaders.push(name, value);
    if (rawHeaders.length > 2 * MAX_FIELDS) return null;
    at = next + 2;
  }
  if (
    headers['transfer-encoding'] !== undefined ||
    (headers['content-length'] !== undefined && headers['content-length'] !== '0') ||
    headers.expect !== undefined ||
    headers.upgrade !== undefined ||
    (minor === 1 && headers.host === undefined)
  ) {
    return null;
  }
  return {
    method: head.slice(0, sp1),
    url: head.slice(sp1 + 1, sp2),
    minor,
    headers,
    rawHeaders,
    keepAlive: keepsAlive(minor, headers.connection),
  };
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9;
}

/** RFC 9112 §9.3: HTTP/1.1 persists unless "close"; HTTP/1.0 only with "keep-alive". */
function keepsAlive(minor: 0 | 1, connection: string | undefined): boolean {
  if (connection === undefined) return minor === 1;
  if (hasToken(connection, 'close')) return false;
  // hasToken() answers false for a bare "keep-alive" (its fast path for upstream responses).
  return minor === 1 || connection.split(',').some((token) => token.trim().toLowerCase() === 'keep-alive');
}

/** What the request pipeline reads from node's IncomingMessage; a body-less request has no events. */
class DirectRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly rawHeaders: string[];
  readonly httpVersionMajor = 1;
  readonly httpVersionMinor: 0 | 1;
  readonly socket: Socket;
  readonly keepAlive: boolean;
  readonly complete = true;
  readonly upgrade = false;
  readonly aborted = false;

  constructor(head: Head, socket: Socket) {
    this.method = head.method;
    this.url = head.url;
    this.headers = head.headers;
    this.rawHeaders = head.rawHeaders;
    this.httpVersionMinor = head.minor;
    this.socket = socket;
    this.keepAlive = head.keepAlive;
  }

  get httpVersion(): string {
    return this.httpVersionMinor === 1 ? '1.1' : '1.0';
  }

  get connection(): Socket {
    return this.socket;
  }

  resume(): this {
    return this;
  }

  pause(): this {
    return this;
  }

  on(): this {
    return this;
  }

  once(): this {
    return this;
  }

  off(): this {
    return this;
  }

  removeListener(): this {
    return this;
  }
}

type Value = string | number | readonly string[];

/** RFC 9110 §5.5 field values: no CR, LF, NUL or other controls but HTAB (response splitting). */
const BAD_VALUE = /[^\t\x20-\x7e\x80-\xff]/;

/**
 * node's ServerResponse, as far as the request pipeline uses it (handler, decide, observe, hsts,
 * sendReply, sendError, the proxy, the shutdown tracker): fields set before the head, one
 * writeHead with an object or a flat list, body writes with backpressure ('drain'), end with
 * trailers, 'finish' and 'close'. Framing as node's: Content-Length when known, else chunked on
 * HTTP/1.1 and close-delimited on HTTP/1.0; no body for HEAD, 1xx, 204 and 304.
 */
class DirectResponse extends EventEmitter {
  statusCode = 200;
  /** node's too: undefined until set or until the head is written. */
  statusMessage: string | undefined = undefined;
  /** The head as written (observe.ts reads its length, as it does node's). */
  _header: string | null = null;
  keepAlive: boolean;
  readonly #connection: Connection;
  readonly #socket: Socket;
  readonly #headOnly: boolean;
  readonly #minor: 0 | 1;
  #fields: Map<string, { name: string; value: Value }> | null = null;
  #pendingHead: string | null = null;
  #hasBody = true;
  #chunked = false;
  #ended = false;
  #done = false;
  #waitingForDrain = false;
  #trailers: Record<string, string> | null = null;

  constructor(connection: Connection, req: DirectRequest) {
    super();
    this.#connection = connection;
    this.#socket = connection.socket;
    this.#headOnly = req.method === 'HEAD';
    this.#minor = req.httpVersionMinor;
    this.keepAlive = req.keepAlive;
  }

  get headersSent(): boolean {
    return this._header !== null;
  }

  get writableEnded(): boolean {
    return this.#ended;
  }

  get destroyed(): boolean {
    return this.#socket.destroyed;
  }

  setHeader(name: string, value: Value): this {
    if (this._header !== null) throw headersSent('set');
    checkField(name, value);
    this.#fields ??= new Map();
    this.#fields.set(name.toLowerCase(), { name, value });
    return this;
  }

  getHeader(name: string): Value | undefined {
    return this.#fields?.get(name.toLowerCase())?.value;
  }

  hasHeader(name: string): boolean {
    return this.#fields?.has(name.toLowerCase()) ?? false;
  }

  removeHeader(name: string): void {
    if (this._header !== null) throw headersSent('remove');
    this.#fields?.delete(name.toLowerCase());
  }

  getHeaderNames(): string[] {
    return this.#fields === null ? [] : [...this.#fields.keys()];
  }

  getHeaders(): OutgoingHttpHeaders {
    const out: OutgoingHttpHeaders = {};
    for (const [key, { value }] of this.#fields ?? []) out[key] = value as OutgoingHttpHeaders[string];
    return out;
  }

  /** writeHead(status[, reason][, headers]) with an object or a flat [name, value, ...] list. */
  writeHead(statusCode: number, reason?: unknown, fields?: unknown): this {
    if (this._header !== null) throw headersSent('write');
    const list = typeof reason === 'string' ? fields : reason;
    const message =
      typeof reason === 'string' ? reason : (this.statusMessage ?? STATUS_CODES[statusCode] ?? 'unknown');
    this.#head(statusCode, message, list, null);
    return this;
  }

  write(chunk: unknown, encoding?: unknown, callback?: unknown): boolean {
    if (this.#ended || this.#socket.destroyed) return true;
    if (this._header === null) this.#head(this.statusCode, this.#message(), undefined, null);
    const size = this.#hasBody ? byteLength(chunk, encoding) : 0;
    const cb = typeof encoding === 'function' ? encoding : callback;
    if (size === 0) {
      if (this.#pendingHead !== null) return this.#flushHead(cb);
      if (typeof cb === 'function') process.nextTick(cb as () => void);
      return true;
    }
    const socket = this.#socket;
    const enc = typeof encoding === 'string' ? (encoding as BufferEncoding) : undefined;
    socket.cork();
    if (this.#pendingHead !== null) {
      socket.write(this.#pendingHead, 'latin1');
      this.#pendingHead = null;
    }
    if (this.#chunked) socket.write(`${size.toString(16)}\r\n`, 'latin1');
    let ok = socket.write(chunk as Buffer, enc as BufferEncoding, cb as () => void);
    if (this.#chunked) ok = socket.write('\r\n', 'latin1');
    socket.uncork();
    if (!ok) this.#waitingForDrain = true;
    return ok;
  }

  end(chunk?: unknown, encoding?: unknown, callback?: unknown): this {
    if (this.#ended) return this;
    this.#ended = true;
    let data = chunk;
    let cb = callback;
    if (typeof data === 'function') {
      cb = data;
      data = undefined;
    } else if (typeof encoding === 'function') {
      cb = encoding;
    }
    if (typeof cb === 'function') this.once('finish', cb as () => void);
    const socket = this.#socket;
    if (socket.destroyed || !socket.writable) return this;
    const enc = typeof encoding === 'string' ? (encoding as BufferEncoding) : undefined;
    const hasData = data !== undefined && data !== null;
    if (this._header === null) {
      // As node: a body given whole to end() is announced with its Content-Length.
      const length = hasData ? byteLength(data, enc) : 0;
      this.#head(this.statusCode, this.#message(), undefined, length);
    }
    const size = hasData && this.#hasBody ? byteLength(data, enc) : 0;
    socket.cork();
    if (this.#pendingHead !== null) {
      socket.write(this.#pendingHead, 'latin1');
      this.#pendingHead = null;
    }
    if (size > 0) {
      if (this.#chunked) socket.write(`${size.toString(16)}\r\n`, 'latin1');
      socket.write(data as Buffer, enc as BufferEncoding);
      if (this.#chunked) socket.write('\r\n', 'latin1');
    }
    if (this.#chunked) socket.write(this.#lastChunk(), 'latin1', this.#written);
    else socket.write(EMPTY, this.#written);
    socket.uncork();
    return this;
  }

  addTrailers(trailers: Record<string, string>): void {
    for (const [name, value] of Object.entries(trailers)) checkField(name, value);
    this.#trailers = { ...this.#trailers, ...trailers };
  }

  destroy(error?: Error): void {
    this.#socket.destroy(error);
  }

  /** The connection closed before the response was out. */
  aborted(): void {
    if (this.#done) return;
    this.#done = true;
    this.emit('close');
  }

  drained(): void {
    if (!this.#waitingForDrain) return;
    this.#waitingForDrain = false;
    this.emit('drain');
  }

  readonly #written = (): void => {
    if (this.#done) return;
    this.#done = true;
    this.emit('finish');
    this.emit('close');
    this.#connection.finished(this);
  };

  #message(): string {
    return this.statusMessage ?? STATUS_CODES[this.statusCode] ?? 'unknown';
  }

  #flushHead(callback: unknown): boolean {
    const head = this.#pendingHead as string;
    this.#pendingHead = null;
    const ok = this.#socket.write(head, 'latin1', callback as () => void);
    if (!ok) this.#waitingForDrain = true;
    return ok;
  }

  /** Builds the head (written with the first body bytes); endLength: end() knows the body. */
  #head(statusCode: number, message: string, list: unknown, endLength: number | null): void {
    if (!Number.isInteger(statusCode) || statusCode < 100 || statusCode > 999) {
      throw new RangeError(`invalid status code: ${statusCode}`);
    }
    if (/[\r\n]/.test(message)) throw new TypeError('invalid character in the status message');
    this.statusCode = statusCode;
    this.statusMessage = message;
    let fields = '';
    let contentLength = false;
    let transferEncoding: string | null = null;
    let date = false;
    let connection: string | null = null;
    const add = (name: string, value: unknown): void => {
      const text = String(value);
      checkField(name, text);
      fields += `${name}: ${text}\r\n`;
      const key = name.length <= 17 ? lowerCaseName(name) : '';
      if (key === 'content-length') contentLength = true;
      else if (key === 'transfer-encoding') transferEncoding = text;
      else if (key === 'date') date = true;
      else if (key === 'connection') connection = connection === null ? text : `${connection}, ${text}`;
    };
    const own = this.#fields;
    let listed: Set<string> | null = null;
    if (Array.isArray(list)) {
      if (own !== null) listed = new Set();
      for (let i = 0; i + 1 < list.length; i += 2) listed?.add(String(list[i]).toLowerCase());
    } else if (typeof list === 'object' && list !== null) {
      listed = new Set(Object.keys(list).map((key) => key.toLowerCase()));
    }
    if (own !== null) {
      for (const [key, { name, value }] of own) {
        if (listed?.has(key)) continue;
        if (Array.isArray(value)) for (const v of value) add(name, v);
        else add(name, value);
      }
    }
    if (Array.isArray(list)) {
      for (let i = 0; i + 1 < list.length; i += 2) add(String(list[i]), list[i + 1]);
    } else if (typeof list === 'object' && list !== null) {
      for (const [name, value] of Object.entries(list)) {
        if (value === undefined) continue;
        if (Array.isArray(value)) for (const v of value) add(name, v);
        else add(name, value);
      }
    }
    this.#hasBody = !this.#headOnly && statusCode >= 200 && statusCode !== 204 && statusCode !== 304;
    if (connection !== null && hasToken(connection, 'close')) this.keepAlive = false;
    if (!contentLength && transferEncoding === null) {
      // HEAD: the length of the body a GET would get, when end() was given it (RFC 9110 §9.3.2).
      if (endLength !== null && (this.#hasBody || (this.#headOnly && endLength > 0))) {
        fields += `Content-Length: ${endLength}\r\n`;
      } else if (this.#hasBody) {
        if (this.#minor === 1) {
          fields += 'Transfer-Encoding: chunked\r\n';
          this.#chunked = true;
        } else {
          // HTTP/1.0 has no chunked coding: the body ends with the connection.
          this.keepAlive = false;
        }
      }
    } else if (transferEncoding !== null && this.#hasBody) {
      this.#chunked = /(^|,)\s*chunked\s*$/i.test(transferEncoding);
      if (!this.#chunked) this.keepAlive = false;
    }
    if (!date) fields += `Date: ${httpDate()}\r\n`;
    if (connection === null) {
      fields += this.keepAlive
        ? `Connection: keep-alive\r\nKeep-Alive: timeout=${this.#connection.keepAliveSeconds}\r\n`
        : 'Connection: close\r\n';
    }
    const head = `HTTP/1.1 ${statusCode} ${message}\r\n${fields}\r\n`;
    this._header = head;
    this.#pendingHead = head;
  }

  #lastChunk(): string {
    if (this.#trailers === null) return '0\r\n\r\n';
    let out = '0\r\n';
    for (const [name, value] of Object.entries(this.#trailers)) out += `${name}: ${value}\r\n`;
    return `${out}\r\n`;
  }
}

const EMPTY = Buffer.alloc(0);

function checkField(name: string, value: unknown): void {
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c >= 128 || TCHAR[c] === 0) throw new TypeError(`invalid header field name: ${JSON.stringify(name)}`);
  }
  if (name.length === 0) throw new TypeError('empty header field name');
  if (typeof value === 'number') return;
  if (Array.isArray(value)) {
    for (const v of value) checkField(name, v);
    return;
  }
  if (BAD_VALUE.test(String(value))) throw new TypeError(`invalid character in header field ${name}`);
}

function headersSent(what: string): Error {
  return Object.assign(new Error(`cannot ${what} headers after they are sent to the client`), {
    code: 'ERR_HTTP_HEADERS_SENT',
  });
}

function byteLength(chunk: unknown, encoding?: unknown): number {
  if (typeof chunk === 'string') {
    return Buffer.byteLength(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8');
  }
  if (chunk instanceof Uint8Array) return chunk.byteLength;
  return 0;
}

let dateSecond = -1;
let dateText = '';

/** The Date field, formatted once per second. */
function httpDate(): string {
  const now = Date.now();
  const second = Math.floor(now / 1000);
  if (second !== dateSecond) {
    dateSecond = second;
    dateText = new Date(now).toUTCString();
  }
  return dateText;
}
