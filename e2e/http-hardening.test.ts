/**
 * Hostile or broken clients, sent as raw bytes: request smuggling (Content-Length together with
 * Transfer-Encoding, RFC 9112 §6.1) on both ports, garbage instead of a request line, and a
 * slowloris client that never finishes its headers (client-header-timeout, 60 s unless the
 * ConfigMap says otherwise; 2 s here).
 */
import assert from 'node:assert/strict';
import { connect as netConnect, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { serviceYaml, tlsSecretYaml } from './support/backend.ts';
import { type ScriptedBackend, startScriptedBackend } from './support/http-backends.ts';
import { echoed, get, rawExchange, rawStatus } from './support/http-clients.ts';
import { configMapYaml, ingressYaml, issueHostCertificate } from './support/http-manifests.ts';
import { type Portcullis, startPortcullis } from './support/portcullis.ts';

let app: ScriptedBackend;
let portcullis: Portcullis;

before(async () => {
  app = await startScriptedBackend({ name: 'app' });
  const cert = await issueHostCertificate(['safe.e2e.test']);
  portcullis = await startPortcullis({
    manifests: {
      'app.yaml': `${serviceYaml('app', app.port)}---\n${tlsSecretYaml('safe-tls', cert.pair)}`,
      // ssl-redirect off: plain-HTTP requests must reach the proxy path, not a redirect.
      'safe.yaml': ingressYaml({
        name: 'safe',
        host: 'safe.e2e.test',
        service: 'app',
        tlsSecret: 'safe-tls',
        annotations: { 'ssl-redirect': 'false' },
      }),
      'configmap.yaml': configMapYaml({ 'client-header-timeout': '2' }),
    },
    flags: ['--configmap=default/portcullis'],
  });
});

after(async () => {
  assert.equal(await portcullis.stop(), 0);
  await app.close();
});

const smuggled =
  'POST /upload HTTP/1.1\r\nHost: safe.e2e.test\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n' +
  '0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: safe.e2e.test\r\n\r\n';

function smuggledReachedBackend(): boolean {
  return app.requests.some((r) => r.url === '/smuggled' || r.url === '/upload');
}

async function stillServing(): Promise<void> {
  assert.equal(echoed(await get(portcullis.httpPort, { host: 'safe.e2e.test', path: '/ok' })).url, '/ok');
}

describe('request smuggling', { timeout: 30_000 }, () => {
  it('rejects Content-Length with Transfer-Encoding on the HTTP port: 400, closed', async () => {
    const { text, closed } = await rawExchange(portcullis.httpPort, smuggled);
    assert.equal(rawStatus(text), 400, text);
    assert.equal(closed, true);
    assert.equal((text.match(/HTTP\/1\.1 /g) ?? []).length, 1, 'the smuggled request got an answer');
    assert.equal(smuggledReachedBackend(), false);
  });

  it('rejects it on the HTTPS port too (HTTP/1.1 over TLS)', async () => {
    const { text, closed } = await rawExchange(portcullis.httpsPort, smuggled, {
      tlsServername: 'safe.e2e.test',
    });
    assert.equal(rawStatus(text), 400, text);
    assert.equal(closed, true);
    assert.equal(smuggledReachedBackend(), false);
  });
});

describe('garbage and slow clients', { timeout: 30_000 }, () => {
  it('answers garbage bytes with 400 and keeps serving others', async () => {
    const garbage = Buffer.from([0x16, 0x03, 0x01, 0x00, 0xff, 0x00, 0x0d, 0x0a, 0x0d, 0x0a]);
    const binary = await rawExchange(portcullis.httpPort, garbage);
    assert.equal(rawStatus(binary.text), 400, binary.text);
    assert.equal(binary.closed, true);
    const words = await rawExchange(portcullis.httpPort, 'HELLO THERE\r\n\r\n');
    assert.equal(rawStatus(words.text), 400, words.text);
    await stillServing();
  });

  it('keeps serving other clients while slowloris connections hold unfinished headers', async () => {
    const slow: Socket[] = [];
    try {
      for (let i = 0; i < 20; i++) {
        const socket = netConnect({ host: '127.0.0.1', port: portcullis.httpPort });
        socket.on('error', () => {});
        socket.write('GET / HTTP/1.1\r\nHost: safe.e2e.test\r\nX-Slow: ');
        slow.push(socket);
      }
      for (let i = 0; i < 5; i++) await stillServing();
    } finally {
      for (const socket of slow) socket.destroy();
    }
  });
});

describe('client header timeout', { timeout: 30_000 }, () => {
  for (const scheme of ['http', 'https'] as const) {
    it(`cuts a client that never finishes its headers after client-header-timeout (${scheme}, 408 or close)`, async () => {
      const started = Date.now();
      const { text, closed } = await rawExchange(
        scheme === 'http' ? portcullis.httpPort : portcullis.httpsPort,
        'GET / HTTP/1.1\r\nHost: safe.e2e.test\r\nX-Slow: ',
        scheme === 'http' ? { timeoutMs: 10_000 } : { timeoutMs: 10_000, tlsServername: 'safe.e2e.test' },
      );
      const elapsed = Date.now() - started;
      assert.equal(closed, true, 'the connection was still open after 10 s');
      assert.ok(text === '' || rawStatus(text) === 408, text);
      // node checks header deadlines once a second: 2 s configured, cut within 2-3.5 s.
      assert.ok(elapsed >= 1_900 && elapsed < 5_000, `cut after ${elapsed} ms`);
    });
  }
});
