import assert from 'node:assert/strict';
import {
  connect,
  createServer as createH2cServer,
  createSecureServer,
  type ServerHttp2Stream,
} from 'node:http2';
import { createServer as createHttpsServer } from 'node:https';
import { after, before, describe, it } from 'node:test';
import type { TLSSocket } from 'node:tls';
import type { ProxySsl } from '@portcullis/config-model';
import { type UpstreamAttempt, UpstreamPools } from '../src/proxy/index.ts';
import {
  closeServer,
  get,
  listen,
  makePki,
  type Pki,
  startBackend,
  startFront,
  table,
  target,
} from './proxy-fixtures.ts';

interface H2Reply {
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
  readonly trailers: Record<string, string | string[] | undefined>;
}

/** One request from a real HTTP/2 client (prior-knowledge h2c to the front). */
async function h2Request(port: number, headers: Record<string, string>, body?: string): Promise<H2Reply> {
  const session = connect(`http://127.0.0.1:${port}`);
  try {
    return await new Promise<H2Reply>((resolve, reject) => {
      const stream = session.request(headers, { endStream: body === undefined });
      let responseHeaders: H2Reply['headers'] = {};
      let trailers: H2Reply['trailers'] = {};
      const chunks: Buffer[] = [];
      stream.on('response', (h) => {
        responseHeaders = h;
      });
      stream.on('trailers', (t) => {
        trailers = t;
      });
      stream.on('data', (data: Buffer) => chunks.push(data));
      stream.on('end', () =>
        resolve({ headers: responseHeaders, body: Buffer.concat(chunks).toString(), trailers }),
      );
      stream.on('error', reject);
      if (body !== undefined) stream.end(body);
    });
  } finally {
    session.close();
  }
}

/** A gRPC-like handler: echoes the request body, answers grpc-status in trailers. */
function grpcHandler(
  stream: ServerHttp2Stream,
  headers: Record<string, string | string[] | undefined>,
): void {
  const chunks: Buffer[] = [];
  stream.on('data', (data: Buffer) => chunks.push(data));
  stream.on('end', () => {
    if (headers[':path'] === '/svc.Missing/Call') {
      // Trailers-only response: grpc-status travels in the one HEADERS frame.
      stream.respond(
        { ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '12' },
        { endStream: true },
      );
      return;
    }
    stream.respond(
      { ':status': 200, 'content-type': 'application/grpc', 'x-seen-te': String(headers.te) },
      { waitForTrailers: true },
    );
    stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0', 'grpc-message': 'fine' }));
    stream.end(Buffer.concat([Buffer.from(`${headers[':authority']} `), ...chunks]));
  });
}

describe('backend protocols', () => {
  let pki: Pki;
  const cleanups: Array<() => Promise<unknown>> = [];
  before(async () => {
    pki = await makePki();
  });
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  let tlsConnections = 0;

  async function httpsBackend(): Promise<number> {
    const server = createHttpsServer(
      {
        key: pki.serverKey,
        cert: pki.serverCert,
        ca: pki.caPem,
        requestCert: true,
        rejectUnauthorized: false,
      },
      (req, res) => {
        const socket = req.socket as TLSSocket;
        res.end(
          JSON.stringify({ sni: socket.servername, clientCert: socket.authorized, host: req.headers.host }),
        );
      },
    );
    server.on('secureConnection', () => {
      tlsConnections++;
    });
    cleanups.push(() => closeServer(server));
    return listen(server as unknown as Parameters<typeof listen>[0]);
  }

  async function front(t: ReturnType<typeof target>, http2 = false) {
    const pools = new UpstreamPools();
    const attempts: UpstreamAttempt[] = [];
    const f = await startFront(pools.prepare(table(t)), t, {
      http2,
      hooks: { onUpstream: (a) => attempts.push(a) },
    });
    cleanups.push(
      () => f.close(),
      () => pools.close(),
    );
    return { port: f.port, attempts };
  }

  const ssl = (overrides: Partial<ProxySsl>): ProxySsl => ({
    verify: true,
    name: 'backend.test',
    serverName: true,
    caPem: pki.caPem,
    certPem: pki.clientCert,
    keyPem: pki.clientKey,
    ...overrides,
  });

  it('HTTPS: verifies the backend against proxy-ssl-secret, sends SNI and the client certificate', async () => {
    const port = await httpsBackend();
    const { port: frontPort } = await front(target([['127.0.0.1', port]], 'HTTPS', ssl({})));
    const reply = await get(frontPort, '/', { host: 'example.com' });
    assert.equal(reply.status, 200);
    assert.deepEqual(JSON.parse(reply.body), { sni: 'backend.test', clientCert: true, host: 'example.com' });
  });

  it('HTTPS: one pooled connection serves many Host headers', async () => {
    const port = await httpsBackend();
    const before = tlsConnections;
    const { port: frontPort } = await front(target([['127.0.0.1', port]], 'HTTPS', ssl({})));
    for (const host of ['a.example.com', 'b.example.com', 'c.example.com', 'a.example.com']) {
      const reply = await get(frontPort, '/', { host });
      assert.equal(JSON.parse(reply.body).host, host);
      assert.equal(JSON.parse(reply.body).sni, 'backend.test');
    }
    assert.equal(tlsConnections - before, 1);
  });

  it('HTTPS: 502 when the backend certificate does not verify', async () => {
    const port = await httpsBackend();
    const { port: frontPort, attempts } = await front(
      target([['127.0.0.1', port]], 'HTTPS', ssl({ caPem: pki.otherCaPem })),
    );
    assert.equal((await get(frontPort)).status, 502);
    assert.equal(attempts[0]?.error, 'TlsFailed');
  });

  it('HTTPS: 502 when proxy-ssl-name does not match the certificate', async () => {
    const port = await httpsBackend();
    const { port: frontPort } = await front(
      target([['127.0.0.1', port]], 'HTTPS', ssl({ name: 'other.test' })),
    );
    assert.equal((await get(frontPort)).status, 502);
  });

  it('HTTPS without proxy-ssl-verify: encrypted, not verified (nginx proxy_ssl_verify off)', async () => {
    const port = await httpsBackend();
    const { port: frontPort } = await front(target([['127.0.0.1', port]], 'HTTPS', null));
    const reply = await get(frontPort);
    assert.equal(reply.status, 200);
    assert.equal(JSON.parse(reply.body).clientCert, false);
  });

  it('GRPC: h2c to the backend, trailers relayed to an HTTP/2 client', async () => {
    const backend = createH2cServer();
    backend.on('stream', grpcHandler);
    const port = await listen(backend);
    cleanups.push(() => closeServer(backend));
    const { port: frontPort, attempts } = await front(target([['127.0.0.1', port]], 'GRPC'), true);
    const request = {
      ':method': 'POST',
      ':path': '/svc.Echo/Say',
      ':authority': 'grpc.example.com',
      'content-type': 'application/grpc',
      te: 'trailers',
    };
    const reply = await h2Request(frontPort, request, 'ping');
    assert.equal(reply.headers[':status'], 200);
    assert.equal(reply.headers['x-seen-te'], 'trailers');
    assert.equal(reply.body, 'grpc.example.com ping');
    assert.equal(reply.trailers['grpc-status'], '0');
    assert.equal(reply.trailers['grpc-message'], 'fine');
    assert.equal(attempts[0]?.status, 200);

    const missing = await h2Request(frontPort, { ...request, ':path': '/svc.Missing/Call' }, '');
    assert.equal(missing.headers['grpc-status'], '12');
  });

  it('GRPCS: h2 over TLS to the backend, verified, trailers relayed', async () => {
    const backend = createSecureServer({ key: pki.serverKey, cert: pki.serverCert });
    backend.on('stream', grpcHandler);
    const port = await listen(backend as unknown as Parameters<typeof listen>[0]);
    cleanups.push(() => closeServer(backend));
    const { port: frontPort } = await front(
      target([['127.0.0.1', port]], 'GRPCS', ssl({ certPem: null, keyPem: null })),
      true,
    );
    const reply = await h2Request(
      frontPort,
      {
        ':method': 'POST',
        ':path': '/svc.Echo/Say',
        ':authority': 'grpc.example.com',
        'content-type': 'application/grpc',
        te: 'trailers',
      },
      'secure',
    );
    assert.equal(reply.body, 'grpc.example.com secure');
    assert.equal(reply.trailers['grpc-status'], '0');
  });

  it('HTTP/2 client to an HTTP/1.1 upstream: connection headers filtered, cookies kept apart', async () => {
    const backend = await startBackend((req, res) => {
      res.writeHead(200, {
        connection: 'keep-alive',
        'keep-alive': 'timeout=5',
        'set-cookie': ['a=1', 'b=2'],
        'content-type': 'text/plain',
      });
      res.end(`${req.httpVersion} ${req.headers.host}`);
    });
    cleanups.push(() => closeServer(backend.server));
    const { port: frontPort } = await front(target([['127.0.0.1', backend.port]]), true);
    const reply = await h2Request(frontPort, { ':path': '/', ':authority': 'h2.example.com' });
    assert.equal(reply.headers[':status'], 200);
    assert.equal(reply.body, '1.1 h2.example.com');
    assert.deepEqual(reply.headers['set-cookie'], ['a=1', 'b=2']);
    assert.equal(reply.headers.connection, undefined);
    assert.equal(reply.headers['keep-alive'], undefined);
  });

  it('HTTP/2 client with a request body to an HTTP/1.1 upstream', async () => {
    const backend = await startBackend((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (data: Buffer) => chunks.push(data));
      req.on('end', () => res.end(`${req.method} ${Buffer.concat(chunks)}`));
    });
    cleanups.push(() => closeServer(backend.server));
    const { port: frontPort } = await front(target([['127.0.0.1', backend.port]]), true);
    const reply = await h2Request(
      frontPort,
      { ':method': 'PUT', ':path': '/', ':authority': 'h2.example.com' },
      'payload',
    );
    assert.equal(reply.body, 'PUT payload');
  });
});
