/**
 * The HTTPS side: Strict-Transport-Security exactly once on every HTTPS response (upstream's
 * replaced, locally generated ones included), never on plain HTTP; HTTP/2 compat requests
 * (:authority -> Host, no pseudo-headers upstream).
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer as createHttpServer } from 'node:http';
import { createSecureServer, connect as http2Connect } from 'node:http2';
import { request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { issueCertificate } from '../../config-model/src/certificates/index.ts';
import { createRequestHandler, httpServerOptions } from '../src/http/index.ts';
import {
  buildTable,
  configMap,
  FakeUpstreams,
  get,
  ingress,
  type Listening,
  listen,
  webService,
} from './http-fixtures.ts';

const open: { close(): Promise<void> }[] = [];
after(async () => {
  for (const l of open) await l.close();
});

let tlsMaterial: { key: string; cert: string };
before(async () => {
  const issued = await issueCertificate({
    dnsNames: ['secure.example.com'],
    keyType: 'ECDSA-P-256',
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 86_400_000),
  });
  tlsMaterial = { key: issued.keyPem, cert: issued.certPem };
});

const app = (annotations: Record<string, string> = {}) =>
  ingress('app', {
    annotations,
    tls: [{ hosts: ['secure.example.com'] }],
    rules: [{ host: 'secure.example.com', paths: [{ path: '/' }] }],
  });

/** The handler behind an http2 secure server that also speaks HTTP/1.1 (like the HTTPS listener). */
async function httpsListener(objects: unknown[]) {
  const table = await buildTable([...webService(), ...objects]);
  const upstreams = new FakeUpstreams();
  const handler = createRequestHandler({ current: () => ({ table, upstreams }), scheme: 'https' });
  const server = createSecureServer({ ...tlsMaterial, allowHTTP1: true }, handler.onRequest);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const listening = {
    port,
    upstreams,
    close: async () => {
      server.close();
      await once(server, 'close');
    },
  };
  open.push(listening);
  return listening;
}

interface TlsAnswer {
  status: number;
  rawHeaders: string[];
  headers: Record<string, string | string[] | undefined>;
}

function httpsGet(port: number, path: string, headers: Record<string, string> = {}): Promise<TlsAnswer> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      {
        host: '127.0.0.1',
        port,
        path,
        headers: { host: 'secure.example.com', ...headers },
        servername: 'secure.example.com',
        rejectUnauthorized: false,
        agent: false,
      },
      (res) => {
        res.resume();
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, rawHeaders: res.rawHeaders, headers: res.headers }),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}

const stsValues = (raw: string[]) =>
  raw.filter((_, i) => i % 2 === 1 && raw[i - 1]?.toLowerCase() === 'strict-transport-security');

describe('HSTS', () => {
  it('sends the configured header on proxied HTTPS responses, replacing the upstream one', async () => {
    const l = await httpsListener([app()]);
    l.upstreams.responseHeaders = { 'Strict-Transport-Security': 'max-age=1' };
    const r = await httpsGet(l.port, '/');
    assert.equal(r.status, 200);
    assert.deepEqual(stsValues(r.rawHeaders), ['max-age=31536000; includeSubDomains']);
  });

  it('also on locally generated HTTPS responses (404, redirects)', async () => {
    const l = await httpsListener([
      app({ 'nginx.ingress.kubernetes.io/force-ssl-redirect': 'true' }),
      configMap({ 'use-forwarded-headers': 'true', 'hsts-preload': 'true', 'hsts-max-age': '600' }),
    ]);
    const missing = await httpsGet(l.port, '/', { host: 'nobody.example.com' });
    assert.equal(missing.status, 404);
    assert.deepEqual(stsValues(missing.rawHeaders), ['max-age=600; includeSubDomains; preload']);
    // TLS offloaded by an outer proxy that received plain HTTP: force-ssl-redirect still applies.
    const redirected = await httpsGet(l.port, '/x', { 'x-forwarded-proto': 'http' });
    assert.equal(redirected.status, 308);
    assert.equal(redirected.headers.location, 'https://secure.example.com/x');
    assert.deepEqual(stsValues(redirected.rawHeaders), ['max-age=600; includeSubDomains; preload']);
  });

  it('sends none when hsts is "false", and none on plain HTTP', async () => {
    const off = await httpsListener([app(), configMap({ hsts: 'false' })]);
    assert.deepEqual(stsValues((await httpsGet(off.port, '/')).rawHeaders), []);

    const table = await buildTable([
      ...webService(),
      app({ 'nginx.ingress.kubernetes.io/ssl-redirect': 'false' }),
    ]);
    const upstreams = new FakeUpstreams();
    const handler = createRequestHandler({ current: () => ({ table, upstreams }), scheme: 'http' });
    const plain: Listening = await listen(createHttpServer(httpServerOptions(), handler.onRequest));
    open.push(plain);
    const r = await get(plain.port, '/', { host: 'secure.example.com' });
    assert.equal(r.status, 200);
    assert.equal(r.headers['strict-transport-security'], undefined);
  });
});

describe('HTTP/2 requests', () => {
  it('routes on :authority, sends it upstream as Host, without pseudo-headers, with HSTS', async () => {
    const l = await httpsListener([app()]);
    const session = http2Connect(`https://127.0.0.1:${l.port}`, {
      servername: 'secure.example.com',
      rejectUnauthorized: false,
    });
    const stream = session.request({ ':path': '/h2?q=1', ':authority': 'secure.example.com' });
    const [headers] = (await once(stream, 'response')) as [Record<string, string>];
    stream.resume();
    await once(stream, 'end');
    session.close();
    assert.equal(headers[':status'], 200);
    assert.equal(headers['strict-transport-security'], 'max-age=31536000; includeSubDomains');
    const call = l.upstreams.calls[0];
    assert.equal(call?.url, '/h2?q=1');
    assert.equal(call?.headers.host, 'secure.example.com');
    assert.equal(call?.headers['x-forwarded-proto'], 'https');
    assert.deepEqual(
      Object.keys(call?.headers ?? {}).filter((k) => k.startsWith(':')),
      [],
    );
  });
});
