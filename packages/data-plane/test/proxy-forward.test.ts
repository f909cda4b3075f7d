import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, describe, it } from 'node:test';
import type { ProxyTimeouts } from '@portcullis/config-model';
import { type UpstreamAttempt, UpstreamPools } from '../src/proxy/index.ts';
import { closeServer, get, sleep, startBackend, startFront, table, target } from './proxy-fixtures.ts';

/** A port with nothing listening: bind, note the port, close. */
async function deadPort(): Promise<number> {
  const { server, port } = await startBackend(() => {});
  await closeServer(server);
  return port;
}

describe('forward()', () => {
  const cleanups: Array<() => Promise<unknown>> = [];
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  async function setup(
    endpoints: ReadonlyArray<readonly [string, number]>,
    options = {},
    timeouts?: ProxyTimeouts,
  ) {
    const pools = new UpstreamPools(options);
    const t = target(endpoints, 'HTTP', null, false, timeouts);
    const attempts: UpstreamAttempt[] = [];
    const front = await startFront(pools.prepare(table(t)), t, {
      hooks: { onUpstream: (a) => attempts.push(a) },
    });
    cleanups.push(
      () => front.close(),
      () => pools.close(),
    );
    return { pools, front, attempts };
  }

  it('proxies a GET with the computed headers and reports the upstream', async () => {
    const backend = await startBackend((req, res) => {
      res.setHeader('x-seen-host', req.headers.host ?? '');
      res.setHeader('x-seen-xff', String(req.headers['x-forwarded-for']));
      res.end(`hello ${req.method} ${req.url}`);
    });
    cleanups.push(() => closeServer(backend.server));
    const { front, attempts } = await setup([['127.0.0.1', backend.port]]);
    const reply = await get(front.port, '/a/b?c=d', { host: 'example.com' });
    assert.equal(reply.status, 200);
    assert.equal(reply.body, 'hello GET /a/b?c=d');
    assert.equal(reply.headers['x-seen-host'], 'example.com');
    assert.equal(reply.headers['x-seen-xff'], '127.0.0.1');
    assert.equal(attempts.length, 1);
    assert.equal(attempts[0]?.endpoint, `127.0.0.1:${backend.port}`);
    assert.equal(attempts[0]?.status, 200);
    assert.equal(attempts[0]?.error, undefined);
  });

  it('connects to an ExternalName backend by DNS name', async () => {
    const backend = await startBackend((req, res) => res.end(`external ${req.headers.host}`));
    cleanups.push(() => closeServer(backend.server));
    const pools = new UpstreamPools();
    const t = target([['localhost', backend.port]], 'HTTP', null, true);
    const attempts: UpstreamAttempt[] = [];
    const front = await startFront(pools.prepare(table(t)), t, {
      hooks: { onUpstream: (a) => attempts.push(a) },
    });
    cleanups.push(
      () => front.close(),
      () => pools.close(),
    );
    const reply = await get(front.port, '/', { host: 'example.com' });
    assert.equal(reply.body, 'external example.com');
    assert.equal(attempts[0]?.endpoint, `localhost:${backend.port}`);
  });

  it('round-robins over three endpoints', async () => {
    const backends = await Promise.all(
      ['a', 'b', 'c'].map((name) => startBackend((_req, res) => res.end(name))),
    );
    for (const b of backends) cleanups.push(() => closeServer(b.server));
    const { front } = await setup(backends.map((b) => ['127.0.0.1', b.port] as const));
    const counts = new Map<string, number>();
    for (let i = 0; i < 9; i++) {
      const { body } = await get(front.port);
      counts.set(body, (counts.get(body) ?? 0) + 1);
    }
    assert.deepEqual([...counts.entries()].sort(), [
      ['a', 3],
      ['b', 3],
      ['c', 3],
    ]);
  });

  it('passes two Set-Cookie headers as two header lines', async () => {
    const backend = await startBackend((_req, res) => {
      res.setHeader('set-cookie', ['a=1; Path=/', 'b=2; HttpOnly']);
      res.end('ok');
    });
    cleanups.push(() => closeServer(backend.server));
    const { front } = await setup([['127.0.0.1', backend.port]]);
    const reply = await get(front.port);
    assert.deepEqual(reply.headers['set-cookie'], ['a=1; Path=/', 'b=2; HttpOnly']);
    const lines = reply.rawHeaders.filter(
      (_v, i) => i % 2 === 0 && reply.rawHeaders[i]?.toLowerCase() === 'set-cookie',
    );
    assert.equal(lines.length, 2);
  });

  it('strips hop-by-hop response headers, including those named by Connection', async () => {
    const backend = await startBackend((req, res) => {
      res.writeHead(200, {
        connection: 'keep-alive, x-hop',
        'keep-alive': 'timeout=17',
        'x-hop': 'secret',
        'x-accel-redirect': '/internal',
        'proxy-connection': 'keep-alive',
        trailer: 'x-nothing',
        'x-kept': 'yes',
      });
      res.end(req.headers.connection ?? 'none');
    });
    cleanups.push(() => closeServer(backend.server));
    const { front } = await setup([['127.0.0.1', backend.port]]);
    const reply = await get(front.port);
    assert.equal(reply.status, 200);
    assert.equal(reply.headers['x-kept'], 'yes');
    for (const name of ['x-hop', 'x-accel-redirect', 'proxy-connection', 'trailer']) {
      assert.equal(reply.headers[name], undefined, name);
    }
    // The front's own keep-alive answer, not the upstream's timeout=17.
    assert.notEqual(reply.headers['keep-alive'], 'timeout=17');
  });

  it('answers 503 when the backend has no endpoints', async () => {
    const { front, attempts } = await setup([]);
    const reply = await get(front.port);
    assert.equal(reply.status, 503);
    assert.equal(reply.headers['content-type'], 'text/plain; charset=utf-8');
    assert.match(reply.body, /^503 /);
    assert.deepEqual(
      attempts.map((a) => [a.endpoint, a.status, a.error]),
      [[null, 503, 'NoEndpoints']],
    );
  });

  it('answers 502 when the connection is refused', async () => {
    const port = await deadPort();
    const { front, attempts } = await setup([['127.0.0.1', port]]);
    const reply = await get(front.port);
    assert.equal(reply.status, 502);
    assert.equal(reply.body, '502 Bad Gateway\n');
    assert.equal(attempts[0]?.error, 'ConnectRefused');
    // The front keeps working (and answers again) after the failure.
    assert.equal((await get(front.port)).status, 502);
  });

  it('retries a bodyless request on the next endpoint after a refused connection', async () => {
    const port = await deadPort();
    const backend = await startBackend((_req, res) => res.end('alive'));
    cleanups.push(() => closeServer(backend.server));
    const { front, attempts } = await setup([
      ['127.0.0.1', port],
      ['127.0.0.1', backend.port],
    ]);
    for (let i = 0; i < 4; i++) assert.equal((await get(front.port)).body, 'alive');
    const failures = attempts.filter((a) => a.error !== undefined);
    // The dead endpoint fails once, then cools down and is skipped.
    assert.equal(failures.length, 1);
    assert.equal(failures[0]?.status, 502);
  });

  it('answers 504 when the upstream is slower than proxy-read-timeout', async () => {
    const backend = await startBackend((_req, res) => {
      setTimeout(() => res.end('late'), 3_000).unref();
    });
    cleanups.push(() => closeServer(backend.server));
    const { front, attempts } = await setup([['127.0.0.1', backend.port]], { readTimeoutMs: 200 });
    const started = Date.now();
    const reply = await get(front.port);
    assert.equal(reply.status, 504);
    assert.equal(reply.body, '504 Gateway Timeout\n');
    // undici's timers are coarse (about 1s resolution below a second), well under the backend's 3s.
    assert.ok(Date.now() - started < 2_500);
    assert.equal(attempts[0]?.error, 'ReadTimeout');
  });

  it("answers 504 after the route's proxy-read-timeout, not the proxy-wide default", async () => {
    const backend = await startBackend((_req, res) => {
      setTimeout(() => res.end('late'), 4_000).unref();
    });
    cleanups.push(() => closeServer(backend.server));
    // The proxy-wide default would wait 60 s; the route's annotation says 1 s.
    const { front, attempts } = await setup(
      [['127.0.0.1', backend.port]],
      {},
      {
        connect: null,
        read: 1,
        send: null,
      },
    );
    const started = Date.now();
    const reply = await get(front.port);
    const elapsed = Date.now() - started;
    assert.equal(reply.status, 504);
    assert.equal(attempts[0]?.error, 'ReadTimeout');
    assert.ok(elapsed >= 900 && elapsed < 3_500, `answered after ${elapsed} ms`);
  });

  it('answers 502 to a response that is not HTTP', async () => {
    const { createServer } = await import('node:net');
    const junk = createServer((socket) => socket.end('SSH-2.0-OpenSSH\r\n\r\n'));
    await new Promise<void>((resolve) => junk.listen(0, '127.0.0.1', resolve));
    cleanups.push(async () => junk.close());
    const address = junk.address();
    assert.ok(address !== null && typeof address === 'object');
    const { front, attempts } = await setup([['127.0.0.1', address.port]]);
    assert.equal((await get(front.port)).status, 502);
    assert.equal(attempts[0]?.error, 'BadResponse');
  });

  it('destroys the client connection when the upstream dies mid-body', async () => {
    const backend = await startBackend((_req, res) => {
      res.writeHead(200, { 'content-length': '100' });
      res.write('partial');
      setTimeout(() => res.socket?.destroy(), 50);
    });
    cleanups.push(() => closeServer(backend.server));
    const { front, attempts } = await setup([['127.0.0.1', backend.port]]);
    await assert.rejects(get(front.port), /aborted|socket hang up|ECONNRESET/);
    assert.equal(attempts[0]?.error, 'ConnectionReset');
  });

  it('aborts the upstream request when the client disconnects mid-response', async () => {
    let upstreamClosed: () => void = () => {};
    const closed = new Promise<void>((resolve) => {
      upstreamClosed = resolve;
    });
    const backend = await startBackend((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      const timer = setInterval(() => res.write('tick\n'), 10);
      res.on('close', () => {
        clearInterval(timer);
        upstreamClosed();
      });
    });
    cleanups.push(() => closeServer(backend.server));
    const { front, attempts } = await setup([['127.0.0.1', backend.port]]);
    await new Promise<void>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: front.port, path: '/' }, (res) => {
        res.once('data', () => {
          req.destroy();
          resolve();
        });
      });
      req.on('error', () => {});
      req.end();
      setTimeout(() => reject(new Error('no data')), 2_000).unref();
    });
    await closed;
    await sleep(20);
    assert.equal(attempts[0]?.status, 499);
    assert.equal(attempts[0]?.error, 'ClientAborted');
  });
});
