/**
 * The request handler both listeners share (node:http on port 80; the http2 secure server's
 * HTTP/1.1 and HTTP/2 compat requests on 443). Each request reads the current generation ONCE
 * and uses that table and those upstream pools to the end, whatever swaps happen meanwhile.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { RoutingTable } from '@portcullis/config-model';
import type { ConnectionFacts } from './client.ts';
import { type Decision, decide } from './decide.ts';
import { enforceHsts } from './hsts.ts';
import { type Observer, observe } from './observe.ts';
import { sendReply, sendReplyOnSocket } from './responses.ts';
import type { HandlerDeps, HttpRequest, HttpResponse } from './types.ts';
import { requestId } from './upstream-headers.ts';

export interface RequestHandler {
  onRequest(req: HttpRequest, res: HttpResponse): void;
  /** node:http 'upgrade' (WebSocket over HTTP/1.1); the socket is the raw connection. */
  onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
}

export function createRequestHandler(deps: HandlerDeps): RequestHandler {
  const connection = (req: HttpRequest): ConnectionFacts => ({
    scheme: deps.scheme,
    peer: req.socket?.remoteAddress,
    localPort: req.socket?.localPort,
    // Read per request: with --https-port=0 the port is known only once the listener is bound.
    httpsPort: deps.httpsPort ?? 443,
  });

  /** decide() for this request; a bug in deciding costs one 500, not the process (as nginx). */
  const route = (table: RoutingTable, req: HttpRequest, requestId: string, upgrade: boolean): Decision => {
    try {
      const request = { url: req.url ?? '/', headers: req.headers, socket: req.socket, requestId, upgrade };
      return decide(table, connection(req), request);
    } catch (error) {
      deps.log?.('error', 'request routing failed', { error: String(error) });
      return ROUTING_FAILED;
    }
  };

  const onRequest = (req: HttpRequest, res: HttpResponse): void => {
    const gen = deps.current();
    const hsts = deps.scheme === 'https' ? gen.table.hsts.header : null;
    if (hsts !== null) enforceHsts(res, hsts);
    const observer = deps.metrics === undefined ? undefined : observe(req, res, deps.metrics);
    const id = requestId(req.headers);
    const decision = route(gen.table, req, id, false);
    if (observer !== undefined) observer.labels = decision.labels;
    if (decision.kind === 'reply') {
      sendReply(res, decision.reply, req.method === 'HEAD', hsts);
      return;
    }
    forward(deps, gen.upstreams, req, res, decision, id, observer);
  };

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const gen = deps.current();
    const hsts = deps.scheme === 'https' ? gen.table.hsts.header : null;
    const id = requestId(req.headers);
    const decision = route(gen.table, req, id, true);
    if (decision.kind === 'reply') {
      sendReplyOnSocket(socket, decision.reply, hsts);
      return;
    }
    try {
      gen.upstreams.upgrade(req, socket, head, decision.target, decision.headers);
    } catch (error) {
      deps.log?.('error', 'upgrade failed', { requestId: id, error: String(error) });
      sendReplyOnSocket(socket, { status: 500, close: true }, hsts);
    }
  };

  return { onRequest, onUpgrade };
}

/** Shared by every failed decision, so frozen: nothing downstream may change it. */
const ROUTING_FAILED: Decision = Object.freeze({
  kind: 'reply',
  reply: Object.freeze({ status: 500, close: true }),
  labels: Object.freeze({ host: '', path: '', namespace: '', ingress: '', service: '' }),
});

function forward(
  deps: HandlerDeps,
  upstreams: ReturnType<HandlerDeps['current']>['upstreams'],
  req: HttpRequest,
  res: HttpResponse,
  decision: Extract<Decision, { kind: 'forward' }>,
  id: string,
  observer: Observer | undefined,
): void {
  try {
    upstreams.forward(req, res, decision.target, decision.headers, observer?.hooks);
  } catch (error) {
    deps.log?.('error', 'forward failed', { requestId: id, error: String(error) });
    if (!res.headersSent) sendReply(res, { status: 500, close: true }, req.method === 'HEAD', null);
    else res.destroy();
  }
}
