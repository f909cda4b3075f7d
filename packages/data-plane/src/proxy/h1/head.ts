/**
 * HTTP/1.1 message heads on the upstream side (RFC 9112): the request head written as one
 * latin1 string (header values arrive from node's parser as latin1, so bytes round-trip), and
 * the response head parsed into a status, a flat field list and the body framing.
 */
import { ProxyError } from '../errors.ts';
import { HOP_BY_HOP, type RequestHeaders } from '../headers.ts';

/** A CR, LF or NUL in a value would let a header smuggle another line (undici refuses them too). */
const UNSAFE_VALUE = /[\r\n\0]/;
/** undici's rules for the request line: a token method, a target without controls or spaces. */
const METHOD = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const UNSAFE_TARGET = /[^\u0021-\u00ff]/;

export interface RequestHead {
  /** The head, CRLF CRLF included. */
  readonly text: string;
  /** Request body framing: 'none', 'length' (the client's Content-Length) or 'chunked'. */
  readonly framing: 'none' | 'length' | 'chunked';
}

/**
 * `METHOD target HTTP/1.1`, the computed headers (pseudo and hop-by-hop dropped, Host first), then
 * the body framing: the client's Content-Length when it sent one, else chunked. No Connection
 * field: HTTP/1.1 connections persist by default (nginx: proxy_set_header Connection "").
 */
export function requestHead(
  method: string,
  path: string,
  headers: RequestHeaders,
  fallbackHost: string | undefined,
  hasBody: boolean,
): RequestHead {
  // An HTTP/2 :method or :path is not checked by an HTTP/1 parser: refuse what would break the line.
  if (!METHOD.test(method) || UNSAFE_TARGET.test(path)) {
    throw new ProxyError('UpstreamError', 'request line cannot be sent over HTTP/1.1');
  }
  const host = headers.host ?? fallbackHost;
  let text = `${method} ${path} HTTP/1.1\r\n`;
  if (host !== undefined) text += `host: ${checked(Array.isArray(host) ? (host[0] ?? '') : host)}\r\n`;
  for (const name in headers) {
    if (name.charCodeAt(0) === 58 /* ':' */ || name === 'host' || HOP_BY_HOP.has(name)) continue;
    // Expect was answered by node's server; the body framing fields are ours (below).
    if (name === 'expect' || name === 'content-length') continue;
    const value = headers[name];
    if (value === undefined) continue;
    if (typeof value === 'string') text += `${name}: ${checked(value)}\r\n`;
    else for (const item of value) text += `${name}: ${checked(item)}\r\n`;
  }
  const length = headers['content-length'];
  if (!hasBody) {
    // undici's rule: an empty POST/PUT/PATCH still says content-length: 0 (servers may answer 411).
    const empty = length !== undefined || method === 'POST' || method === 'PUT' || method === 'PATCH';
    return { text: empty ? `${text}content-length: 0\r\n\r\n` : `${text}\r\n`, framing: 'none' };
  }
  if (typeof length === 'string' && /^\d+$/.test(length)) {
    return { text: `${text}content-length: ${length}\r\n\r\n`, framing: 'length' };
  }
  return { text: `${text}transfer-encoding: chunked\r\n\r\n`, framing: 'chunked' };
}

function checked(value: string): string {
  if (UNSAFE_VALUE.test(value)) throw new ProxyError('UpstreamError', 'invalid request header value');
  return value;
}

/** How the response body is delimited (RFC 9112 section 6.3). */
export type Framing = 'none' | 'length' | 'chunked' | 'close';

export interface ResponseHead {
  readonly status: number;
  /** Flat [name, value, ...] with lower-case names, in arrival order. */
  readonly fields: string[];
  readonly framing: Framing;
  /** Content-Length when framing is 'length'. */
  readonly length: number;
  /** The connection may carry another request after this response (HTTP/1.1, no `close`). */
  readonly keepAlive: boolean;
  /** Keep-Alive: timeout=N from the upstream, in ms; 0 when absent. */
  readonly keepAliveHintMs: number;
}

const bad = (why: string): ProxyError => new ProxyError('BadResponse', `invalid upstream response: ${why}`);

/** `HTTP/1.x SSS[ reason]`: returns the status code, or -1. */
function statusCode(line: string): number {
  if (!line.startsWith('HTTP/1.') || line.charCodeAt(8) !== 32 /* ' ' */) return -1;
  const minor = line.charCodeAt(7);
  if (minor !== 48 && minor !== 49) return -1;
  let code = 0;
  for (let i = 9; i < 12; i++) {
    const digit = line.charCodeAt(i) - 48;
    if (!(digit >= 0 && digit <= 9)) return -1;
    code = code * 10 + digit;
  }
  return line.length === 12 || line.charCodeAt(12) === 32 ? code : -1;
}

/**
 * Parses a head (without its final CRLF CRLF). headRequest: a HEAD request's response has no
 * body whatever it announces. Throws BadResponse for anything a smuggling-safe proxy must refuse:
 * obsolete line folding, a field without a colon, Content-Length together with
 * Transfer-Encoding, conflicting or malformed lengths (RFC 9112 sections 5.2, 6.1, 6.3).
 */
export function parseResponseHead(head: string, headRequest: boolean): ResponseHead {
  let lineEnd = head.indexOf('\r\n');
  if (lineEnd < 0) lineEnd = head.length;
  const code = statusCode(head.slice(0, lineEnd));
  if (code < 0) throw bad('status line');
  const fields: string[] = [];
  let connection = '';
  let length = -1;
  let transferEncoding: string | null = null;
  let hint = 0;
  while (lineEnd < head.length) {
    const start = lineEnd + 2;
    lineEnd = head.indexOf('\r\n', start);
    if (lineEnd < 0) lineEnd = head.length;
    const colon = head.indexOf(':', start);
    const first = head.charCodeAt(start);
    if (colon <= start || colon > lineEnd || first === 32 || first === 9) throw bad('header line');
    const name = head.slice(start, colon).toLowerCase();
    const value = head.slice(colon + 1, lineEnd).trim();
    fields.push(name, value);
    if (name === 'content-length') length = contentLength(value, length);
    else if (name === 'transfer-encoding')
      transferEncoding = transferEncoding === null ? value : `${transferEncoding}, ${value}`;
    else if (name === 'connection') connection = connection === '' ? value : `${connection}, ${value}`;
    else if (name === 'keep-alive') hint = keepAliveHint(value);
  }
  if (transferEncoding !== null && length >= 0) throw bad('both Content-Length and Transfer-Encoding');
  const http11 = head.charCodeAt(7) === 49;
  const framing = framingOf(code, headRequest, transferEncoding, length);
  const keepAlive = http11 && framing !== 'close' && !hasToken(connection, 'close');
  return { status: code, fields, framing, length, keepAlive, keepAliveHintMs: hint };
}

function framingOf(code: number, headRequest: boolean, te: string | null, length: number): Framing {
  if (headRequest || code < 200 || code === 204 || code === 304) return 'none';
  if (te !== null) return /(?:^|,)\s*chunked\s*$/i.test(te) ? 'chunked' : 'close';
  return length >= 0 ? 'length' : 'close';
}

/** Digits only; a repeated field (or list) must repeat the same value (RFC 9110 section 8.6). */
function contentLength(value: string, previous: number): number {
  if (previous < 0 && value.length <= 15 && isDigits(value)) return Number(value);
  let result = previous;
  for (const part of value.split(',')) {
    const digits = part.trim();
    if (!/^\d{1,15}$/.test(digits)) throw bad('Content-Length');
    const n = Number(digits);
    if (result >= 0 && result !== n) throw bad('conflicting Content-Length');
    result = n;
  }
  return result;
}

function isDigits(value: string): boolean {
  if (value === '') return false;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

function keepAliveHint(value: string): number {
  const match = /(?:^|[\s,])timeout=(\d+)/i.exec(value);
  return match === null ? 0 : Number(match[1]) * 1000;
}

export function hasToken(list: string, token: string): boolean {
  if (list === '' || list === 'keep-alive') return false;
  if (list === token) return true;
  for (const part of list.split(',')) if (part.trim().toLowerCase() === token) return true;
  return false;
}

/** A chunked body's trailer section as a flat [name, value, ...] list, null when empty. */
export function trailerFields(section: string): string[] | null {
  if (section === '') return null;
  const fields: string[] = [];
  for (const line of section.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) fields.push(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return fields;
}
