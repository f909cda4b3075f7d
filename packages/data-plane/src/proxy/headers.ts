/**
 * Header hygiene at the proxy boundary. Request headers arrive computed by the HTTP pipeline;
 * here we only drop what undici refuses to send. Response headers lose their hop-by-hop fields
 * (RFC 9110 section 7.6.1) before reaching the client: they describe the upstream connection, and
 * HTTP/2 forbids them outright (RFC 9113 section 8.2.2; node's http2 compat API throws on them).
 */
import type { IncomingHttpHeaders } from 'node:http';

export type RequestHeaders = Record<string, string | string[]>;

/** Never forwarded in either direction. */
const HOP_BY_HOP = new Set([
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
function connectionTokens(value: string | string[] | undefined): Set<string> | null {
  if (value === undefined) return null;
  const joined = Array.isArray(value) ? value.join(',') : value;
  const tokens = new Set<string>();
  for (const token of joined.split(',')) {
    const name = token.trim().toLowerCase();
    if (name !== '') tokens.add(name);
  }
  return tokens;
}

/**
 * Response headers safe for both node:http and the http2 compat API. Set-Cookie stays an array,
 * one header line (or HTTP/2 field) per cookie, never joined (RFC 6265 section 3).
 */
export function clientResponseHeaders(headers: IncomingHttpHeaders): Record<string, string | string[]> {
  const listed = connectionTokens(headers.connection);
  const out: Record<string, string | string[]> = {};
  for (const name of Object.keys(headers)) {
    if (HOP_BY_HOP.has(name) || hiddenByNginx(name) || listed?.has(name) === true) continue;
    if (name.charCodeAt(0) === 58 /* ':' */) continue;
    const value = headers[name];
    if (value !== undefined) out[name] = value;
  }
  return out;
}

/** Trailers as undici delivers them, minus anything an HTTP/2 trailer field may not carry. */
export function clientTrailers(trailers: IncomingHttpHeaders): Record<string, string> | null {
  let out: Record<string, string> | null = null;
  for (const name of Object.keys(trailers)) {
    const value = trailers[name];
    if (value === undefined || HOP_BY_HOP.has(name) || name.charCodeAt(0) === 58) continue;
    out ??= {};
    out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}
