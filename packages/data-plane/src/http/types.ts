/**
 * The shapes the request pipeline depends on: the proxy's contract (re-exported from proxy/,
 * which owns it) and RequestMetrics, the one method of the metrics instruments we call.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import type { RoutingTable } from '@portcullis/config-model';
import type { RequestHeaders, UpstreamGeneration } from '../proxy/index.ts';

export type { ForwardHooks, ForwardTarget, UpstreamAttempt, UpstreamGeneration } from '../proxy/index.ts';
export type HttpRequest = IncomingMessage | Http2ServerRequest;
export type HttpResponse = ServerResponse | Http2ServerResponse;
export type UpstreamHeaders = RequestHeaders;

/** One finished request, with ingress-nginx's metric label names (seconds and bytes). */
export interface RequestObservation {
  readonly method: string;
  readonly status: number;
  /** The request's host ($host); metrics map it to the server that answered, `_` when none. */
  readonly host: string;
  /** The matched route's path (the Ingress path, never the request URI), '' when none. */
  readonly path: string;
  readonly namespace: string;
  readonly ingress: string;
  readonly service: string;
  /** $request_length: request line, headers and body. */
  readonly requestSize: number;
  /** $bytes_sent: status line, headers and body. */
  readonly responseSize: number;
  /** $request_time. */
  readonly requestDuration: number;
  /** $upstream_response_time; null when the request was answered locally (redirect, 404...). */
  readonly upstreamDuration: number | null;
}

export interface RequestMetrics {
  observe(observation: RequestObservation): void;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type Log = (level: LogLevel, msg: string, fields: Record<string, unknown>) => void;

export interface HandlerDeps {
  readonly current: () => { readonly table: RoutingTable; readonly upstreams: UpstreamGeneration };
  readonly scheme: 'http' | 'https';
  readonly metrics?: RequestMetrics;
  readonly log?: Log;
  /**
   * The HTTPS listener's port (ingress-nginx --https-port, default 443): use-port-in-redirects
   * and www redirects put it in Location, and X-Forwarded-Port reports 443 for it.
   */
  readonly httpsPort?: number;
}
