/**
 * Local answers (404 default backend, 503 without endpoints or for a denied location, 400 for
 * unparsable targets), path normalization for matching, metrics hooks, and the node:http
 * hardening from httpServerOptions (CL+TE smuggling, slow headers).
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import { connect } from 'node:net';
import { after, describe, it } from 'node:test';
import { createRequestHandler, httpServerOptions, type RequestObservation } from '../src/http/index.ts';
import {
  buildTable,
  FakeUpstreams,
  get,
  httpListener,
  ingress,
  type Listening,
  listen,
  service,
  webService,
} from './http-fixtures.ts';

const open: Listening[] = [];
after(async () => {
  for (const l of open) await l.close();
});

async function serve(objects: unknown[], observations?: RequestObservation[]) {
  const table = await buildTable(objects);
  const metrics =
    observations === undefined
      ? {}
      : { metrics: { observe: (o: RequestObservation) => observations.push(o) } };
  const l = await httpListener(table, metrics);
  open.push(l);
  return l;
}

/** Writes raw bytes, returns everything the server sends until it closes (or `ms` passes). */
async function raw(port: number, data: string, ms = 2000): Promise<string> {
  const socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  let received = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    received += chunk;
  });
  socket.write(data);
  const timer = setTimeout(() => socket.destroy(), ms);
  await once(socket, 'close');
  clearTimeout(timer);
  return received;
}

describe('built-in responses', () => {
  it('answers 404 with the default backend page for unknown hosts and unmatched paths', async () => {
    const l = await serve([
      ...webService(),
      ingress('app', { rules: [{ host: 'app.example.com', paths: [{ path: '/api' }] }] }),
    ]);
    for (const [host, path] of [
      ['unknown.example.com', '/'],
      ['app.example.com', '/other'],
    ] as const) {
      const r = await get(l.port, path, { host });
      assert.equal(r.status, 404);
      assert.equal(r.headers['content-type'], 'text/html');
      assert.match(r.body, /<title>404 Not Found<\/title>/);
    }
    const head = await get(l.port, '/', { host: 'unknown.example.com' }, 'HEAD');
    assert.deepEqual([head.status, head.body], [404, '']);
    assert.equal(l.upstreams.calls.length, 0);
  });

  it('answers 503 when the Service has no ready endpoint', async () => {
    const l = await serve([
      service('empty', [{ port: 80 }]),
      ingress('app', { rules: [{ host: 'app.example.com', paths: [{ path: '/', service: 'empty' }] }] }),
    ]);
    const r = await get(l.port, '/', { host: 'app.example.com' });
    assert.equal(r.status, 503);
    assert.match(r.body, /503 Service Temporarily Unavailable/);
  });

  it('answers 503 for a location denied because its proxy-ssl secret is missing', async () => {
    const l = await serve([
      ...webService(),
      ingress('app', {
        annotations: {
          'nginx.ingress.kubernetes.io/proxy-ssl-secret': 'default/missing',
          'nginx.ingress.kubernetes.io/proxy-ssl-verify': 'on',
        },
        rules: [{ host: 'app.example.com', paths: [{ path: '/' }] }],
      }),
    ]);
    assert.equal((await get(l.port, '/', { host: 'app.example.com' })).status, 503);
    assert.equal(l.upstreams.calls.length, 0);
  });

  it('proxies unmatched paths to spec.defaultBackend through the root location', async () => {
    const l = await serve([
      ...webService(),
      ...webService('fallback'),
      ingress('app', {
        defaultBackend: { service: 'fallback', port: 80 },
        rules: [{ host: 'app.example.com', paths: [{ path: '/api' }] }],
      }),
    ]);
    assert.equal((await get(l.port, '/elsewhere', { host: 'app.example.com' })).status, 200);
    const call = l.upstreams.calls[0];
    assert.equal(call?.target.backend.service, 'fallback');
    assert.equal(call?.target.route.path, '/');
  });
});

describe('a failure while routing', () => {
  it('costs that request a 500 and a log line; the next request is served', async () => {
    const table = await buildTable([
      ...webService(),
      ingress('app', { rules: [{ host: 'app.example.com', paths: [{ path: '/', service: 'web' }] }] }),
    ]);
    let broken = true;
    // A table whose server lookup throws once: a stand-in for a bug in decide().
    const flaky = new Proxy(table, {
      get: (target, key, receiver) => {
        if (key === 'servers' && broken) {
          broken = false;
          throw new Error('lookup bug');
        }
        return Reflect.get(target, key, receiver);
      },
    });
    const logged: string[] = [];
    const upstreams = new FakeUpstreams();
    const handler = createRequestHandler({
      current: () => ({ table: flaky, upstreams }),
      scheme: 'http',
      log: (_level, msg, fields) => void logged.push(`${msg}: ${String(fields.error)}`),
    });
    const l = await listen(createServer(httpServerOptions(), handler.onRequest));
    open.push(l);
    const failed = await get(l.port, '/', { host: 'app.example.com' });
    assert.equal(failed.status, 500);
    assert.deepEqual(logged, ['request routing failed: Error: lookup bug']);
    assert.equal((await get(l.port, '/', { host: 'app.example.com' })).status, 200);
  });
});

describe('request targets', () => {
  it('matches on the decoded, dot-segment-free path but forwards the URI unchanged', async () => {
    const l = await serve([
      ...webService(),
      ...webService('admin'),
      ingress('app', {
        rules: [
          { host: 'app.example.com', paths: [{ path: '/public' }, { path: '/admin', service: 'admin' }] },
        ],
      }),
    ]);
    const r = await get(l.port, '/public/%2e%2e//admin/./x?y=1', { host: 'app.example.com' });
    assert.equal(r.status, 200);
    assert.equal(l.upstreams.calls[0]?.target.route.path, '/admin');
    assert.equal(l.upstreams.calls[0]?.url, '/public/%2e%2e//admin/./x?y=1');
  });

  it('answers 400 and closes for bad escapes, NUL and ".." above the root', async () => {
    const l = await serve([
      ...webService(),
      ingress('app', { rules: [{ host: 'app.example.com', paths: [{ path: '/' }] }] }),
    ]);
    for (const path of ['/a%zz', '/a%00b', '/../etc/passwd', '/a/%2e%2e/%2e%2e/b']) {
      const r = await get(l.port, path, { host: 'app.example.com' });
      assert.equal(r.status, 400, path);
      assert.equal(r.headers.connection, 'close', path);
    }
  });

  it('uses the authority of an absolute-form target', async () => {
    const l = await serve([
      ...webService(),
      ingress('app', { rules: [{ host: 'app.example.com', paths: [{ path: '/' }] }] }),
    ]);
    const answer = await raw(
      l.port,
      'GET http://app.example.com/x HTTP/1.1\r\nHost: other\r\nConnection: close\r\n\r\n',
    );
    assert.match(answer, /^HTTP\/1\.1 200 /);
    assert.equal(l.upstreams.calls[0]?.headers.host, 'app.example.com');
  });
});

describe('metrics', () => {
  it('observes the route labels, sizes and durations once per request', async () => {
    const observations: RequestObservation[] = [];
    const l = await serve(
      [
        ...webService(),
        ingress('app', {
          namespace: 'default',
          rules: [{ host: 'app.example.com', paths: [{ path: '/api' }] }],
        }),
      ],
      observations,
    );
    await get(l.port, '/api/users?id=1', { host: 'app.example.com' });
    await get(l.port, '/nothing', { host: 'app.example.com' });
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(observations.length, 2);
    const [proxied, missed] = observations;
    assert.ok(proxied && missed);
    assert.deepEqual(
      [
        proxied.method,
        proxied.status,
        proxied.host,
        proxied.path,
        proxied.namespace,
        proxied.ingress,
        proxied.service,
      ],
      ['GET', 200, 'app.example.com', '/api', 'default', 'app', 'web'],
    );
    assert.equal(proxied.upstreamDuration, 0.005);
    assert.ok(proxied.requestSize > 40 && proxied.responseSize > 40);
    assert.ok(proxied.requestDuration > 0);
    assert.equal(missed.status, 404);
    assert.equal(missed.upstreamDuration, null);
  });
});

describe('httpServerOptions hardening', () => {
  it('rejects a request with both Content-Length and Transfer-Encoding before routing it', async () => {
    const l = await serve([
      ...webService(),
      ingress('app', { rules: [{ host: 'app.example.com', paths: [{ path: '/' }] }] }),
    ]);
    const answer = await raw(
      l.port,
      'POST / HTTP/1.1\r\nHost: app.example.com\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: app.example.com\r\n\r\n',
    );
    assert.match(answer, /^HTTP\/1\.1 400 /);
    assert.equal(l.upstreams.calls.length, 0);
  });

  it('answers 408 and closes when the headers arrive too slowly', async () => {
    const table = await buildTable([...webService()]);
    const upstreams = new FakeUpstreams();
    const handler = createRequestHandler({ current: () => ({ table, upstreams }), scheme: 'http' });
    const options = httpServerOptions({ headersTimeoutMs: 300, checkIntervalMs: 50 });
    const l = await listen(createServer(options, handler.onRequest));
    open.push(l);
    const started = Date.now();
    const answer = await raw(l.port, 'GET / HTTP/1.1\r\nHost: app.example.com\r\nX-Slow: ', 5000);
    assert.match(answer, /^HTTP\/1\.1 408 /);
    assert.ok(Date.now() - started < 3000);
  });
});
