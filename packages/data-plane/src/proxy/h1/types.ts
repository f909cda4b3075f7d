/** The contract between the HTTP/1.1 upstream client and the request it carries (forward.ts). */
import type { RequestHeaders } from '../headers.ts';

/** What a request may do to its upstream exchange while it runs. */
export interface UpstreamController {
  abort(reason: Error): void;
  pause(): void;
  resume(): void;
}

export interface Http1Request {
  readonly method: string;
  readonly path: string;
  /** Computed upstream headers; pseudo and hop-by-hop fields are skipped when writing. */
  readonly headers: RequestHeaders;
  /** Host to send when the headers carry none (an HTTP/2 request's :authority). */
  readonly host: string | undefined;
  /** The request body, streamed with backpressure; null when the request has none. */
  readonly body: NodeJS.ReadableStream | null;
}

/** Callbacks in undici's DispatchHandler order, with the response head as a flat field list. */
export interface Http1Handler {
  onRequestStart(controller: UpstreamController): void;
  onBodySent(): void;
  onRequestSent(): void;
  /** fields: [name, value, ...], names lower-cased, as received (hop-by-hop fields included). */
  onResponseHead(controller: UpstreamController, status: number, fields: string[]): void;
  onResponseData(controller: UpstreamController, chunk: Buffer): void;
  /**
   * trailers: the chunked body's trailer fields, flat like `fields`, or null. last: the final
   * body chunk when it arrived in the same read as the end, so head, body and end can leave in
   * one write (null otherwise: every byte went through onResponseData).
   */
  onResponseEnd(controller: UpstreamController, trailers: string[] | null, last: Buffer | null): void;
  onResponseError(controller: UpstreamController | null, error: Error): void;
}
