/**
 * Fixtures for the proxy tests: minimal routing tables, a node:http (and h2c) front server that
 * calls forward()/upgrade() like the HTTP pipeline does, backends on 127.0.0.1:0, a private CA
 * made with openssl at test time, and a keep-alive HTTP client.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import {
  Agent,
  createServer,
  type IncomingMessage,
  request,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createH2cServer, type Http2Server } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type {
  BackendProtocol,
  ProxySsl,
  ProxyTimeouts,
  Route,
  RoutingTable,
  ServiceBackend,
  UpstreamPolicy,
} from '@portcullis/config-model';
import type {
  ForwardHooks,
  ForwardTarget,
  ProxyRequest,
  ProxyResponse,
  UpstreamGeneration,
} from '../src/proxy/index.ts';

const run = promisify(execFile);

const unsetTimeouts: ProxyTimeouts = { connect: null, read: null, send: null };

export function target(
  endpoints: ReadonlyArray<readonly [string, number]>,
  protocol: BackendProtocol = 'HTTP',
  proxySsl: ProxySsl | null = null,
  externalName = false,
  timeouts: ProxyTimeouts = unsetTimeouts,
): ForwardTarget {
  const backend: ServiceBackend = {
    type: 'service',
    namespace: 'default',
    service: 'app',
    port: 80,
    endpoints: endpoints.map(([address, port]) => ({ address, port })),
    externalName,
  };
  const upstream: UpstreamPolicy = { protocol, proxySsl, timeouts };
  const route = {
    path: '/',
    pathType: 'Prefix',
    ingress: { namespace: 'default', name: 'app' },
    backend,
    upstream,
    redirect: {
      sslRedirect: false,
      forceSslRedirect: false,
      preserveTrailingSlash: false,
      usePortInRedirects: false,
    },
    fixedRedirect: null,
    denied: null,
  } satisfies Route;
  return { backend, upstream, route };
}

/** Only what UpstreamPools.prepare reads: servers and the catch-all. */
export function table(...targets: ForwardTarget[]): RoutingTable {
  const server = {
    host: 'example.com',
    tls: null,
    routes: targets.map((t) => t.route),
    fallback: { type: 'default' },
  };
  const catchAll = { host: '_', tls: null, routes: [], fallback: { type: 'default' } };
  const http = { proxyTimeouts: unsetTimeouts };
  return { servers: { 'example.com': server }, catchAll, http } as unknown as RoutingTable;
}

const HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'te',
  'transfer-encoding',
  'upgrade',
  'trailer',
]);

/** What the HTTP pipeline computes: hop-by-hop removed, X-Forwarded-For added, Host kept. */
export function forwardedHeaders(req: ProxyRequest): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || HOP.has(name) || name.startsWith(':')) continue;
    out[name] = value;
  }
  out['x-forwarded-for'] = req.socket.remoteAddress ?? '';
  return out;
}

export interface Front {
  readonly port: number;
  setGeneration(generation: UpstreamGeneration, target: ForwardTarget): void;
  close(): Promise<void>;
}

/** A front server (HTTP/1.1, or h2c for HTTP/2 clients) calling forward() per request. */
export async function startFront(
  generation: UpstreamGeneration,
  initial: ForwardTarget,
  options: { http2?: boolean; hooks?: ForwardHooks } = {},
): Promise<Front> {
  let current = { generation, target: initial };
  const onRequest = (req: ProxyRequest, res: ProxyResponse): void => {
    const { generation: gen, target: t } = current;
    gen.forward(req, res, t, forwardedHeaders(req), options.hooks);
  };
  const server: Server | Http2Server =
    options.http2 === true ? createH2cServer(onRequest) : createServer(onRequest);
  if (options.http2 !== true) {
    (server as Server).on('upgrade', (req: IncomingMessage, socket, head: Buffer) => {
      current.generation.upgrade(req, socket, head, current.target, forwardedHeaders(req), options.hooks);
    });
  }
  const port = await listen(server);
  return {
    port,
    setGeneration(g, t) {
      current = { generation: g, target: t };
    },
    close: () => closeServer(server),
  };
}

export async function listen(server: Server | Http2Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

export function closeServer(server: {
  close(cb: () => void): unknown;
  closeAllConnections?: () => void;
}): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections?.();
  });
}

/** An HTTP/1.1 backend; `sockets` counts the TCP connections it accepted. */
export async function startBackend(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<{ server: Server; port: number; sockets: () => number }> {
  const server = createServer(handler);
  let sockets = 0;
  server.on('connection', () => {
    sockets++;
  });
  const port = await listen(server);
  return { server, port, sockets: () => sockets };
}

export interface Reply {
  readonly status: number;
  readonly headers: IncomingMessage['headers'];
  readonly rawHeaders: string[];
  readonly body: string;
}

export const keepAlive = new Agent({ keepAlive: true, maxSockets: 1 });

export function get(
  port: number,
  path = '/',
  headers: Record<string, string> = {},
  method = 'GET',
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, headers, agent: keepAlive }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          rawHeaders: res.rawHeaders,
          body: Buffer.concat(chunks).toString(),
        }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

export interface Pki {
  readonly caPem: string;
  readonly otherCaPem: string;
  readonly serverKey: string;
  readonly serverCert: string;
  readonly clientKey: string;
  readonly clientCert: string;
}

/** A CA, a server certificate for backend.test + 127.0.0.1, a client certificate, and an unrelated CA. */
export async function makePki(): Promise<Pki> {
  const dir = await mkdtemp(join(tmpdir(), 'portcullis-proxy-'));
  const path = (name: string): string => join(dir, name);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1'];
  try {
    for (const ca of ['ca', 'other']) {
      await run('openssl', [
        'req',
        '-x509',
        ...ec,
        '-subj',
        `/CN=${ca} test CA`,
        '-keyout',
        path(`${ca}.key`),
        '-out',
        path(`${ca}.crt`),
      ]);
    }
    const leaf = async (name: string, subject: string, ext: string): Promise<void> => {
      await run('openssl', [
        'req',
        '-x509',
        ...ec,
        '-subj',
        subject,
        '-addext',
        ext,
        '-addext',
        'basicConstraints=CA:FALSE',
        '-CA',
        path('ca.crt'),
        '-CAkey',
        path('ca.key'),
        '-keyout',
        path(`${name}.key`),
        '-out',
        path(`${name}.crt`),
      ]);
    };
    await leaf('server', '/CN=backend.test', 'subjectAltName=DNS:backend.test,IP:127.0.0.1');
    await leaf('client', '/CN=portcullis', 'extendedKeyUsage=clientAuth');
    const read = (name: string): Promise<string> => readFile(path(name), 'utf8');
    return {
      caPem: await read('ca.crt'),
      otherCaPem: await read('other.crt'),
      serverKey: await read('server.key'),
      serverCert: await read('server.crt'),
      clientKey: await read('client.key'),
      clientCert: await read('client.crt'),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
