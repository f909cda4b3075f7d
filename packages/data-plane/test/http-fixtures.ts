/**
 * Shared fixtures for the request pipeline tests: tables built by config-model's build() from
 * small manifests, a fake UpstreamGeneration that records forward() calls and echoes what it
 * was given, listeners on 127.0.0.1:0 and a raw HTTP client that can send any Host.
 */
import { once } from 'node:events';
import {
  createServer,
  request as httpRequest,
  type IncomingHttpHeaders,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { build, defaultOptions, type RoutingTable, snapshotFromObjects } from '@portcullis/config-model';
import { generateFakeCertificate } from '../../config-model/src/certificates/index.ts';
import { endpointSlice, ingress, service } from '../../config-model/test/support/objects.ts';
import { createRequestHandler, type HandlerDeps, httpServerOptions } from '../src/http/index.ts';
import type {
  ForwardHooks,
  ForwardTarget,
  HttpRequest,
  HttpResponse,
  UpstreamGeneration,
  UpstreamHeaders,
} from '../src/http/types.ts';
import { UpstreamPools } from '../src/proxy/index.ts';
import { createHttpsServer, TlsContexts } from '../src/tls/index.ts';

export { endpointSlice, ingress, service };

const now = new Date('2026-06-01T00:00:00Z');
export const fake = generateFakeCertificate(now);

export function configMap(data: Record<string, string>): unknown {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'portcullis', namespace: 'ingress-nginx' },
    data,
  };
}

/** The usual backing objects: Service `web` (80 -> 8080) with one ready endpoint. */
export function webService(name = 'web'): unknown[] {
  return [
    service(name, [{ port: 80, targetPort: 8080 }]),
    endpointSlice(name, [{ ip: '10.0.0.1', ready: true }], [{ port: 8080 }]),
  ];
}

/** A kubernetes.io/tls Secret in `default`. */
export function tlsSecret(name: string, pair: { certPem: string; keyPem: string }): unknown {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'kubernetes.io/tls',
    metadata: { name, namespace: 'default' },
    stringData: { 'tls.crt': pair.certPem, 'tls.key': pair.keyPem },
  };
}

export async function buildTable(objects: unknown[]): Promise<RoutingTable> {
  const { table } = build(snapshotFromObjects(objects).snapshot, {
    ...defaultOptions,
    watchIngressWithoutClass: true,
    configMap: { namespace: 'ingress-nginx', name: 'portcullis' },
    fakeCertificate: await fake,
    now,
  });
  return table;
}

export interface ForwardCall {
  readonly target: ForwardTarget;
  readonly headers: UpstreamHeaders;
  readonly url: string | undefined;
}

/** Records forward() calls and answers 200 with the upstream headers as JSON. */
export class FakeUpstreams implements UpstreamGeneration {
  readonly calls: ForwardCall[] = [];
  /** Extra response headers the "upstream" sends (e.g. its own Strict-Transport-Security). */
  responseHeaders: Record<string, string> = {};

  forward(
    req: HttpRequest,
    res: HttpResponse,
    target: ForwardTarget,
    headers: UpstreamHeaders,
    hooks?: ForwardHooks,
  ): void {
    this.calls.push({ target, headers, url: req.url });
    const body = JSON.stringify(headers);
    req.resume();
    req.on('end', () => {
      hooks?.onUpstream?.({ endpoint: '10.0.0.1:8080', status: 200, upstreamDurationMs: 5 });
      // Both response classes take (status, headers); TypeScript cannot call the union's overloads.
      (res as ServerResponse).writeHead(200, { 'content-type': 'application/json', ...this.responseHeaders });
      res.end(body);
    });
  }

  upgrade(): void {
    throw new Error('not used');
  }
}

export interface Listening {
  readonly port: number;
  readonly server: Server;
  close(): Promise<void>;
}

export async function listen(server: Server): Promise<Listening> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    port,
    server,
    close: async () => {
      server.closeAllConnections?.();
      server.close();
      await once(server, 'close');
    },
  };
}

/** An HTTP listener (scheme 'http') serving `table` through the fake upstreams. */
export async function httpListener(
  table: RoutingTable,
  extra: Partial<Pick<HandlerDeps, 'metrics' | 'httpsPort'>> = {},
): Promise<Listening & { upstreams: FakeUpstreams }> {
  const upstreams = new FakeUpstreams();
  const handler = createRequestHandler({ current: () => ({ table, upstreams }), scheme: 'http', ...extra });
  const listening = await listen(createServer(httpServerOptions(), handler.onRequest));
  return { ...listening, upstreams };
}

/**
 * The real HTTPS listener (TLS contexts, h1 + h2, real upstream pools) serving `table` on
 * 127.0.0.1:0; close() stops it and then the pools.
 */
export async function httpsListener(
  table: RoutingTable,
  extra: Partial<Pick<HandlerDeps, 'metrics'>> = {},
): Promise<{ port: number; close(): Promise<void> }> {
  const pools = new UpstreamPools();
  const gen = { table, upstreams: pools.prepare(table), tls: new TlsContexts().prepare(table) };
  const handler = createRequestHandler({ current: () => gen, scheme: 'https', ...extra });
  const https = createHttpsServer({ current: () => gen.tls, onRequest: handler.onRequest });
  https.listen(0, '127.0.0.1');
  await once(https, 'listening');
  return {
    port: (https.address() as AddressInfo).port,
    close: async () => {
      https.close();
      await once(https, 'close');
      await pools.close();
    },
  };
}

export interface Answer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** GET (or `method`) `path` with the given headers, Host included, over a fresh connection. */
export function get(
  port: number,
  path: string,
  headers: Record<string, string> = {},
  method = 'GET',
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method, headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}
