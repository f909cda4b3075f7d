/**
 * ALPN on the HTTPS port (RFC 7301): h2 is chosen when the client offers it, http/1.1
 * otherwise; the ConfigMap's use-http2 "false" (ingress-nginx: `http2 off`) leaves HTTP/1.1 only.
 * Checked with curl, node:http2 and a bare node:tls handshake.
 */
import assert from 'node:assert/strict';
import { connect as connectH2 } from 'node:http2';
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
  runCommand,
} from './support/tls-kit.ts';

const HOST = 'alpn.e2e.test';
let backend: EchoBackend;
let portcullis: Portcullis;

before(async () => {
  backend = await startEchoBackend('echo');
  const cert = await issue({ dnsNames: [HOST] });
  portcullis = await startPortcullis({
    manifests: {
      'sites.yaml': [
        serviceYaml('echo', backend.port),
        ingressYaml({
          name: 'alpn',
          hosts: [HOST],
          tls: [{ hosts: [HOST], secretName: 'alpn' }],
          service: 'echo',
        }),
        tlsSecretYaml('alpn', cert),
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

/** curl's `%{http_version} %{http_code}` for one GET with the given version flag. */
async function curlVersion(flag: '--http2' | '--http1.1'): Promise<string> {
  const out = await runCommand('curl', [
    '-sS',
    '-k',
    flag,
    '--resolve',
    `${HOST}:${portcullis.httpsPort}:127.0.0.1`,
    '-o',
    '/dev/null',
    '-w',
    '%{http_version} %{http_code}',
    `https://${HOST}:${portcullis.httpsPort}/`,
  ]);
  assert.equal(out.code, 0, out.stderr);
  return out.stdout;
}

/** One GET over node:http2; resolves with the :status. */
function h2Get(path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const session = connectH2(`https://127.0.0.1:${portcullis.httpsPort}`, {
      servername: HOST,
      rejectUnauthorized: false,
    });
    session.on('error', reject);
    const req = session.request({ ':path': path, ':authority': HOST });
    req.setTimeout(5_000, () => req.close());
    req.on('response', (headers) => {
      resolve(Number(headers[':status']));
      session.close();
    });
    req.on('error', reject);
    req.end();
  });
}

describe('ALPN', () => {
  const skip = missingTool('curl');

  it('negotiates h2 when offered, and serves HTTP/2 to curl and node:http2', { skip }, async () => {
    assert.equal(await curlVersion('--http2'), '2 200');
    assert.equal(await h2Get('/h2'), 200);
    assert.equal(backend.requests.at(-1)?.url, '/h2');
    const shake = await handshake(portcullis.httpsPort, {
      servername: HOST,
      ALPNProtocols: ['h2', 'http/1.1'],
    });
    assert.equal(shake.alpn, 'h2');
  });

  it('negotiates http/1.1 for clients that offer only it', { skip }, async () => {
    assert.equal(await curlVersion('--http1.1'), '1.1 200');
    const shake = await handshake(portcullis.httpsPort, { servername: HOST, ALPNProtocols: ['http/1.1'] });
    assert.equal(shake.alpn, 'http/1.1');
  });

  it('use-http2 "false" leaves HTTP/1.1 only', { skip }, async () => {
    await rewriteAndApply(portcullis, 'config.yaml', configMapYaml({ 'use-http2': 'false' }));
    const shake = await handshake(portcullis.httpsPort, {
      servername: HOST,
      ALPNProtocols: ['h2', 'http/1.1'],
    });
    assert.equal(shake.alpn, 'http/1.1');
    assert.equal(await curlVersion('--http2'), '1.1 200');
  });
});
