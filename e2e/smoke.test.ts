/** The real binary, end to end: HTTPS with a certificate from a Secret, h2, redirect, readiness. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { issueCertificate } from '@portcullis/config-model';
import { type EchoBackend, serviceYaml, startEchoBackend, tlsSecretYaml } from './support/backend.ts';
import { type Portcullis, startPortcullis } from './support/portcullis.ts';

const run = promisify(execFile);
let backend: EchoBackend;
let portcullis: Portcullis;
let caFile: string;

before(async () => {
  backend = await startEchoBackend('shop');
  const validity = {
    notBefore: new Date(Date.now() - 86_400_000),
    notAfter: new Date(Date.now() + 86_400_000),
    keyType: 'ECDSA-P-256' as const,
  };
  const ca = await issueCertificate({ commonName: 'e2e CA', isCa: true, ...validity });
  const leaf = await issueCertificate({ dnsNames: ['shop.e2e.test'], issuer: ca, ...validity });
  portcullis = await startPortcullis({
    manifests: {
      'app.yaml': `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: { name: shop, namespace: default }
spec:
  ingressClassName: nginx
  tls: [{ hosts: [shop.e2e.test], secretName: shop-tls }]
  rules:
    - host: shop.e2e.test
      http: { paths: [{ path: /, pathType: Prefix, backend: { service: { name: shop, port: { number: 80 } } } }] }
---
${serviceYaml('shop', backend.port)}---
${tlsSecretYaml('shop-tls', { certPem: leaf.certPem + ca.certPem, keyPem: leaf.keyPem })}`,
    },
  });
  caFile = `${portcullis.dir}/ca.crt`;
  writeFileSync(caFile, ca.certPem);
});

after(async () => {
  assert.equal(await portcullis.stop(), 0);
  await backend.close();
});

describe('smoke: the real binary', () => {
  it('serves HTTPS over HTTP/2 with the Secret certificate, verified by curl', async () => {
    const { stdout } = await run('curl', [
      '-sS',
      '--http2',
      '--cacert',
      caFile,
      '--resolve',
      `shop.e2e.test:${portcullis.httpsPort}:127.0.0.1`,
      '-w',
      '\n%{http_version} %{http_code}',
      `https://shop.e2e.test:${portcullis.httpsPort}/cart?x=1`,
    ]);
    const [body = '', status = ''] = stdout.split('\n');
    assert.equal(status, '2 200');
    const echoed = JSON.parse(body) as { url: string; headers: Record<string, string> };
    assert.equal(echoed.url, '/cart?x=1');
    assert.equal(echoed.headers['x-forwarded-proto'], 'https');
  });

  it('redirects HTTP to HTTPS with 308', async () => {
    const { stdout } = await run('curl', [
      '-sS',
      '-o',
      '/dev/null',
      '-w',
      '%{http_code} %{redirect_url}',
      '-H',
      'Host: shop.e2e.test',
      `http://127.0.0.1:${portcullis.httpPort}/cart`,
    ]);
    assert.equal(stdout, '308 https://shop.e2e.test/cart');
  });

  it('reports ready on /readyz and exposes ingress-nginx metrics', async () => {
    const ready = await fetch(`http://127.0.0.1:${portcullis.healthzPort}/readyz`);
    assert.equal(ready.status, 200);
    const metrics = await (await fetch(`http://127.0.0.1:${portcullis.healthzPort}/metrics`)).text();
    assert.match(
      metrics,
      /nginx_ingress_controller_requests\{[^}]*status="200"[^}]*host="shop.e2e.test"\} 1/,
    );
    assert.match(metrics, /nginx_ingress_controller_ssl_expire_time_seconds\{[^}]*host="shop.e2e.test"/);
  });
});
