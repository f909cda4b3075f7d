/**
 * Redirects as an ingress-nginx user sees them on the HTTP port: lua_ingress's HTTPS redirect
 * (ssl-redirect, force-ssl-redirect, http-redirect-code, the acme-challenge exemption, the
 * trailing slash rule, X-Forwarded-Proto with use-forwarded-headers), the `return` redirects of
 * permanent-/temporal-redirect, and the from-to-www-redirect twin server.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { serviceYaml, tlsSecretYaml } from './support/backend.ts';
import { type ScriptedBackend, startScriptedBackend } from './support/http-backends.ts';
import { echoed, freePort, get } from './support/http-clients.ts';
import { configMapYaml, ingressYaml, issueHostCertificate } from './support/http-manifests.ts';
import { type Portcullis, startPortcullis } from './support/portcullis.ts';

let app: ScriptedBackend;
let solver: ScriptedBackend;
let defaults: Portcullis;
let tuned: Portcullis;

const tlsHosts = ['secure.e2e.test', 'kept.e2e.test'];

function manifests(secret: string): Record<string, string> {
  return {
    'services.yaml': `${serviceYaml('app', app.port)}---\n${serviceYaml('acme-solver', solver.port)}---\n${secret}`,
    'secure.yaml': ingressYaml({
      name: 'secure',
      host: 'secure.e2e.test',
      service: 'app',
      tlsSecret: 'web-tls',
    }),
    'kept.yaml': ingressYaml({
      name: 'kept',
      host: 'kept.e2e.test',
      service: 'app',
      tlsSecret: 'web-tls',
      annotations: { 'preserve-trailing-slash': 'true' },
    }),
    // cert-manager's HTTP-01 solver: its own Ingress, same host, no tls section.
    'solver-exact.yaml': ingressYaml({
      name: 'cm-acme-http-solver-1',
      host: 'secure.e2e.test',
      paths: [{ path: '/.well-known/acme-challenge/token-1', pathType: 'Exact', service: 'acme-solver' }],
    }),
    'solver-prefix.yaml': ingressYaml({
      name: 'cm-acme-http-solver-2',
      host: 'kept.e2e.test',
      paths: [{ path: '/.well-known/acme-challenge', pathType: 'Prefix', service: 'acme-solver' }],
    }),
    'plain.yaml': ingressYaml({ name: 'plain', host: 'plain.e2e.test', service: 'app' }),
    'forced.yaml': ingressYaml({
      name: 'forced',
      host: 'forced.e2e.test',
      service: 'app',
      annotations: { 'force-ssl-redirect': 'true' },
    }),
    'moved.yaml': ingressYaml({
      name: 'moved',
      host: 'moved.e2e.test',
      service: 'app',
      annotations: { 'permanent-redirect': 'https://new.example.com/landing' },
    }),
    'maintenance.yaml': ingressYaml({
      name: 'maintenance',
      host: 'maintenance.e2e.test',
      service: 'app',
      annotations: { 'temporal-redirect': 'https://status.example.com/' },
    }),
    'www.yaml': ingressYaml({
      name: 'brand',
      host: 'www.brand.e2e.test',
      service: 'app',
      annotations: { 'from-to-www-redirect': 'true' },
    }),
  };
}

before(async () => {
  app = await startScriptedBackend({ name: 'app' });
  solver = await startScriptedBackend({ name: 'acme-solver' });
  const cert = await issueHostCertificate(tlsHosts);
  const secret = tlsSecretYaml('web-tls', cert.pair);
  defaults = await startPortcullis({ manifests: manifests(secret) });
  tuned = await startPortcullis({
    manifests: {
      ...manifests(secret),
      'configmap.yaml': configMapYaml({ 'http-redirect-code': '301', 'use-forwarded-headers': 'true' }),
    },
    // Fixed ports: the www redirect writes the HTTPS port, see the port-0 todo below.
    flags: [
      '--configmap=default/portcullis',
      `--http-port=${await freePort()}`,
      `--https-port=${await freePort()}`,
    ],
  });
});

after(async () => {
  assert.equal(await defaults.stop(), 0);
  assert.equal(await tuned.stop(), 0);
  await app.close();
  await solver.close();
});

/** Status and Location of one plain-HTTP request to the default instance. */
async function redirectOf(host: string, path: string, headers: Record<string, string> = {}, p = defaults) {
  const res = await get(p.httpPort, { host, path, headers });
  return `${res.status} ${res.headers.location ?? '-'}`;
}

describe('HTTPS redirects (ssl-redirect, force-ssl-redirect)', () => {
  it('redirects a TLS host with 308 to https://host/uri, port dropped, query kept', async () => {
    assert.equal(await redirectOf('secure.e2e.test', '/cart?id=7'), '308 https://secure.e2e.test/cart?id=7');
    assert.equal(
      await redirectOf(`secure.e2e.test:${defaults.httpPort}`, '/cart'),
      '308 https://secure.e2e.test/cart',
    );
  });

  it('proxies a host without TLS over plain HTTP (ssl-redirect needs a certificate)', async () => {
    assert.equal(echoed(await get(defaults.httpPort, { host: 'plain.e2e.test', path: '/a' })).url, '/a');
  });

  it('redirects a host without TLS when force-ssl-redirect is set', async () => {
    assert.equal(await redirectOf('forced.e2e.test', '/pay'), '308 https://forced.e2e.test/pay');
  });

  it('uses http-redirect-code from the ConfigMap (301)', async () => {
    assert.equal(await redirectOf('secure.e2e.test', '/cart', {}, tuned), '301 https://secure.e2e.test/cart');
    assert.equal(await redirectOf('forced.e2e.test', '/pay', {}, tuned), '301 https://forced.e2e.test/pay');
  });

  it('drops one trailing slash, or keeps it with preserve-trailing-slash', async () => {
    assert.equal(await redirectOf('secure.e2e.test', '/shop/'), '308 https://secure.e2e.test/shop');
    assert.equal(await redirectOf('secure.e2e.test', '/'), '308 https://secure.e2e.test');
    // The URI ends with the query, not a slash: nothing is dropped.
    assert.equal(await redirectOf('secure.e2e.test', '/shop/?q=1'), '308 https://secure.e2e.test/shop/?q=1');
    assert.equal(await redirectOf('kept.e2e.test', '/shop/'), '308 https://kept.e2e.test/shop/');
  });
});

describe('the acme-challenge exemption (cert-manager HTTP-01 solver Ingress)', () => {
  it('proxies an Exact solver path over HTTP on a TLS host', async () => {
    const res = echoed(
      await get(defaults.httpPort, { host: 'secure.e2e.test', path: '/.well-known/acme-challenge/token-1' }),
    );
    assert.equal(res.backend, 'acme-solver');
    assert.equal(res.url, '/.well-known/acme-challenge/token-1');
  });

  it('proxies a Prefix solver path over HTTP, even with ConfigMap redirect settings', async () => {
    for (const p of [defaults, tuned]) {
      const res = echoed(
        await get(p.httpPort, { host: 'kept.e2e.test', path: '/.well-known/acme-challenge/abc' }),
      );
      assert.equal(res.backend, 'acme-solver');
    }
  });

  it('still redirects the rest of the host', async () => {
    assert.equal(
      await redirectOf('secure.e2e.test', '/.well-known/other'),
      '308 https://secure.e2e.test/.well-known/other',
    );
  });
});

describe('X-Forwarded-Proto and use-forwarded-headers', () => {
  it('does not redirect a request a trusted proxy says arrived over HTTPS', async () => {
    const res = echoed(
      await get(tuned.httpPort, {
        host: 'secure.e2e.test',
        path: '/cart',
        headers: { 'x-forwarded-proto': 'https' },
      }),
    );
    assert.equal(res.headers['x-forwarded-proto'], 'https');
  });

  it('ignores a client X-Forwarded-Proto without use-forwarded-headers', async () => {
    const headers = { 'x-forwarded-proto': 'https' };
    assert.equal(await redirectOf('secure.e2e.test', '/cart', headers), '308 https://secure.e2e.test/cart');
  });
});

describe('permanent-redirect, temporal-redirect, from-to-www-redirect', () => {
  it('answers permanent-redirect with 301 and the exact URL, on any path', async () => {
    assert.equal(await redirectOf('moved.e2e.test', '/old/page'), '301 https://new.example.com/landing');
  });

  it('answers temporal-redirect with 302', async () => {
    assert.equal(await redirectOf('maintenance.e2e.test', '/x'), '302 https://status.example.com/');
  });

  it('redirects the bare host to its www twin with http-redirect-code (HTTPS port added: not 443)', async () => {
    assert.equal(
      await redirectOf('brand.e2e.test', '/catalog?page=2', {}, tuned),
      `301 http://www.brand.e2e.test:${tuned.httpsPort}/catalog?page=2`,
    );
    assert.equal(
      echoed(await get(tuned.httpPort, { host: 'www.brand.e2e.test', path: '/catalog' })).url,
      '/catalog',
    );
  });

  it('writes the bound HTTPS port, not 0, when started with --https-port=0', async () => {
    assert.equal(
      await redirectOf('brand.e2e.test', '/catalog'),
      `308 http://www.brand.e2e.test:${defaults.httpsPort}/catalog`,
    );
  });
});
