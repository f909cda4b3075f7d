/**
 * One keep-alive HTTP/1.1 connection to an upstream, carrying one request at a time (no
 * pipelining, like nginx and undici's default). Reads use the socket's `onread` buffer mode: the
 * kernel's bytes land in one shared buffer and are parsed in place, without the stream
 * machinery per read; body ranges are copied out before they are handed on. The connection is
 * also the request's controller (abort, pause, resume).
 */
import type { Socket } from 'node:net';
import type { EndpointSpec } from '../endpoint.ts';
import { ProxyError } from '../errors.ts';
import { BodyDecoder } from './body.ts';
import { dial } from './dial.ts';
import { parseResponseHead, requestHead, trailerFields } from './head.ts';
import type { Http1Handler, Http1Request } from './types.ts';
import { upload } from './upload.ts';

/** What the pool does for its connections. */
export interface ConnectionOwner {
  /** The response ended cleanly and the connection may carry another request. */
  release(connection: Http1Connection, keepAliveHintMs: number): void;
  /** A reused connection closed before any response byte: send the request again, once. */
  retry(request: Http1Request, handler: Http1Handler): void;
  closed(connection: Http1Connection): void;
}

export interface ConnectionTimeouts {
  readonly connectTimeoutMs: number;
  readonly readTimeoutMs: number;
}

/** Shared by every connection: a read callback runs to completion before the next read. */
const readBuffer = Buffer.allocUnsafe(64 * 1024);
const HEAD_END = Buffer.from('\r\n\r\n');
/** undici's and node's default maxHeaderSize. */
const MAX_HEAD = 16 * 1024;

export class Http1Connection {
  readonly socket: Socket;
  /** When an idle connection stops being reusable (ms since epoch), set by the pool. */
  idleUntil = 0;
  readonly #owner: ConnectionOwner;
  readonly #timeouts: ConnectionTimeouts;
  readonly #decoder = new BodyDecoder();
  #connected = false;
  #connectTimer: NodeJS.Timeout | null;
  #readTimer: NodeJS.Timeout | null = null;
  #request: Http1Request | null = null;
  #handler: Http1Handler | null = null;
  #served = 0;
  #reused = false;
  #received = false;
  #inBody = false;
  #pendingHead: Buffer | null = null;
  #keepAlive = false;
  #hintMs = 0;
  #bodyDone = true;
  #paused = false;
  #error: Error | null = null;
  /** The last body range of the current read, held back: it may turn out to end the response. */
  #held: Buffer | null = null;

  constructor(
    owner: ConnectionOwner,
    endpoint: EndpointSpec,
    timeouts: ConnectionTimeouts,
    session?: Buffer,
  ) {
    this.#owner = owner;
    this.#timeouts = timeouts;
    this.socket = dial(endpoint, { buffer: readBuffer, callback: this.#onRead }, session);
    this.socket.once(endpoint.tls === null ? 'connect' : 'secureConnect', this.#onConnect);
    this.socket.setKeepAlive(true, 60_000);
    this.socket.on('error', this.#onError);
    this.socket.on('end', this.#onEnd);
    this.socket.on('close', this.#onClose);
    this.#connectTimer = setTimeout(this.#onConnectTimeout, timeouts.connectTimeoutMs);
  }

  get busy(): boolean {
    return this.#handler !== null;
  }

  run(request: Http1Request, handler: Http1Handler): void {
    this.#request = request;
    this.#handler = handler;
    this.#reused = this.#served > 0;
    this.#received = false;
    this.#inBody = false;
    this.#pendingHead = null;
    this.#paused = false;
    handler.onRequestStart(this);
    if (this.#handler === handler && this.#connected) this.#send(request, handler);
  }

  abort(reason: Error): void {
    if (this.#handler !== null) this.#fail(reason);
  }

  pause(): void {
    if (this.#handler === null || this.#paused) return;
    this.#paused = true;
    this.socket.pause();
  }

  resume(): void {
    if (!this.#paused) return;
    this.#paused = false;
    this.#readTimer?.refresh();
    this.socket.resume();
  }

  #send(request: Http1Request, handler: Http1Handler): void {
    let head: ReturnType<typeof requestHead>;
    try {
      head = requestHead(request.method, request.path, request.headers, request.host, request.body !== null);
    } catch (error) {
      this.#fail(error as Error);
      return;
    }
    this.#readTimer?.refresh();
    this.socket.write(head.text, 'latin1');
    if (head.framing === 'none' || request.body === null) {
      this.#bodyDone = true;
      handler.onRequestSent();
      return;
    }
    this.#bodyDone = false;
    upload(this.socket, request.body, head.framing === 'chunked', {
      live: () => this.#handler === handler,
      sent: () => {
        this.#readTimer?.refresh();
        handler.onBodySent();
      },
      done: () => {
        this.#bodyDone = true;
        handler.onRequestSent();
      },
    });
  }

  readonly #onConnect = (): void => {
    this.#connected = true;
    if (this.#connectTimer !== null) clearTimeout(this.#connectTimer);
    this.#connectTimer = null;
    this.#readTimer = setTimeout(this.#onReadTimeout, this.#timeouts.readTimeoutMs);
    this.#readTimer.unref();
    const request = this.#request;
    const handler = this.#handler;
    if (request !== null && handler !== null) this.#send(request, handler);
  };

  readonly #onRead = (length: number, buffer: Buffer): boolean => {
    if (this.#handler === null) {
      // Bytes on an idle connection: the upstream broke framing; never reuse it.
      this.socket.destroy();
      return false;
    }
    this.#received = true;
    try {
      this.#consume(buffer, 0, length);
    } catch (error) {
      this.#fail(error as Error);
      return false;
    }
    // proxy-read-timeout restarts with each read; a response that ended here needs no timer.
    if (this.#handler !== null) this.#readTimer?.refresh();
    return !this.#paused;
  };

  #consume(buffer: Buffer, from: number, to: number): void {
    const handler = this.#handler;
    let at = from;
    while (!this.#inBody) {
      at = this.#readHead(buffer, at, to);
      if (at < 0 || this.#handler !== handler) return;
    }
    const end = this.#decoder.feed(buffer, at, to, this.#onBody);
    if (end >= 0 && this.#handler === handler) {
      this.#complete(end < to);
      return;
    }
    const held = this.#held;
    this.#held = null;
    if (held !== null && this.#handler === handler) handler?.onResponseData(this, held);
  }

  /** Returns the offset just past the head, or -1 when the head is incomplete. */
  #readHead(buffer: Buffer, from: number, to: number): number {
    let source = buffer;
    let start = from;
    if (this.#pendingHead !== null) {
      source = Buffer.concat([this.#pendingHead, buffer.subarray(from, to)]);
      start = 0;
    }
    const limit = this.#pendingHead === null ? to : source.length;
    const at = source.indexOf(HEAD_END, start);
    if (at < 0 || at + 4 > limit) {
      if (limit - start > MAX_HEAD) throw new ProxyError('BadResponse', 'upstream response head too large');
      if (limit - start >= 5 && source.toString('latin1', start, start + 5) !== 'HTTP/')
        throw new ProxyError('BadResponse', 'upstream response is not HTTP');
      this.#pendingHead = Buffer.copyBytesFrom(source, start, limit - start);
      return -1;
    }
    const next = this.#pendingHead === null ? at + 4 : from + (at + 4 - this.#pendingHead.length);
    this.#pendingHead = null;
    const request = this.#request as Http1Request;
    const head = parseResponseHead(source.toString('latin1', start, at), request.method === 'HEAD');
    // 1xx interim responses (100 Continue, 103 Early Hints) are dropped, as nginx does.
    if (head.status < 200) {
      if (head.status === 101) throw new ProxyError('BadResponse', '101 to a request without Upgrade');
      return next;
    }
    this.#keepAlive = head.keepAlive;
    this.#hintMs = head.keepAliveHintMs;
    this.#decoder.start(head.framing, head.length);
    this.#inBody = true;
    (this.#handler as Http1Handler).onResponseHead(this, head.status, head.fields);
    return next;
  }

  readonly #onBody = (buffer: Buffer, from: number, to: number): void => {
    const chunk = Buffer.copyBytesFrom(buffer, from, to - from);
    const held = this.#held;
    this.#held = chunk;
    if (held !== null) this.#handler?.onResponseData(this, held);
  };

  /** The response is complete; leftover bytes mean the upstream sent more than one message. */
  #complete(leftover: boolean): void {
    const handler = this.#handler as Http1Handler;
    const last = this.#held;
    const reusable = this.#keepAlive && this.#bodyDone && !leftover;
    this.#detach();
    if (reusable) this.#owner.release(this, this.#hintMs);
    else this.socket.destroy();
    handler.onResponseEnd(this, trailerFields(this.#decoder.trailers), last);
  }

  #fail(error: Error): void {
    const handler = this.#handler;
    this.#detach();
    this.socket.destroy();
    handler?.onResponseError(this, error);
  }

  #detach(): void {
    this.#held = null;
    this.#handler = null;
    this.#request = null;
    this.#served++;
    this.#paused = false;
  }

  readonly #onConnectTimeout = (): void => {
    this.#connectTimer = null;
    this.socket.destroy(new ProxyError('ConnectTimeout', 'upstream connect timed out'));
  };

  readonly #onReadTimeout = (): void => {
    if (this.#handler === null || !this.#connected) return;
    // A paused response waits for the client, not the upstream.
    if (this.#paused) this.#readTimer?.refresh();
    else this.#fail(new ProxyError('ReadTimeout', 'upstream read timed out'));
  };

  readonly #onError = (error: Error): void => {
    this.#error ??= error;
  };

  /** A read-until-close body ends with the connection. */
  readonly #onEnd = (): void => {
    if (this.#handler !== null && this.#inBody && this.#decoder.closeDelimited) this.#complete(false);
  };

  readonly #onClose = (): void => {
    if (this.#connectTimer !== null) clearTimeout(this.#connectTimer);
    if (this.#readTimer !== null) clearTimeout(this.#readTimer);
    this.#owner.closed(this);
    const handler = this.#handler;
    const request = this.#request;
    if (handler === null || request === null) return;
    if (this.#connected && this.#reused && !this.#received && retryable(request)) {
      this.#detach();
      this.#owner.retry(request, handler);
      return;
    }
    if (this.#inBody && this.#decoder.closeDelimited && this.#error === null) {
      this.#complete(false);
      return;
    }
    this.#fail(this.#error ?? closedError(this.#connected));
  };
}

/**
 * The keep-alive race: the upstream closed an idle connection as the request went out. Only a
 * request without a body can be sent again, and, as nginx does, never a non-idempotent one.
 */
function retryable(request: Http1Request): boolean {
  return request.body === null && request.method !== 'POST' && request.method !== 'PATCH';
}

function closedError(connected: boolean): Error {
  const error = new Error(connected ? 'upstream closed the connection' : 'upstream connection closed');
  return Object.assign(error, { code: connected ? 'UND_ERR_SOCKET' : 'ECONNRESET' });
}
