/** The per-table face of the pools: what the HTTP pipeline calls for one request. */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ProxyContext } from './context.ts';
import { forwardRequest } from './forward.ts';
import type { RequestHeaders } from './headers.ts';
import type { ForwardHooks, ForwardTarget, ProxyRequest, ProxyResponse } from './types.ts';
import { proxyUpgrade } from './upgrade.ts';

export interface UpstreamGeneration {
  /**
   * Proxies the request to one endpoint of target.backend (round robin), streaming both ways;
   * writes the response, or a 502/503/504 page, to res. Never throws.
   */
  forward(
    req: ProxyRequest,
    res: ProxyResponse,
    target: ForwardTarget,
    headers: RequestHeaders,
    hooks?: ForwardHooks,
  ): void;
  /** HTTP/1.1 Upgrade (WebSocket): relays the handshake, then splices the sockets. Never throws. */
  upgrade(
    req: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    target: ForwardTarget,
    headers: RequestHeaders,
    hooks?: ForwardHooks,
  ): void;
}

export class Generation implements UpstreamGeneration {
  readonly #context: ProxyContext;

  constructor(context: ProxyContext) {
    this.#context = context;
  }

  forward(
    req: ProxyRequest,
    res: ProxyResponse,
    target: ForwardTarget,
    headers: RequestHeaders,
    hooks?: ForwardHooks,
  ): void {
    forwardRequest(this.#context, req, res, target, headers, hooks);
  }

  upgrade(
    req: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    target: ForwardTarget,
    headers: RequestHeaders,
    hooks?: ForwardHooks,
  ): void {
    proxyUpgrade(this.#context, req, socket, head, target, headers, hooks);
  }
}
