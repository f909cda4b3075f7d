/**
 * HTTP/2 through the real HTTPS listener, whose streams skip node's compat layer
 * (http/h2-stream.ts): responses, HEAD, request bodies, upstream trailers, local and error pages,
 * and the metrics observation, each as an HTTP/2 client sees it.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import { type ClientHttp2Session, connect } from 'node:http2';
import { after, before, describe, it } from 'node:test';
import { issueCertificate } from '../../config-model/src/certificates/index.ts';
import type { RequestObservation } from '../src/http/index.ts';
import {
  buildTable,
  endpointSlice,
  httpsListener,
  ingress,
  listen,
  service,
  tlsSecret,
} from './http-fixtures.ts';

const closers: (() => Promise<void>)[] = [];
after(async () => {
  for (const close of closers.reverse()) await close();
});

interface H2Answer {
  readonly headers: Record<string, string | string[] | number | undefined>;
  readonly body: string;
  readonly trailers: Record<string, string | string[] | undefined>;
}

function request(
  session: ClientHttp2Session,
  headers: Record<string, string>,
  body?: string,
): Promise<H2Answer> {
  return new Promise((resolve, reject) => {
    const stream = session.request(headers, { endStream: body === undefined });
    let responseHeaders: H2Answer['headers'] = {};
    let trailers: H2Answer['trailers'] = {};
    let text = '';
    stream.on('response', (h) => {
      responseHeaders = h;
    });
    stream.on('trailers', (t) => {
      trailers = t;
    });
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      text += chunk;
    });
    stream.on('end', () => resolve({ headers: responseHeaders, body: text, trailers }));
    stream.on('error', reject);
    if (body !== undefined) stream.end(body);
  });
}

describe('HTTP/2 streams without the compat layer', () => {
  let session: ClientHttp2Session;
  const observations: RequestObservation[] = [];

  before(async () => {
    const backend = await listen(
      createServer((req, res) => {
        if (req.url === '/trailers') {
          res.writeHead(200, { 'content-type': 'text/plain', trailer: 'x-checksum' });
          res.write('with ');
          res.addTrailers({ 'x-checksum': 'abc' });
          res.end('trailers');
          return;
        }
        const chunks: Buffer[] = [];
        req.on('data', (chunk: Buffer) => chunks.push(chunk));
        req.on('end', () => {
          res.setHeader('set-cookie', ['a=1', 'b=2']);
          res.setHeader('strict-transport-security', 'max-age=1');
          res.end(`${req.method} ${req.url} ${req.headers.host} ${Buffer.concat(chunks).toString()}`);
        });
      }),
    );
    closers.push(backend.close);
    const site = await issueCertificate({
      dnsNames: ['h2.example.com'],
      keyType: 'ECDSA-P-256',
      notBefore: new Date(Date.now() - 60_000),
      notAfter: new Date(Date.now() + 86_400_000),
    });
    const table = await buildTable([
      service('echo', [{ port: 80, targetPort: backend.port }]),
      endpointSlice('echo', [{ ip: '127.0.0.1', ready: true }], [{ port: backend.port }]),
      service('gone', [{ port: 80, targetPort: 1 }]),
      endpointSlice('gone', [{ ip: '127.0.0.1', ready: true }], [{ port: 1 }]),
      tlsSecret('site', site),
      ingress('app', {
        tls: [{ hosts: ['h2.example.com'], secretName: 'site' }],
        rules: [
          {
            host: 'h2.example.com',
            paths: [
              { path: '/', service: 'echo' },
              { path: '/down', service: 'gone' },
            ],
          },
        ],
      }),
    ]);
    const https = await httpsListener(table, { metrics: { observe: (o) => observations.push(o) } });
    closers.push(https.close);
    session = connect(`https://127.0.0.1:${https.port}`, {
      servername: 'h2.example.com',
      rejectUnauthorized: false,
    });
    closers.unshift(async () => {
      session.close();
    });
  });

  const base = { ':authority': 'h2.example.com' };

  it('answers a GET with the upstream fields, cookies apart, our HSTS only', async () => {
    const answer = await request(session, { ...base, ':path': '/x?y=1' });
    assert.equal(answer.headers[':status'], 200);
    assert.equal(answer.body, 'GET /x?y=1 h2.example.com ');
    assert.deepEqual(answer.headers['set-cookie'], ['a=1', 'b=2']);
    assert.match(String(answer.headers['strict-transport-security']), /^max-age=31536000/);
    assert.equal(answer.headers.connection, undefined);
    const seen = observations.at(-1);
    assert.equal(seen?.status, 200);
    assert.ok((seen?.responseSize ?? 0) > answer.body.length);
    assert.ok(seen?.upstreamDuration !== null);
  });

  it('streams a request body upstream', async () => {
    const answer = await request(session, { ...base, ':method': 'PUT', ':path': '/put' }, 'payload');
    assert.equal(answer.body, 'PUT /put h2.example.com payload');
  });

  it('sends no body for HEAD', async () => {
    const answer = await request(session, { ...base, ':method': 'HEAD', ':path': '/' });
    assert.equal(answer.headers[':status'], 200);
    assert.equal(answer.body, '');
  });

  it('relays the trailers of a chunked HTTP/1.1 upstream response', async () => {
    const answer = await request(session, { ...base, ':path': '/trailers' });
    assert.equal(answer.body, 'with trailers');
    assert.equal(answer.trailers['x-checksum'], 'abc');
  });

  it('answers 502 with the error page when the upstream refuses, and 404 locally', async () => {
    const down = await request(session, { ...base, ':path': '/down' });
    assert.equal(down.headers[':status'], 502);
    assert.equal(down.body, '502 Bad Gateway\n');
    assert.match(String(down.headers['strict-transport-security']), /^max-age=/);
    const missing = await request(session, { ':authority': 'other.example.com', ':path': '/' });
    assert.equal(missing.headers[':status'], 404);
    assert.match(missing.body, /404 Not Found/);
  });

  it('keeps serving the session after a stream is reset by the client', async () => {
    const stream = session.request({ ...base, ':path': '/' });
    stream.close();
    await once(stream, 'close');
    assert.equal((await request(session, { ...base, ':path': '/after' })).headers[':status'], 200);
  });
});
