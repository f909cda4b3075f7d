/**
 * Protocol versions and cipher suites, checked with Debian's `openssl s_client` (OpenSSL 3.0).
 * ingress-nginx defaults to `ssl_protocols TLSv1.2 TLSv1.3`; its ConfigMap keys ssl-protocols
 * and ssl-ciphers widen or narrow that. The legacy case is the seed doc's example: TLS 1.1 with
 * a CBC suite on an RSA certificate for old clients, which OpenSSL 3 only speaks at
 * security level 0 (SHA-1 signatures in the TLS 1.1 handshake).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type EchoBackend, serviceYaml, startEchoBackend, tlsSecretYaml } from './support/backend.ts';
import { type Portcullis, startPortcullis } from './support/portcullis.ts';
import {
  configMapYaml,
  handshake,
  ingressYaml,
  issue,
  missingTool,
  rewriteAndApply,
  sClient,
} from './support/tls-kit.ts';

const HOST = 'proto.e2e.test';
const GET = `GET /legacy HTTP/1.1\r\nHost: ${HOST}\r\nConnection: close\r\n\r\n`;
const skip = missingTool('openssl');

let backend: EchoBackend;
let sites: string;

before(async () => {
  backend = await startEchoBackend('echo');
  // RSA: the TLS 1.1 CBC suites are ECDHE-RSA ones.
  const cert = await issue({ dnsNames: [HOST], keyType: 'RSA-2048' });
  sites = [
    serviceYaml('echo', backend.port),
    ingressYaml({
      name: 'proto',
      hosts: [HOST],
      tls: [{ hosts: [HOST], secretName: 'proto' }],
      service: 'echo',
    }),
    tlsSecretYaml('proto', cert),
  ].join('---\n');
});

after(() => backend.close());

/**
 * What s_client negotiated, or null when the handshake failed. The `New, ..., Cipher is` line
 * is printed on every run (`(NONE)` on failure); its version field is the cipher's, so the
 * protocol comes from the session summary when there is one (TLS 1.3 prints it only once a
 * ticket arrives).
 */
function negotiated(stdout: string): { protocol: string; cipher: string } | null {
  const summary = /^New, (\S+), Cipher is (\S+)/m.exec(stdout);
  if (summary === null || summary[2] === '(NONE)') return null;
  const protocol = /^\s*Protocol\s*:\s*(\S+)/m.exec(stdout)?.[1] ?? summary[1] ?? '';
  return { protocol, cipher: summary[2] ?? '' };
}

describe('default protocols: TLS 1.2 and 1.3 only', { skip }, () => {
  let portcullis: Portcullis;
  before(async () => {
    portcullis = await startPortcullis({
      manifests: { 'sites.yaml': sites, 'config.yaml': configMapYaml({}) },
      flags: ['--configmap', 'default/portcullis'],
    });
  });
  after(async () => assert.equal(await portcullis.stop(), 0));

  it('refuses TLS 1.1 and TLS 1.0', async () => {
    for (const flag of ['-tls1_1', '-tls1']) {
      const out = await sClient(portcullis.httpsPort, [
        '-servername',
        HOST,
        flag,
        '-cipher',
        'DEFAULT:@SECLEVEL=0',
      ]);
      assert.equal(negotiated(out.stdout), null, `${flag} should fail:\n${out.stdout}`);
      assert.notEqual(out.code, 0);
    }
  });

  it('speaks TLS 1.2 and TLS 1.3', async () => {
    const v12 = await sClient(portcullis.httpsPort, ['-servername', HOST, '-tls1_2']);
    assert.equal(negotiated(v12.stdout)?.protocol, 'TLSv1.2', v12.stdout);
    const v13 = await sClient(portcullis.httpsPort, ['-servername', HOST, '-tls1_3']);
    assert.equal(negotiated(v13.stdout)?.protocol, 'TLSv1.3', v13.stdout);
  });

  it('ssl-ciphers narrows the TLS 1.2 suites; TLS 1.3 suites are unaffected (as with nginx)', async () => {
    await rewriteAndApply(
      portcullis,
      'config.yaml',
      configMapYaml({ 'ssl-ciphers': 'ECDHE-RSA-AES256-GCM-SHA384' }),
    );

    const refused = await sClient(portcullis.httpsPort, [
      '-servername',
      HOST,
      '-tls1_2',
      '-cipher',
      'ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-CHACHA20-POLY1305',
    ]);
    assert.equal(
      negotiated(refused.stdout),
      null,
      `a suite outside ssl-ciphers was accepted:\n${refused.stdout}`,
    );
    const allowed = await sClient(portcullis.httpsPort, ['-servername', HOST, '-tls1_2']);
    assert.deepEqual(negotiated(allowed.stdout), {
      protocol: 'TLSv1.2',
      cipher: 'ECDHE-RSA-AES256-GCM-SHA384',
    });
    const v13 = await handshake(portcullis.httpsPort, { servername: HOST, minVersion: 'TLSv1.3' });
    assert.equal(v13.protocol, 'TLSv1.3');
  });
});

describe('legacy TLS through the ConfigMap (the seed example)', { skip }, () => {
  let portcullis: Portcullis;
  before(async () => {
    portcullis = await startPortcullis({
      manifests: {
        'sites.yaml': sites,
        'config.yaml': configMapYaml({
          'ssl-protocols': 'TLSv1.1 TLSv1.2 TLSv1.3',
          'ssl-ciphers': 'ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-SHA',
        }),
      },
      flags: ['--configmap', 'default/portcullis'],
    });
  });
  after(async () => assert.equal(await portcullis.stop(), 0));

  it('an old client on TLS 1.1 with ECDHE-RSA-AES128-SHA connects and a GET works', async () => {
    const out = await sClient(
      portcullis.httpsPort,
      ['-servername', HOST, '-tls1_1', '-cipher', 'DEFAULT:@SECLEVEL=0'],
      GET,
    );
    assert.deepEqual(
      negotiated(out.stdout),
      { protocol: 'TLSv1.1', cipher: 'ECDHE-RSA-AES128-SHA' },
      out.stdout,
    );
    assert.match(out.stdout, /^HTTP\/1\.1 200/m);
    assert.match(out.stdout, /"url":"\/legacy"/);
  });

  it('modern clients still get TLS 1.3 and TLS 1.2 with the listed AEAD suite', async () => {
    const v13 = await sClient(portcullis.httpsPort, ['-servername', HOST]);
    assert.equal(negotiated(v13.stdout)?.protocol, 'TLSv1.3', v13.stdout);
    const v12 = await sClient(portcullis.httpsPort, ['-servername', HOST, '-tls1_2']);
    assert.deepEqual(negotiated(v12.stdout), { protocol: 'TLSv1.2', cipher: 'ECDHE-RSA-AES128-GCM-SHA256' });
  });

  it('TLS 1.0 stays off: it was not listed', async () => {
    const out = await sClient(portcullis.httpsPort, [
      '-servername',
      HOST,
      '-tls1',
      '-cipher',
      'DEFAULT:@SECLEVEL=0',
    ]);
    assert.equal(negotiated(out.stdout), null, out.stdout);
  });
});
