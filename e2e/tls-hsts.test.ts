/**
 * Strict-Transport-Security: ingress-nginx adds it to every HTTPS response (default
 * `max-age=31536000; includeSubDomains`) and never to plain HTTP (RFC 6797 §7.2), shaped by the
 * ConfigMap keys hsts, hsts-max-age, hsts-include-subdomains and hsts-preload.
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { type EchoBackend, serviceYaml, startEchoBackend, tlsSecretYaml } from './support/backend.ts';
import { type Portcullis, startPortcullis } from './support/portcullis.ts';
import { configMapYaml, httpsGet, ingressYaml, issue, rewriteAndApply } from './support/tls-kit.ts';

const HOST = 'hsts.e2e.test';
const PLAIN = 'plain.e2e.test';
let backend: EchoBackend;
let portcullis: Portcullis;

before(async () => {
  backend = await startEchoBackend('echo');
  const cert = await issue({ dnsNames: [HOST, PLAIN] });
  portcullis = await startPortcullis({
    manifests: {
      'sites.yaml': [
        serviceYaml('echo', backend.port),
        ingressYaml({
          name: 'hsts',
          hosts: [HOST],
          tls: [{ hosts: [HOST], secretName: 'hsts' }],
          service: 'echo',
        }),
        // TLS too, but HTTP is served rather than redirected, so the HTTP response is visible.
        ingressYaml({
          name: 'plain',
          hosts: [PLAIN],
          tls: [{ hosts: [PLAIN], secretName: 'hsts' }],
          service: 'echo',
          annotations: { 'nginx.ingress.kubernetes.io/ssl-redirect': 'false' },
        }),
        tlsSecretYaml('hsts', cert),
      ].join('---\n'),
      'config.yaml': configMapYaml({}),
    },
    flags: ['--configmap', 'default/portcullis'],
  });
});

after(async () => {
  assert.equal(await portcullis.stop(), 0);
  await backend.close();
});

function httpGet(host: string): Promise<{ status: number; sts: unknown }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port: portcullis.httpPort, path: '/', headers: { host }, agent: false },
      (res) => {
        res.resume();
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, sts: res.headers['strict-transport-security'] }),
        );
      },
    );
    req.setTimeout(5_000, () => req.destroy(new Error('HTTP GET timed out')));
    req.on('error', reject);
    req.end();
  });
}

describe('HSTS', () => {
  it('HTTPS responses carry the default header', async () => {
    for (const host of [HOST, PLAIN]) {
      const res = await httpsGet(portcullis.httpsPort, host);
      assert.equal(res.status, 200);
      assert.equal(res.headers['strict-transport-security'], 'max-age=31536000; includeSubDomains');
    }
  });

  it('plain HTTP never carries it: neither the redirect nor a served page', async () => {
    const redirect = await httpGet(HOST);
    assert.equal(redirect.status, 308);
    assert.equal(redirect.sts, undefined);
    const served = await httpGet(PLAIN);
    assert.equal(served.status, 200);
    assert.equal(served.sts, undefined);
  });

  it('hsts-max-age, hsts-include-subdomains and hsts-preload shape the header', async () => {
    await rewriteAndApply(
      portcullis,
      'config.yaml',
      configMapYaml({ 'hsts-max-age': '600', 'hsts-include-subdomains': 'false', 'hsts-preload': 'true' }),
    );
    const res = await httpsGet(portcullis.httpsPort, HOST);
    assert.equal(res.headers['strict-transport-security'], 'max-age=600; preload');
    assert.equal((await httpGet(PLAIN)).sts, undefined);
  });

  it('hsts "false" removes it', async () => {
    await rewriteAndApply(portcullis, 'config.yaml', configMapYaml({ hsts: 'false' }));
    const res = await httpsGet(portcullis.httpsPort, HOST);
    assert.equal(res.status, 200);
    assert.equal(res.headers['strict-transport-security'], undefined);
  });
});
