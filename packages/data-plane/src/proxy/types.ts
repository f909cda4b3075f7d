/** Shapes shared by forward() and upgrade(): what the HTTP pipeline hands the proxy. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import type { Route, ServiceBackend, UpstreamPolicy } from '@portcullis/config-model';
import type { UpstreamErrorCode } from './errors.ts';

export type ProxyRequest = IncomingMessage | Http2ServerRequest;
export type ProxyResponse = ServerResponse | Http2ServerResponse;

export interface ForwardTarget {
  readonly backend: ServiceBackend;
  readonly upstream: UpstreamPolicy;
  readonly route: Route;
}

/** One upstream attempt, as ingress-nginx logs it (upstream_addr, upstream_status, upstream_response_time). */
export interface UpstreamAttempt {
  /** `address:port`, or null when no endpoint could be chosen (503). */
  readonly endpoint: string | null;
  /** The upstream's status, or the status the proxy answered with (502/503/504, 499 client gone). */
  readonly status: number;
  /** From dispatch to the end of the response body (or the failure). */
  readonly upstreamDurationMs: number;
  readonly error?: UpstreamErrorCode;
}

export interface ForwardHooks {
  /** Called once per attempt: a retried request reports every endpoint it tried. */
  onUpstream?(attempt: UpstreamAttempt): void;
}

/**
 * The calls the proxy makes on a response, typed once: node:http's ServerResponse and the http2
 * compat Http2ServerResponse both provide them, but their union has no callable overloads.
 */
export function sink(res: ProxyResponse): ServerResponse {
  return res as ServerResponse;
}
