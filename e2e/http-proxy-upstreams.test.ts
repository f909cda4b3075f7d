/**
 * What a client sees from the upstream side of the proxy: round robin over a Service's
 * endpoints, ingress-nginx's local answers (404 default backend, 503 no endpoints, 502 backend
 * down), large bodies streamed intact both ways, a WebSocket tunnel, and an HTTP/2 client served
 * by an HTTP/1.1 backend.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { connect as http2Connect } from 'node:http2';
import { connect as netConnect } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { serviceYaml, tlsSecretYaml } from './support/backend.ts';
import {
  decodeMaskedTextFrame,
  encodeTextFrame,
  patternBytes,
  type ScriptedBackend,
  startScriptedBackend,
} from './support/http-backends.ts';
import { curl, echoed, freePort, get, within } from './support/http-clients.ts';
import {
  ingressYaml,
  issueHostCertificate,
  multiEndpointServiceYaml,
  serviceWithoutEndpointsYaml,
} from './support/http-manifests.ts';
import { type Portcullis, startPortcullis } from './support/portcullis.ts';

const big = 20 * 1024 * 1024;
let first: ScriptedBackend;
let second: ScriptedBackend;
let portcullis: Portcullis;
let caPem: string;

before(async () => {
  // Two "pods" of one Service: same port on two loopback addresses, one EndpointSlice.
  first = await startScriptedBackend({ name: 'pod-a', host: '127.0.0.1' });
  second = await startScriptedBackend({ name: 'pod-b', host: '127.0.0.2', port: first.port });
  const cert = await issueHostCertificate(['h2.e2e.test']);
  caPem = cert.caPem;
  portcullis = await startPortcullis({
    manifests: {
      'services.yaml': [
        multiEndpointServiceYaml('app', ['127.0.0.1', '127.0.0.2'], first.port),
        serviceYaml('solo', first.port),
        serviceWithoutEndpointsYaml('scaled-to-zero'),
        serviceYaml('down', await freePort()),
        tlsSecretYaml('h2-tls', cert.pair),
      ].join('---\n'),
      'app.yaml': ingressYaml({
        name: 'app',
        host: 'app.e2e.test',
        paths: [{ path: '/api', service: 'app' }],
      }),
      'solo.yaml': ingressYaml({ name: 'solo', host: 'solo.e2e.test', service: 'solo' }),
      'empty.yaml': ingressYaml({ name: 'empty', host: 'empty.e2e.test', service: 'scaled-to-zero' }),
      'down.yaml': ingressYaml({ name: 'down', host: 'down.e2e.test', service: 'down' }),
      'impatient.yaml': ingressYaml({
        name: 'impatient',
        host: 'impatient.e2e.test',
        service: 'solo',
        annotations: { 'proxy-read-timeout': '1' },
      }),
      'h2.yaml': ingressYaml({ name: 'h2', host: 'h2.e2e.test', service: 'solo', tlsSecret: 'h2-tls' }),
    },
  });
});

after(async () => {
  assert.equal(await portcullis.stop(), 0);
  await first.close();
  await second.close();
});

describe('routing and local answers', { timeout: 60_000 }, () => {
  it('balances requests round robin over both endpoints', async () => {
    const counts = new Map<string, number>();
    for (let i = 0; i < 10; i++) {
      const { backend } = echoed(await get(portcullis.httpPort, { host: 'app.e2e.test', path: '/api/x' }));
      counts.set(backend, (counts.get(backend) ?? 0) + 1);
    }
    assert.deepEqual([...counts.keys()].sort(), ['pod-a', 'pod-b']);
    assert.ok(
      Math.abs((counts.get('pod-a') ?? 0) - (counts.get('pod-b') ?? 0)) <= 2,
      JSON.stringify([...counts]),
    );
  });

  it('answers 404 for an unknown host and for a path no rule matches', async () => {
    for (const [host, path] of [
      ['nobody.e2e.test', '/'],
      ['app.e2e.test', '/not-api'],
    ] as const) {
      const res = await get(portcullis.httpPort, { host, path });
      assert.equal(res.status, 404, `${host}${path}`);
      assert.match(res.body, /404 Not Found/);
    }
  });

  it('answers 503 when the Service has no endpoints', async () => {
    const res = await get(portcullis.httpPort, { host: 'empty.e2e.test' });
    assert.equal(res.status, 503);
    assert.match(res.body, /503 Service Temporarily Unavailable/);
  });

  it('answers 502 when the backend port is closed', async () => {
    const res = await get(portcullis.httpPort, { host: 'down.e2e.test' });
    assert.equal(res.status, 502);
    assert.match(res.body, /502 Bad Gateway/);
  });

  it("answers 504 when the backend is slower than the Ingress's proxy-read-timeout", async () => {
    const started = Date.now();
    const res = await get(portcullis.httpPort, { host: 'impatient.e2e.test', path: '/?delay=4000' });
    const elapsed = Date.now() - started;
    assert.equal(res.status, 504);
    assert.match(res.body, /504 Gateway Timeout/);
    assert.ok(elapsed >= 900 && elapsed < 3_500, `answered after ${elapsed} ms`);
    // The same backend within the timeout, and another Ingress to it without the annotation.
    assert.equal(
      (await get(portcullis.httpPort, { host: 'impatient.e2e.test', path: '/?delay=100' })).status,
      200,
    );
    assert.equal(
      (await get(portcullis.httpPort, { host: 'solo.e2e.test', path: '/?delay=1500' })).status,
      200,
    );
  });
});

describe('bodies and protocols', { timeout: 60_000 }, () => {
  it('streams a 20 MB download intact (curl)', async () => {
    const file = join(portcullis.dir, 'download.bin');
    await curl([
      '-o',
      file,
      '-H',
      'Host: solo.e2e.test',
      `http://127.0.0.1:${portcullis.httpPort}/download?bytes=${big}`,
    ]);
    const body = readFileSync(file);
    assert.equal(body.length, big);
    assert.ok(body.equals(patternBytes(big)), 'downloaded bytes differ from what the backend sent');
  });

  it('streams a 20 MB chunked upload intact (node:http)', async () => {
    const payload = randomBytes(big);
    const answer = new Promise<string>((resolve, reject) => {
      const req = httpRequest(
        { host: '127.0.0.1', port: portcullis.httpPort, method: 'POST', path: '/upload', agent: false },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (text += c));
          res.on('end', () => resolve(`${res.statusCode} ${text}`));
        },
      );
      req.setHeader('host', 'solo.e2e.test');
      req.on('error', reject);
      for (let offset = 0; offset < big; offset += 1024 * 1024)
        req.write(payload.subarray(offset, offset + 1024 * 1024));
      req.end();
    });
    const result = await within(answer, 30_000, 'upload answer');
    const sha256 = createHash('sha256').update(payload).digest('hex');
    assert.equal(result, `200 ${JSON.stringify({ bytes: big, sha256 })}`);
  });

  it('tunnels a WebSocket upgrade (raw RFC 6455 handshake over TCP)', async () => {
    const key = randomBytes(16).toString('base64');
    const socket = netConnect({ host: '127.0.0.1', port: portcullis.httpPort });
    socket.setTimeout(5_000, () => socket.destroy(new Error('websocket timed out')));
    const received: Buffer[] = [];
    const answer = new Promise<{ head: string; message: string }>((resolve, reject) => {
      socket.on('data', (chunk: Buffer) => {
        received.push(chunk);
        const all = Buffer.concat(received);
        const end = all.indexOf('\r\n\r\n');
        if (end < 0) return;
        if (all.length === end + 4) {
          socket.write(encodeTextFrame('hello', randomBytes(4)));
          return;
        }
        resolve({
          head: all.subarray(0, end).toString(),
          message: decodeMaskedTextFrame(all.subarray(end + 4)),
        });
      });
      socket.on('error', reject);
    });
    socket.write(
      'GET /chat HTTP/1.1\r\nHost: solo.e2e.test\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    );
    const { head, message } = await answer;
    // The tunnel must not outlive the client: portcullis closes the upstream side too.
    const tunnel = first.tunnels.at(-1);
    assert.ok(tunnel !== undefined);
    const upstreamClosed = new Promise((resolve) => tunnel.once('end', resolve));
    socket.destroy();
    await within(upstreamClosed, 5_000, 'upstream side of the tunnel closed');
    const accept = createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
    assert.match(head, /^HTTP\/1\.1 101 /);
    assert.match(head, new RegExp(`^sec-websocket-accept: ${accept.replace(/[+/]/g, '\\$&')}$`, 'im'));
    assert.equal(message, 'echo: hello');
  });

  it('serves an HTTP/2 client from an HTTP/1.1 backend', async () => {
    const session = http2Connect(`https://127.0.0.1:${portcullis.httpsPort}`, {
      servername: 'h2.e2e.test',
      ca: caPem,
    });
    try {
      const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
        const stream = session.request({ ':path': '/h2?x=1', ':authority': 'h2.e2e.test' });
        let status = 0;
        let body = '';
        stream.setEncoding('utf8');
        stream.on('response', (headers) => (status = Number(headers[':status'])));
        stream.on('data', (c: string) => (body += c));
        stream.on('end', () => resolve({ status, body }));
        stream.on('error', reject);
        session.on('error', reject);
      });
      const { status, body } = await within(response, 5_000, 'HTTP/2 response');
      assert.equal(status, 200);
      const seen = JSON.parse(body) as { url: string; httpVersion: string; headers: Record<string, string> };
      assert.equal(seen.url, '/h2?x=1');
      assert.equal(seen.httpVersion, '1.1');
      assert.equal(seen.headers.host, 'h2.e2e.test');
    } finally {
      session.close();
    }
  });
});
