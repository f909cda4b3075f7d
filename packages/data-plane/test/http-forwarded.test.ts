/**
 * Headers sent upstream, against ingress-nginx's nginx.tmpl proxy_set_header list and its
 * realip setup: X-Forwarded-*, X-Real-IP, X-Request-ID, hop-by-hop removal, Host.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import {
  buildTable,
  configMap,
  get,
  httpListener,
  ingress,
  type Listening,
  webService,
} from './http-fixtures.ts';

const open: Listening[] = [];
after(async () => {
  for (const l of open) await l.close();
});

const app = ingress('app', { rules: [{ host: 'app.example.com', paths: [{ path: '/' }] }] });

async function upstreamHeaders(
  settings: Record<string, string>,
  headers: Record<string, string>,
  path = '/',
) {
  const table = await buildTable([...webService(), app, configMap(settings)]);
  const l = await httpListener(table);
  open.push(l);
  const r = await get(l.port, path, { host: 'app.example.com', ...headers });
  assert.equal(r.status, 200);
  const call = l.upstreams.calls[0];
  assert.ok(call);
  return { headers: call.headers, port: l.port };
}

describe('forwarded headers', () => {
  it('overwrites client-sent X-Forwarded-* by default and keeps the original list aside', async () => {
    const { headers: h, port } = await upstreamHeaders(
      {},
      {
        'x-forwarded-for': '203.0.113.9',
        'x-forwarded-proto': 'https',
        'x-forwarded-host': 'evil.example',
        'x-forwarded-port': '1',
        'x-real-ip': '203.0.113.9',
      },
    );
    assert.equal(h['x-forwarded-for'], '127.0.0.1');
    assert.equal(h['x-real-ip'], '127.0.0.1');
    assert.equal(h['x-forwarded-proto'], 'http');
    assert.equal(h['x-forwarded-scheme'], 'http');
    assert.equal(h['x-scheme'], 'http');
    assert.equal(h['x-forwarded-host'], 'app.example.com');
    assert.equal(h['x-forwarded-port'], String(port));
    assert.equal(h['x-original-forwarded-for'], '203.0.113.9');
    assert.equal(h.host, 'app.example.com');
  });

  it('with use-forwarded-headers takes the real IP from X-Forwarded-For (recursive, all trusted)', async () => {
    const { headers: h } = await upstreamHeaders(
      { 'use-forwarded-headers': 'true' },
      {
        'x-forwarded-for': '203.0.113.7, 10.1.1.1',
        'x-forwarded-proto': 'https',
        'x-forwarded-port': '443',
        'x-forwarded-host': 'public.example',
      },
    );
    assert.equal(h['x-real-ip'], '203.0.113.7');
    assert.equal(h['x-forwarded-for'], '203.0.113.7');
    assert.equal(h['x-forwarded-proto'], 'https');
    assert.equal(h['x-forwarded-port'], '443');
    assert.equal(h['x-forwarded-host'], 'public.example');
    assert.equal(h.host, 'public.example');
  });

  it('appends the peer with compute-full-forwarded-for', async () => {
    const { headers: h } = await upstreamHeaders(
      { 'use-forwarded-headers': 'true', 'compute-full-forwarded-for': 'true' },
      { 'x-forwarded-for': '203.0.113.7, 10.1.1.1' },
    );
    assert.equal(h['x-forwarded-for'], '203.0.113.7, 10.1.1.1, 127.0.0.1');
    assert.equal(h['x-real-ip'], '203.0.113.7');
  });

  it('stops at the first address outside proxy-real-ip-cidr, walking from the right', async () => {
    const { headers: h } = await upstreamHeaders(
      { 'use-forwarded-headers': 'true', 'proxy-real-ip-cidr': '127.0.0.1/32,10.0.0.0/8' },
      { 'x-forwarded-for': '198.51.100.1, 203.0.113.7, 10.1.1.1' },
    );
    assert.equal(h['x-real-ip'], '203.0.113.7');
  });

  it('ignores every forwarded header from a peer outside proxy-real-ip-cidr', async () => {
    const { headers: h } = await upstreamHeaders(
      {
        'use-forwarded-headers': 'true',
        'compute-full-forwarded-for': 'true',
        'proxy-real-ip-cidr': '10.0.0.0/8',
      },
      { 'x-forwarded-for': '203.0.113.7', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'evil.example' },
    );
    assert.equal(h['x-real-ip'], '127.0.0.1');
    assert.equal(h['x-forwarded-for'], '127.0.0.1');
    assert.equal(h['x-forwarded-proto'], 'http');
    assert.equal(h.host, 'app.example.com');
  });
});

describe('X-Request-ID', () => {
  it('keeps an incoming id and generates 32 hex characters otherwise', async () => {
    const kept = await upstreamHeaders({}, { 'x-request-id': 'abc-123' });
    assert.equal(kept.headers['x-request-id'], 'abc-123');
    const generated = await upstreamHeaders({}, {});
    assert.match(String(generated.headers['x-request-id']), /^[0-9a-f]{32}$/);
  });
});

describe('hop-by-hop headers', () => {
  it('drops Connection and what it names, Keep-Alive, TE (except trailers), Upgrade, Proxy', async () => {
    const { headers: h } = await upstreamHeaders(
      {},
      {
        connection: 'keep-alive, X-Secret',
        'x-secret': 'hop',
        'keep-alive': 'timeout=5',
        'proxy-connection': 'keep-alive',
        te: 'gzip',
        upgrade: 'websocket',
        proxy: 'http://attacker:3128',
        'x-app': 'kept',
      },
    );
    for (const name of [
      'connection',
      'x-secret',
      'keep-alive',
      'proxy-connection',
      'te',
      'upgrade',
      'proxy',
    ]) {
      assert.equal(h[name], undefined, name);
    }
    assert.equal(h['x-app'], 'kept');
    const grpc = await upstreamHeaders({}, { te: 'trailers' });
    assert.equal(grpc.headers.te, 'trailers');
  });
});
