/**
 * The pipeline wired to the real neighbours: proxy/'s UpstreamPools forwarding to a real
 * backend, and tls/'s HTTPS server asking for client certificates (auth-tls) per host.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { after, describe, it } from 'node:test';
import { issueCertificate } from '../../config-model/src/certificates/index.ts';
import { createRequestHandler, httpServerOptions, type RequestObservation } from '../src/http/index.ts';
import { UpstreamPools } from '../src/proxy/index.ts';
import {
  buildTable,
  endpointSlice,
  get,
  httpsListener,
  ingress,
  type Listening,
  listen,
  service,
  tlsSecret,
} from './http-fixtures.ts';

const closers: (() => Promise<void>)[] = [];
after(async () => {
  for (const close of closers.reverse()) await close();
});

/** A backend that answers with what it received. */
async function echoBackend(): Promise<Listening> {
  const backend = await listen(
    createServer((req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ url: req.url, headers: req.headers }));
    }),
  );
  closers.push(backend.close);
  return backend;
}

function backendObjects(port: number): unknown[] {
  return [
    service('echo', [{ port: 80, targetPort: port }]),
    endpointSlice('echo', [{ ip: '127.0.0.1', ready: true }], [{ port }]),
  ];
}

describe('with the real proxy', () => {
  it('forwards to a live backend with the computed headers and reports the upstream time', async () => {
    const backend = await echoBackend();
    const table = await buildTable([
      ...backendObjects(backend.port),
      ingress('app', { rules: [{ host: 'app.example.com', paths: [{ path: '/', service: 'echo' }] }] }),
    ]);
    const pools = new UpstreamPools();
    closers.push(() => pools.close());
    const upstreams = pools.prepare(table);
    const observations: RequestObservation[] = [];
    const handler = createRequestHandler({
      current: () => ({ table, upstreams }),
      scheme: 'http',
      metrics: { observe: (o) => observations.push(o) },
    });
    const front = await listen(createServer(httpServerOptions(), handler.onRequest));
    closers.push(front.close);

    const r = await get(front.port, '/a/../b?c=d', {
      host: 'app.example.com',
      'x-forwarded-for': '203.0.113.1',
    });
    assert.equal(r.status, 200);
    const seen = JSON.parse(r.body) as { url: string; headers: IncomingHttpHeaders };
    assert.equal(seen.url, '/a/../b?c=d');
    assert.equal(seen.headers.host, 'app.example.com');
    assert.equal(seen.headers['x-forwarded-for'], '127.0.0.1');
    assert.equal(seen.headers['x-forwarded-proto'], 'http');
    assert.match(String(seen.headers['x-request-id']), /^[0-9a-f]{32}$/);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(observations[0]?.service, 'echo');
    assert.ok((observations[0]?.upstreamDuration ?? -1) >= 0);
  });
});

describe('with the TLS server (auth-tls)', () => {
  it('answers 400 without a client certificate and passes a verified one upstream', async () => {
    const notBefore = new Date(Date.now() - 60_000);
    const notAfter = new Date(Date.now() + 86_400_000);
    const ca = await issueCertificate({
      commonName: 'Test Client CA',
      isCa: true,
      keyType: 'ECDSA-P-256',
      notBefore,
      notAfter,
    });
    const client = await issueCertificate({
      commonName: 'alice',
      keyType: 'ECDSA-P-256',
      issuer: ca,
      notBefore,
      notAfter,
    });
    const server = await issueCertificate({
      dnsNames: ['mtls.example.com'],
      keyType: 'ECDSA-P-256',
      notBefore,
      notAfter,
    });
    const backend = await echoBackend();
    const table = await buildTable([
      ...backendObjects(backend.port),
      {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'client-ca', namespace: 'default' },
        stringData: { 'ca.crt': ca.certPem },
      },
      tlsSecret('site', server),
      ingress('mtls', {
        annotations: {
          'nginx.ingress.kubernetes.io/auth-tls-secret': 'default/client-ca',
          'nginx.ingress.kubernetes.io/auth-tls-verify-client': 'on',
          'nginx.ingress.kubernetes.io/auth-tls-pass-certificate-to-upstream': 'true',
        },
        tls: [{ hosts: ['mtls.example.com'], secretName: 'site' }],
        rules: [{ host: 'mtls.example.com', paths: [{ path: '/', service: 'echo' }] }],
      }),
    ]);
    const https = await httpsListener(table);
    closers.push(https.close);
    const { port } = https;

    const call = (cert?: { cert: string; key: string }) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = httpsRequest(
          {
            host: '127.0.0.1',
            port,
            path: '/',
            servername: 'mtls.example.com',
            headers: { host: 'mtls.example.com' },
            rejectUnauthorized: false,
            agent: false,
            ...cert,
          },
          (res) => {
            let body = '';
            res.on('data', (c: Buffer) => {
              body += c.toString();
            });
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
          },
        );
        req.on('error', reject);
        req.end();
      });

    assert.equal((await call()).status, 400);
    const ok = await call({ cert: client.certPem, key: client.keyPem });
    assert.equal(ok.status, 200);
    const seen = JSON.parse(ok.body) as { headers: IncomingHttpHeaders };
    assert.equal(seen.headers['ssl-client-verify'], 'SUCCESS');
    assert.equal(seen.headers['ssl-client-subject-dn'], 'CN=alice');
    assert.equal(seen.headers['ssl-client-issuer-dn'], 'CN=Test Client CA');
    assert.equal(decodeURIComponent(String(seen.headers['ssl-client-cert'])).trim(), client.certPem.trim());
  });
});
