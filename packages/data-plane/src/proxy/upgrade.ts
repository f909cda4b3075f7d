/**
 * WebSocket (HTTP/1.1 Upgrade, RFC 6455 section 4) through the proxy: a dedicated connection per
 * upgrade (an upgraded socket never returns to a keep-alive pool), the upstream's 101 relayed
 * verbatim, then both sockets spliced with backpressure. A non-101 answer is relayed as a plain
 * response and the client connection closed. As with nginx, proxy-read-timeout is the idle limit
 * of the tunnel (operators raise it for long-lived WebSockets).
 */
import { type ClientRequest, request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { ProxyContext } from './context.ts';
import type { EndpointSpec } from './endpoint.ts';
import { classifyError, ProxyError, type UpstreamErrorCode } from './errors.ts';
import { clientResponseHeaders, type RequestHeaders, upstreamRequestHeaders } from './headers.ts';
import { report, writeRawError } from './reply.ts';
import type { ForwardHooks, ForwardTarget } from './types.ts';

export function proxyUpgrade(
  ctx: ProxyContext,
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  target: ForwardTarget,
  headers: RequestHeaders,
  hooks: ForwardHooks | undefined,
): void {
  socket.on('error', () => socket.destroy());
  const endpoint = ctx.balancer(target.backend, target.upstream).pick(null);
  if (endpoint === null) {
    report(hooks, { endpoint: null, status: 503, upstreamDurationMs: 0, error: 'NoEndpoints' });
    writeRawError(socket, 503);
    return;
  }
  const startedAt = performance.now();
  let settled = false;
  const finish = (status: number, error?: UpstreamErrorCode): void => {
    if (settled) return;
    settled = true;
    const upstreamDurationMs = performance.now() - startedAt;
    const label = endpoint.label;
    report(
      hooks,
      error === undefined
        ? { endpoint: label, status, upstreamDurationMs }
        : { endpoint: label, status, upstreamDurationMs, error },
    );
  };

  const upstream = openUpstream(req, endpoint, headers);
  const timer = setTimeout(
    () => upstream.destroy(new ProxyError('ReadTimeout', 'no upgrade response')),
    endpoint.timeouts.connectTimeoutMs + endpoint.timeouts.readTimeoutMs,
  );
  socket.once('close', () => upstream.destroy());

  upstream.once('upgrade', (response: IncomingMessage, upstreamSocket: Socket, upstreamHead: Buffer) => {
    clearTimeout(timer);
    socket.write(rawHead(response, false));
    if (upstreamHead.length > 0) socket.write(upstreamHead);
    if (head.length > 0) upstreamSocket.write(head);
    splice(socket, upstreamSocket, endpoint.timeouts.readTimeoutMs, () => finish(101));
  });
  upstream.once('response', (response: IncomingMessage) => {
    clearTimeout(timer);
    socket.write(rawHead(response, true));
    response.pipe(socket);
    response.once('end', () => finish(response.statusCode ?? 502));
  });
  upstream.once('error', (error: Error) => {
    clearTimeout(timer);
    const failure = classifyError(error);
    if (failure.connectPhase) ctx.cooldowns.mark(endpoint.key, ctx.options.failCooldownMs);
    finish(socket.destroyed ? 499 : failure.status, socket.destroyed ? 'ClientAborted' : failure.code);
    writeRawError(socket, failure.status);
  });
}

function openUpstream(req: IncomingMessage, endpoint: EndpointSpec, headers: RequestHeaders): ClientRequest {
  const outgoing = upstreamRequestHeaders(headers, undefined, false);
  // Connection/Upgrade are hop-by-hop, removed by the pipeline; an upgrade must resend them.
  outgoing.connection = 'upgrade';
  outgoing.upgrade = req.headers.upgrade ?? 'websocket';
  const options = {
    host: endpoint.host,
    port: endpoint.port,
    method: req.method ?? 'GET',
    path: req.url ?? '/',
    headers: outgoing,
    agent: false as const,
    timeout: endpoint.timeouts.connectTimeoutMs,
  };
  const secure = endpoint.tls !== null;
  const upstream = secure ? httpsRequest({ ...endpoint.tls, ...options }) : httpRequest(options);
  // node's `timeout` is socket inactivity; until the handshake it bounds the connect (proxy-connect-timeout).
  upstream.once('timeout', () => upstream.destroy(new ProxyError('ConnectTimeout', 'connect timed out')));
  upstream.once('socket', (socket: Socket) => {
    socket.once(secure ? 'secureConnect' : 'connect', () => upstream.setTimeout(0));
  });
  upstream.end();
  return upstream;
}

/** The upstream's status line and headers; hop-by-hop fields kept only for the 101 itself. */
function rawHead(response: IncomingMessage, plain: boolean): string {
  let head = `HTTP/1.1 ${response.statusCode} ${response.statusMessage ?? ''}\r\n`;
  if (plain) {
    const fields = clientResponseHeaders(response.headers);
    for (let i = 0; i < fields.length; i += 2) head += `${fields[i]}: ${fields[i + 1]}\r\n`;
    return `${head}connection: close\r\n\r\n`;
  }
  const raw = response.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) head += `${raw[i]}: ${raw[i + 1]}\r\n`;
  return `${head}\r\n`;
}

/** Copy both ways (pipe pauses the source while the destination is full); either end closes both. */
function splice(client: Duplex, upstream: Socket, idleMs: number, onClose: () => void): void {
  upstream.setNoDelay(true);
  upstream.setTimeout(idleMs, () => upstream.destroy());
  const close = (): void => {
    client.destroy();
    upstream.destroy();
    onClose();
  };
  upstream.on('error', close);
  upstream.once('close', close);
  client.once('close', close);
  client.pipe(upstream);
  upstream.pipe(client);
}
