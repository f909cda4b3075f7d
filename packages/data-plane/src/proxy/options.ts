/**
 * Proxy timeouts and limits. Defaults are ingress-nginx's ConfigMap defaults so an operator moving
 * off it sees the same behaviour; tests pass small values.
 */
export interface ProxyOptions {
  /** proxy-connect-timeout (5s): TCP connect plus TLS handshake to one endpoint. */
  readonly connectTimeoutMs: number;
  /** proxy-read-timeout (60s): wait for response headers, and between two response body reads. */
  readonly readTimeoutMs: number;
  /** proxy-send-timeout (60s): longest stall while sending the request body upstream. */
  readonly sendTimeoutMs: number;
  /** upstream-keepalive-timeout (60s): idle keep-alive connections are closed after this. */
  readonly keepAliveTimeoutMs: number;
  /**
   * proxy-next-upstream-tries (3): attempts for a request whose connection could not be set up
   * (proxy-next-upstream "error timeout"). Only requests without a body are retried, because the
   * body is streamed, not buffered (ingress-nginx buffers it: proxy-request-buffering on).
   */
  readonly nextUpstreamTries: number;
  /** How long an endpoint that failed to connect is skipped by the balancer (nginx fail_timeout 10s). */
  readonly failCooldownMs: number;
}

export const defaultProxyOptions: ProxyOptions = Object.freeze({
  connectTimeoutMs: 5_000,
  readTimeoutMs: 60_000,
  sendTimeoutMs: 60_000,
  keepAliveTimeoutMs: 60_000,
  nextUpstreamTries: 3,
  failCooldownMs: 10_000,
});

export function resolveProxyOptions(options: Partial<ProxyOptions> = {}): ProxyOptions {
  return { ...defaultProxyOptions, ...options };
}
