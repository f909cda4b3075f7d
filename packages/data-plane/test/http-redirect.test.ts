/**
 * HTTP -> HTTPS redirects on the port-80 listener, setting by setting, against ingress-nginx's
 * lua_ingress.lua rewrite(): ssl-redirect, force-ssl-redirect, http-redirect-code, trailing
 * slash, use-port-in-redirects, no-tls-redirect-locations, forwarded headers; plus the fixed
 * (permanent/temporal) and from-to-www redirects.
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

async function serve(objects: unknown[], httpsPort?: number) {
  const table = await buildTable([...webService(), ...objects]);
  const l = await httpListener(table, httpsPort === undefined ? {} : { httpsPort });
  open.push(l);
  return l;
}

const tlsApp = (annotations: Record<string, string> = {}, paths = [{ path: '/' }]) =>
  ingress('app', {
    annotations,
    tls: [{ hosts: ['secure.example.com'] }],
    rules: [{ host: 'secure.example.com', paths }],
  });

describe('ssl-redirect', () => {
  it('redirects a TLS host with 308, keeping path and query', async () => {
    const l = await serve([tlsApp()]);
    const r = await get(l.port, '/app?x=1&y=2', { host: 'secure.example.com' });
    assert.equal(r.status, 308);
    assert.equal(r.headers.location, 'https://secure.example.com/app?x=1&y=2');
    assert.match(r.body, /308 Permanent Redirect/);
    assert.equal(l.upstreams.calls.length, 0);
  });

  it('drops one trailing slash of the URI (so "/" becomes no path), not before a query', async () => {
    const l = await serve([tlsApp()]);
    assert.equal(
      (await get(l.port, '/app/', { host: 'secure.example.com' })).headers.location,
      'https://secure.example.com/app',
    );
    assert.equal(
      (await get(l.port, '/', { host: 'secure.example.com' })).headers.location,
      'https://secure.example.com',
    );
    assert.equal(
      (await get(l.port, '/a/?q', { host: 'secure.example.com' })).headers.location,
      'https://secure.example.com/a/?q',
    );
  });

  it('keeps the trailing slash with preserve-trailing-slash', async () => {
    const l = await serve([tlsApp({ 'nginx.ingress.kubernetes.io/preserve-trailing-slash': 'true' })]);
    const r = await get(l.port, '/app/', { host: 'secure.example.com' });
    assert.equal(r.headers.location, 'https://secure.example.com/app/');
  });

  it('drops the port of the Host header', async () => {
    const l = await serve([tlsApp()]);
    const r = await get(l.port, '/x', { host: 'Secure.Example.com:80' });
    assert.equal(r.headers.location, 'https://Secure.Example.com/x');
  });

  it('also redirects paths no rule matches (the root location carries the Ingress policy)', async () => {
    const l = await serve([tlsApp({}, [{ path: '/api' }])]);
    const r = await get(l.port, '/other', { host: 'secure.example.com' });
    assert.equal(r.status, 308);
  });

  it('does not redirect with ssl-redirect "false", nor hosts without TLS', async () => {
    const l = await serve([
      tlsApp({ 'nginx.ingress.kubernetes.io/ssl-redirect': 'false' }),
      ingress('plain', { rules: [{ host: 'plain.example.com', paths: [{ path: '/' }] }] }),
    ]);
    assert.equal((await get(l.port, '/', { host: 'secure.example.com' })).status, 200);
    assert.equal((await get(l.port, '/', { host: 'plain.example.com' })).status, 200);
    assert.equal(l.upstreams.calls.length, 2);
  });

  it('uses http-redirect-code', async () => {
    const l = await serve([tlsApp(), configMap({ 'http-redirect-code': '301' })]);
    assert.equal((await get(l.port, '/', { host: 'secure.example.com' })).status, 301);
  });

  it('writes the HTTPS port with use-port-in-redirects (443 included, like ingress-nginx)', async () => {
    const annotations = { 'nginx.ingress.kubernetes.io/use-port-in-redirects': 'true' };
    const custom = await serve([tlsApp(annotations)], 8443);
    assert.equal(
      (await get(custom.port, '/p', { host: 'secure.example.com' })).headers.location,
      'https://secure.example.com:8443/p',
    );
    const standard = await serve([tlsApp(annotations)]);
    assert.equal(
      (await get(standard.port, '/p', { host: 'secure.example.com' })).headers.location,
      'https://secure.example.com:443/p',
    );
  });
});

describe('force-ssl-redirect', () => {
  it('redirects a host without TLS', async () => {
    const l = await serve([
      ingress('offload', {
        annotations: { 'nginx.ingress.kubernetes.io/force-ssl-redirect': 'true' },
        rules: [{ host: 'offload.example.com', paths: [{ path: '/' }] }],
      }),
    ]);
    const r = await get(l.port, '/login', { host: 'offload.example.com' });
    assert.equal(r.status, 308);
    assert.equal(r.headers.location, 'https://offload.example.com/login');
  });
});

describe('no-tls-redirect-locations', () => {
  it('keeps ACME HTTP-01 challenge paths on plain HTTP by default', async () => {
    const l = await serve([
      tlsApp(),
      ingress('cm-acme-http-solver', {
        rules: [
          {
            host: 'secure.example.com',
            paths: [{ path: '/.well-known/acme-challenge/tok3n', pathType: 'Exact' }],
          },
        ],
      }),
    ]);
    const r = await get(l.port, '/.well-known/acme-challenge/tok3n', { host: 'secure.example.com' });
    assert.equal(r.status, 200);
    assert.equal(l.upstreams.calls[0]?.url, '/.well-known/acme-challenge/tok3n');
    assert.equal((await get(l.port, '/elsewhere', { host: 'secure.example.com' })).status, 308);
  });

  it('honours a configured list, which also exempts force-ssl-redirect', async () => {
    const l = await serve([
      configMap({ 'no-tls-redirect-locations': '/healthz' }),
      tlsApp({ 'nginx.ingress.kubernetes.io/force-ssl-redirect': 'true' }, [
        { path: '/healthz' },
        { path: '/' },
      ]),
    ]);
    assert.equal((await get(l.port, '/healthz', { host: 'secure.example.com' })).status, 200);
    assert.equal((await get(l.port, '/', { host: 'secure.example.com' })).status, 308);
  });
});

describe('forwarded headers and redirects', () => {
  it('ignores X-Forwarded-Proto/-Host without use-forwarded-headers', async () => {
    const l = await serve([tlsApp()]);
    const r = await get(l.port, '/', {
      host: 'secure.example.com',
      'x-forwarded-proto': 'https',
      'x-forwarded-host': 'evil.example',
    });
    assert.equal(r.status, 308);
    assert.equal(r.headers.location, 'https://secure.example.com');
  });

  it('trusts X-Forwarded-Proto: https (TLS offloaded before us) with use-forwarded-headers', async () => {
    const l = await serve([
      configMap({ 'use-forwarded-headers': 'true' }),
      tlsApp({ 'nginx.ingress.kubernetes.io/force-ssl-redirect': 'true' }),
    ]);
    const r = await get(l.port, '/', { host: 'secure.example.com', 'x-forwarded-proto': 'https' });
    assert.equal(r.status, 200);
    assert.equal(l.upstreams.calls[0]?.headers['x-forwarded-proto'], 'https');
  });

  it('redirects to the first X-Forwarded-Host (port dropped) when the proto is http', async () => {
    const l = await serve([configMap({ 'use-forwarded-headers': 'true' }), tlsApp()]);
    const r = await get(l.port, '/a?b', {
      host: 'secure.example.com',
      'x-forwarded-proto': 'http',
      'x-forwarded-host': 'www.public.example:8080, other.example',
    });
    assert.equal(r.headers.location, 'https://www.public.example/a?b');
  });

  it('does not trust a peer outside proxy-real-ip-cidr', async () => {
    const l = await serve([
      configMap({ 'use-forwarded-headers': 'true', 'proxy-real-ip-cidr': '10.0.0.0/8' }),
      tlsApp(),
    ]);
    const r = await get(l.port, '/', { host: 'secure.example.com', 'x-forwarded-proto': 'https' });
    assert.equal(r.status, 308);
  });
});

describe('fixed and www redirects', () => {
  it('answers permanent-redirect with 301 (or its code) and temporal-redirect with 302', async () => {
    const l = await serve([
      ingress('moved', {
        annotations: { 'nginx.ingress.kubernetes.io/permanent-redirect': 'https://new.example.com/landing' },
        rules: [{ host: 'moved.example.com', paths: [{ path: '/' }] }],
      }),
      ingress('moved308', {
        annotations: {
          'nginx.ingress.kubernetes.io/permanent-redirect': 'https://new.example.com/',
          'nginx.ingress.kubernetes.io/permanent-redirect-code': '308',
        },
        rules: [{ host: 'moved308.example.com', paths: [{ path: '/' }] }],
      }),
      ingress('maint', {
        annotations: { 'nginx.ingress.kubernetes.io/temporal-redirect': 'https://status.example.com/' },
        rules: [{ host: 'maint.example.com', paths: [{ path: '/' }] }],
      }),
    ]);
    const moved = await get(l.port, '/any', { host: 'moved.example.com' });
    assert.deepEqual([moved.status, moved.headers.location], [301, 'https://new.example.com/landing']);
    assert.equal((await get(l.port, '/', { host: 'moved308.example.com' })).status, 308);
    const maint = await get(l.port, '/', { host: 'maint.example.com' });
    assert.deepEqual([maint.status, maint.headers.location], [302, 'https://status.example.com/']);
  });

  it('sends the www twin to the Ingress host with the same scheme and http-redirect-code', async () => {
    const app = ingress('www', {
      annotations: { 'nginx.ingress.kubernetes.io/from-to-www-redirect': 'true' },
      rules: [{ host: 'example.com', paths: [{ path: '/' }] }],
    });
    const l = await serve([app]);
    const r = await get(l.port, '/shop/?item=1', { host: 'www.example.com' });
    assert.deepEqual([r.status, r.headers.location], [308, 'http://example.com/shop/?item=1']);
    assert.equal(
      (await get(l.port, '/shop/', { host: 'www.example.com' })).headers.location,
      'http://example.com/shop',
    );
    const custom = await serve([app, configMap({ 'http-redirect-code': '302' })], 8443);
    const c = await get(custom.port, '/x', { host: 'WWW.example.com' });
    assert.deepEqual([c.status, c.headers.location], [302, 'http://example.com:8443/x']);
  });
});
