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
  readonly host: string;
  /** The matched route's path (ingress-nginx's `path` label), '' when nothing matched. */
  readonly path: string;
  readonly namespace: string;
  readonly ingress: string;
  readonly service: string;
  readonly requestSize: number;
  readonly responseSize: number;
  readonly requestDuration: number;
  /** null when the request was answered locally (redirect, 404, 503...). */
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
