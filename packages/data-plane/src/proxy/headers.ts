/**
 * Header hygiene at the proxy boundary. Request headers arrive computed by the HTTP pipeline;
 * here we only drop what undici (the gRPC pools) refuses to send; h1/head.ts writes the HTTP/1.1
 * request head itself with the same HOP_BY_HOP set. Response headers lose their hop-by-hop fields
 * (RFC 9110 section 7.6.1) before reaching the client: they describe the upstream connection, and
 * HTTP/2 forbids them outright (RFC 9113 section 8.2.2; node's http2 compat API throws on them).
 */
import type { IncomingHttpHeaders } from 'node:http';

export type RequestHeaders = Record<string, string | string[]>;

/** Never forwarded in either direction. */
export const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
]);

/**
 * nginx's proxy_hide_header defaults: X-Accel-* instruct nginx itself and X-Pad is an old
 * Apache workaround; neither is meant for the client.
 */
function hiddenByNginx(name: string): boolean {
  return name === 'x-pad' || name.startsWith('x-accel-');
}

/**
 * Headers for undici: no pseudo-headers, no hop-by-hop (undici throws on them), no Expect
 * (node's server already answered 100-continue), a single string Host. gRPC requires
 * `te: trailers` (gRPC over HTTP/2 spec), which nginx's grpc_pass always sends.
 */
export function upstreamRequestHeaders(
  headers: RequestHeaders,
  fallbackHost: string | undefined,
  grpc: boolean,
): RequestHeaders {
  const out: RequestHeaders = {};
  for (const name of Object.keys(headers)) {
    const lower = name.toLowerCase();
    if (lower.charCodeAt(0) === 58 /* ':' */ || HOP_BY_HOP.has(lower) || lower === 'expect') continue;
    const value = headers[name];
    if (value === undefined) continue;
    if (lower === 'host') {
      out.host = Array.isArray(value) ? (value[0] ?? '') : value;
      continue;
    }
    out[lower] = value;
  }
  if (out.host === undefined && fallbackHost !== undefined) out.host = fallbackHost;
  if (grpc) out.te = 'trailers';
  return out;
}

/** Tokens of the Connection header name more hop-by-hop fields (RFC 9110 section 7.6.1). */
function connectionTokens(fields: readonly string[]): Set<string> | null {
  let tokens: Set<string> | null = null;
  for (let i = 0; i < fields.length; i += 2) {
    if (fields[i] !== 'connection') continue;
    const value = fields[i + 1] as string;
    // The usual values name nothing beyond the standard hop-by-hop set: no set to build.
    if (value === 'keep-alive' || value === 'close') continue;
    for (const token of value.split(',')) {
      const name = token.trim().toLowerCase();
      if (name === '') continue;
      tokens ??= new Set();
      tokens.add(name);
    }
  }
  return tokens;
}

/**
 * Response fields safe for both node:http and the http2 compat API, as the flat
 * [name, value, ...] list writeHead takes without building a header object. Repeated fields
 * (Set-Cookie) stay separate lines, never joined (RFC 6265 section 3). Names are lower case.
 */
export function clientResponseFields(fields: readonly string[]): string[] {
  const listed = connectionTokens(fields);
  const out: string[] = [];
  for (let i = 0; i < fields.length; i += 2) {
    const name = fields[i] as string;
    if (HOP_BY_HOP.has(name) || hiddenByNginx(name) || listed?.has(name) === true) continue;
    if (name.charCodeAt(0) === 58 /* ':' */) continue;
    out.push(name, fields[i + 1] as string);
  }
  return out;
}

/** The same for a header object (undici, node:http's IncomingMessage.headers). */
export function clientResponseHeaders(headers: IncomingHttpHeaders): string[] {
  return clientResponseFields(flatten(headers));
}

function flatten(headers: IncomingHttpHeaders): string[] {
  const fields: string[] = [];
  for (const name of Object.keys(headers)) {
    const value = headers[name];
    if (value === undefined) continue;
    if (typeof value === 'string') fields.push(name, value);
    else for (const item of value) fields.push(name, item);
  }
  return fields;
}

/** Trailers minus anything an HTTP/2 trailer field may not carry; repeated fields joined. */
export function clientTrailers(
  trailers: IncomingHttpHeaders | readonly string[] | null,
): Record<string, string> | null {
  if (trailers === null) return null;
  const fields = Array.isArray(trailers) ? trailers : flatten(trailers as IncomingHttpHeaders);
  let out: Record<string, string> | null = null;
  for (let i = 0; i < fields.length; i += 2) {
    const name = fields[i] as string;
    if (HOP_BY_HOP.has(name) || name.charCodeAt(0) === 58) continue;
    out ??= {};
    const previous = out[name];
    out[name] = previous === undefined ? (fields[i + 1] as string) : `${previous}, ${fields[i + 1]}`;
  }
  return out;
}
