/**
 * The headers a backend receives and a client gets back, as ingress-nginx's location block sets
 * them (nginx.tmpl proxy_set_header ...): X-Forwarded-*, X-Real-IP, X-Request-ID, Host kept,
 * client-supplied forwarding headers replaced unless use-forwarded-headers trusts them, and
 * hop-by-hop fields (RFC 9110 §7.6.1) dropped in both directions.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { serviceYaml, tlsSecretYaml } from './support/backend.ts';
import { type ScriptedBackend, startScriptedBackend } from './support/http-backends.ts';
import { curl, echoed, freePort, get } from './support/http-clients.ts';
import { configMapYaml, ingressYaml, issueHostCertificate } from './support/http-manifests.ts';
import { type Portcullis, startPortcullis } from './support/portcullis.ts';

let app: ScriptedBackend;
let plain: Portcullis;
let trusting: Portcullis;
let caFile: string;

before(async () => {
  app = await startScriptedBackend({ name: 'app' });
  const cert = await issueHostCertificate(['tls.e2e.test']);
  const files = {
    'app.yaml': `${serviceYaml('app', app.port)}---\n${tlsSecretYaml('tls', cert.pair)}`,
    'plain.yaml': ingressYaml({ name: 'plain', host: 'hdr.e2e.test', service: 'app' }),
    'tls.yaml': ingressYaml({ name: 'tls', host: 'tls.e2e.test', service: 'app', tlsSecret: 'tls' }),
  };
  // Fixed ports: X-Forwarded-Port reports the HTTPS listener as 443 only when its port is known.
  plain = await startPortcullis({
    manifests: files,
    flags: [`--http-port=${await freePort()}`, `--https-port=${await freePort()}`],
  });
  trusting = await startPortcullis({
    manifests: {
      ...files,
      'configmap.yaml': configMapYaml({
        'use-forwarded-headers': 'true',
        'compute-full-forwarded-for': 'true',
      }),
    },
    flags: ['--configmap=default/portcullis'],
  });
  caFile = join(plain.dir, 'ca.crt');
  writeFileSync(caFile, cert.caPem);
});

after(async () => {
  assert.equal(await plain.stop(), 0);
  assert.equal(await trusting.stop(), 0);
  await app.close();
});

describe('forwarding headers set for the backend', () => {
  it('sets X-Forwarded-For/-Proto/-Host/-Port, X-Real-IP and a fresh X-Request-ID; keeps Host', async () => {
    const host = `hdr.e2e.test:${plain.httpPort}`;
    const seen = echoed(await get(plain.httpPort, { host, path: '/who' })).headers;
    assert.equal(seen.host, host);
    assert.equal(seen['x-forwarded-host'], host);
    assert.equal(seen['x-forwarded-for'], '127.0.0.1');
    assert.equal(seen['x-real-ip'], '127.0.0.1');
    assert.equal(seen['x-forwarded-proto'], 'http');
    assert.equal(seen['x-forwarded-port'], String(plain.httpPort));
    assert.match(seen['x-request-id'] ?? '', /^[0-9a-f]{32}$/);
    const again = echoed(await get(plain.httpPort, { host, path: '/who' })).headers;
    assert.notEqual(again['x-request-id'], seen['x-request-id']);
  });

  it('keeps a client X-Request-ID (ingress-nginx $req_id)', async () => {
    const headers = { 'x-request-id': 'trace-abc-123' };
    const seen = echoed(await get(plain.httpPort, { host: 'hdr.e2e.test', headers })).headers;
    assert.equal(seen['x-request-id'], 'trace-abc-123');
  });

  it('reports HTTPS as proto https and port 443 (lua_ingress $pass_port)', async () => {
    const out = await curl([
      '--cacert',
      caFile,
      '--resolve',
      `tls.e2e.test:${plain.httpsPort}:127.0.0.1`,
      `https://tls.e2e.test:${plain.httpsPort}/secure`,
    ]);
    const seen = (JSON.parse(out) as { headers: Record<string, string> }).headers;
    assert.equal(seen['x-forwarded-proto'], 'https');
    assert.equal(seen['x-forwarded-port'], '443');
    assert.equal(seen.host, `tls.e2e.test:${plain.httpsPort}`);
  });
});

describe('client-supplied forwarding headers', () => {
  const spoofed = {
    'x-forwarded-for': '203.0.113.9',
    'x-forwarded-host': 'evil.example',
    'x-real-ip': '198.51.100.1',
  };

  it('overwrites them by default; the original list goes to X-Original-Forwarded-For', async () => {
    const seen = echoed(await get(plain.httpPort, { host: 'hdr.e2e.test', headers: spoofed })).headers;
    assert.equal(seen['x-forwarded-for'], '127.0.0.1');
    assert.equal(seen['x-real-ip'], '127.0.0.1');
    assert.equal(seen['x-forwarded-host'], 'hdr.e2e.test');
    assert.equal(seen['x-original-forwarded-for'], '203.0.113.9');
  });

  it('trusts them with use-forwarded-headers (+ compute-full-forwarded-for appends the peer)', async () => {
    const seen = echoed(await get(trusting.httpPort, { host: 'hdr.e2e.test', headers: spoofed })).headers;
    assert.equal(seen['x-forwarded-for'], '203.0.113.9, 127.0.0.1');
    assert.equal(seen['x-real-ip'], '203.0.113.9');
    assert.equal(seen['x-forwarded-host'], 'evil.example');
  });
});

describe('hop-by-hop headers', () => {
  it('drops Connection-listed, Keep-Alive, TE and Proxy (httpoxy) request headers', async () => {
    const headers = {
      connection: 'keep-alive, x-hop-only',
      'x-hop-only': 'secret',
      'keep-alive': 'timeout=5',
      te: 'gzip',
      proxy: 'http://attacker.example:3128',
      'x-end-to-end': 'kept',
    };
    const seen = echoed(await get(plain.httpPort, { host: 'hdr.e2e.test', headers })).headers;
    assert.equal(seen['x-end-to-end'], 'kept');
    for (const name of ['x-hop-only', 'keep-alive', 'te', 'proxy']) assert.equal(seen[name], undefined, name);
  });

  it('drops hop-by-hop and X-Accel-* response headers over HTTP/1.1', async () => {
    const res = await get(plain.httpPort, { host: 'hdr.e2e.test', path: '/hop-headers' });
    assert.equal(res.status, 200);
    assert.equal(res.headers['x-end-to-end'], 'kept');
    for (const name of ['x-hop-secret', 'keep-alive', 'x-accel-redirect']) {
      assert.equal(res.headers[name], undefined, name);
    }
  });

  it('answers the same response over HTTP/2, where connection fields are forbidden', async () => {
    const out = await curl([
      '--http2',
      '-D',
      '-',
      '-o',
      '/dev/null',
      '--cacert',
      caFile,
      '--resolve',
      `tls.e2e.test:${plain.httpsPort}:127.0.0.1`,
      `https://tls.e2e.test:${plain.httpsPort}/hop-headers`,
    ]);
    assert.match(out, /^HTTP\/2 200/);
    assert.match(out, /^x-end-to-end: kept\r$/m);
    assert.doesNotMatch(out, /^(x-hop-secret|keep-alive|connection|x-accel-redirect):/im);
  });
});
