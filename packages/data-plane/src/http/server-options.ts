/**
 * node:http hardening for the listeners, with nginx's (ingress-nginx's) limits as defaults:
 * - client-header-timeout 60s -> headersTimeout: a client that has not finished its headers
 *   gets 408 and the connection is closed (slowloris);
 * - keep-alive 75s -> keepAliveTimeout (idle time between requests on one connection);
 * - large-client-header-buffers "4 8k" -> maxHeaderSize 32 KiB for the whole head (node counts
 *   the total; nginx limits each line to 8k within four buffers);
 * - requestTimeout 0: nginx has no deadline for a whole request body (client-body-timeout is
 *   between two reads, which the proxy's body streaming enforces); a total deadline would cut
 *   off slow but legitimate uploads that ingress-nginx accepts. Set it to cap them anyway.
 * Node's parser (llhttp, strict mode) already answers 400 to a request with both
 * Content-Length and Transfer-Encoding (RFC 9112 §6.1, request smuggling), to obs-fold and to
 * bad header characters, as long as insecureHTTPParser stays false; it is pinned false here.
 */
import type { Server, ServerOptions } from 'node:http';

export interface HttpServerSettings {
  readonly headersTimeoutMs?: number;
  readonly requestTimeoutMs?: number;
  readonly keepAliveTimeoutMs?: number;
  readonly maxHeaderSize?: number;
  /** How often node checks connections for the timeouts above (node's default is 30 s). */
  readonly checkIntervalMs?: number;
}

export const httpServerDefaults = {
  headersTimeoutMs: 60_000,
  requestTimeoutMs: 0,
  keepAliveTimeoutMs: 75_000,
  maxHeaderSize: 32 * 1024,
  checkIntervalMs: 1_000,
} as const satisfies Required<HttpServerSettings>;

/** Options for http.createServer (and the http2 secure server's HTTP/1 fallback, see below). */
export function httpServerOptions(settings: HttpServerSettings = {}): ServerOptions {
  const s = { ...httpServerDefaults, ...settings };
  if (s.requestTimeoutMs > 0 && s.headersTimeoutMs > s.requestTimeoutMs) {
    throw new RangeError('headersTimeoutMs must not exceed requestTimeoutMs');
  }
  return {
    headersTimeout: s.headersTimeoutMs,
    requestTimeout: s.requestTimeoutMs,
    keepAliveTimeout: s.keepAliveTimeoutMs,
    maxHeaderSize: s.maxHeaderSize,
    connectionsCheckingInterval: s.checkIntervalMs,
    insecureHTTPParser: false,
    // RFC 9112 §3.2: an HTTP/1.1 request without Host is a 400, as in nginx.
    requireHostHeader: true,
  };
}

type TimeoutProperties = Pick<Server, 'headersTimeout' | 'requestTimeout' | 'keepAliveTimeout'> & {
  connectionsCheckingInterval?: number;
};

/**
 * The same limits as properties, for servers whose constructor does not take them: node's http2
 * secure server handles allowHTTP1 connections with the node:http machinery, which reads these
 * properties from the server object, and gives them its own defaults otherwise (a 300 s limit on
 * a whole request, 5 s keep-alive). Call before listen(): the check interval is read then.
 */
export function applyHttpServerSettings(server: TimeoutProperties, settings: HttpServerSettings = {}): void {
  const s = { ...httpServerDefaults, ...settings };
  server.headersTimeout = s.headersTimeoutMs;
  server.requestTimeout = s.requestTimeoutMs;
  server.keepAliveTimeout = s.keepAliveTimeoutMs;
  server.connectionsCheckingInterval = s.checkIntervalMs;
}

/**
 * client-header-timeout from the ConfigMap (seconds), else the listener's configured value. node
 * reads headersTimeout at every connection check, so a change applies to waiting clients too.
 */
export function applyHeaderTimeout(
  server: Pick<Server, 'headersTimeout' | 'requestTimeout'>,
  configMapSeconds: number | null,
  settings: HttpServerSettings = {},
): void {
  const fallback = settings.headersTimeoutMs ?? httpServerDefaults.headersTimeoutMs;
  const ms = configMapSeconds === null ? fallback : configMapSeconds * 1000;
  // node refuses a header deadline past the whole-request one; the latter wins when set.
  server.headersTimeout = server.requestTimeout > 0 ? Math.min(ms, server.requestTimeout) : ms;
}
