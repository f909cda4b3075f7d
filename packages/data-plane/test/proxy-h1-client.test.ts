import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { PassThrough } from 'node:stream';
import { after, describe, it } from 'node:test';
import type { EndpointSpec } from '../src/proxy/endpoint.ts';
import { classifyError } from '../src/proxy/errors.ts';
import { Http1Pool } from '../src/proxy/h1/pool.ts';
import type { Http1Handler, Http1Request } from '../src/proxy/h1/types.ts';
import { type UpstreamAttempt, UpstreamPools } from '../src/proxy/index.ts';
import { closeServer, get, startFront, table, target } from './proxy-fixtures.ts';

/**
 * A raw TCP upstream: `answer` sees each request head (and body) and returns the exact bytes to
 * write, or null to close the connection without answering. Counts connections and requests.
 */
async function rawUpstream(
  answer: (head: string, body: string, index: number, socket: Socket) => string | null,
) {
  let connections = 0;
  let requests = 0;
  const heads: string[] = [];
  const server: Server = createServer((socket) => {
    connections++;
    let buffered = '';
    socket.setEncoding('latin1');
    socket.on('data', (data: string) => {
      buffered += data;
      for (;;) {
        const end = buffered.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = buffered.slice(0, end);
        const body = requestBody(head, buffered.slice(end + 4));
        if (body === null) return;
        buffered = buffered.slice(end + 4 + body.raw.length);
        heads.push(head);
        const reply = answer(head, body.text, requests++, socket);
        if (reply === null) socket.destroy();
        else socket.write(reply, 'latin1');
      }
    });
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  assert.ok(address !== null && typeof address === 'object');
  return {
    server,
    port: address.port,
    heads,
    connections: () => connections,
    requests: () => requests,
  };
}

/** The request body after a head, or null while incomplete (content-length or chunked). */
function requestBody(head: string, rest: string): { raw: string; text: string } | null {
  const length = /\r\ncontent-length: (\d+)/i.exec(head);
  if (length !== null) {
    const n = Number(length[1]);
    return rest.length < n ? null : { raw: rest.slice(0, n), text: rest.slice(0, n) };
  }
  if (!/\r\ntransfer-encoding: chunked/i.test(head)) return { raw: '', text: '' };
  let at = 0;
  let text = '';
  for (;;) {
    const line = rest.indexOf('\r\n', at);
    if (line < 0) return null;
    const size = Number.parseInt(rest.slice(at, line), 16);
    if (rest.length < line + 2 + size + 2) return null;
    text += rest.slice(line + 2, line + 2 + size);
    at = line + 2 + size + 2;
    if (size === 0) return { raw: rest.slice(0, at), text };
  }
}

interface Outcome {
  readonly status: number;
  readonly fields: string[];
  readonly body: string;
  readonly trailers: string[] | null;
  readonly error: Error | null;
}

/** Runs one request through the pool and collects what the handler saw. */
function send(pool: Http1Pool, overrides: Partial<Http1Request> = {}): Promise<Outcome> {
  return new Promise((resolve) => {
    let status = 0;
    let fields: string[] = [];
    const chunks: Buffer[] = [];
    const handler: Http1Handler = {
      onRequestStart() {},
      onBodySent() {},
      onRequestSent() {},
      onResponseHead(_c, code, received) {
        status = code;
        fields = received;
      },
      onResponseData(_c, chunk) {
        chunks.push(chunk);
      },
      onResponseEnd(_c, trailers, last) {
        if (last !== null) chunks.push(last);
        resolve({ status, fields, body: Buffer.concat(chunks).toString('latin1'), trailers, error: null });
      },
      onResponseError(_c, error) {
        resolve({ status, fields, body: Buffer.concat(chunks).toString('latin1'), trailers: null, error });
      },
    };
    const request: Http1Request = {
      method: 'GET',
      path: '/',
      headers: { host: 'example.com' },
      host: undefined,
      body: null,
      ...overrides,
    };
    pool.request(request, handler);
  });
}

function poolFor(port: number, options: Partial<{ readTimeoutMs: number; keepAliveTimeoutMs: number }> = {}) {
  const endpoint: EndpointSpec = {
    key: `http://127.0.0.1:${port}#`,
    label: `127.0.0.1:${port}`,
    host: '127.0.0.1',
    port,
    origin: `http://127.0.0.1:${port}`,
    wire: 'http',
    tls: null,
    timeouts: {
      connectTimeoutMs: 1_000,
      readTimeoutMs: options.readTimeoutMs ?? 5_000,
      sendTimeoutMs: 60_000,
    },
  };
  return new Http1Pool(endpoint, {
    connectTimeoutMs: 1_000,
    readTimeoutMs: options.readTimeoutMs ?? 5_000,
    keepAliveTimeoutMs: options.keepAliveTimeoutMs ?? 60_000,
  });
}

const ok = (body: string, extra = ''): string =>
  `HTTP/1.1 200 OK\r\ncontent-length: ${body.length}\r\n${extra}\r\n${body}`;

describe('HTTP/1.1 upstream client', () => {
  const cleanups: Array<() => Promise<unknown>> = [];
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  async function setup(answer: Parameters<typeof rawUpstream>[0], options?: Parameters<typeof poolFor>[1]) {
    const upstream = await rawUpstream(answer);
    const pool = poolFor(upstream.port, options);
    cleanups.push(
      () => closeServer(upstream.server),
      () => pool.close(),
    );
    return { upstream, pool };
  }

  it('reads Content-Length bodies and reuses one connection', async () => {
    const { upstream, pool } = await setup((_head, _body, i) => ok(`reply ${i}`, 'x-a: 1\r\nX-B:  two \r\n'));
    for (let i = 0; i < 5; i++) {
      const outcome = await send(pool);
      assert.equal(outcome.error, null);
      assert.equal(outcome.status, 200);
      assert.equal(outcome.body, `reply ${i}`);
      assert.deepEqual(outcome.fields, [
        'content-length',
        String(`reply ${i}`.length),
        'x-a',
        '1',
        'x-b',
        'two',
      ]);
    }
    assert.equal(upstream.connections(), 1);
    assert.match(upstream.heads[0] ?? '', /^GET \/ HTTP\/1\.1\r\nhost: example\.com$/);
  });

  it('decodes chunked bodies with extensions and keeps the trailers', async () => {
    const { upstream, pool } = await setup(
      () =>
        'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n' +
        '5;name=value\r\nhello\r\n1 ; ext\r\n,\r\n6\r\n world\r\n0\r\nx-checksum: abc\r\nX-Other: 1\r\n\r\n',
    );
    const first = await send(pool);
    assert.equal(first.error, null);
    assert.equal(first.body, 'hello, world');
    assert.deepEqual(first.trailers, ['x-checksum', 'abc', 'x-other', '1']);
    assert.equal((await send(pool)).body, 'hello, world');
    assert.equal(upstream.connections(), 1);
  });

  it('reads a body without length until the upstream closes, and never reuses that connection', async () => {
    const { upstream, pool } = await setup((_head, _body, i, socket) => {
      socket.end(`HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\n\r\nuntil close ${i}`);
      return '';
    });
    assert.equal((await send(pool)).body, 'until close 0');
    assert.equal((await send(pool)).body, 'until close 1');
    assert.equal(upstream.connections(), 2);
  });

  it('expects no body after HEAD, 204 and 304, and keeps the connection', async () => {
    const { upstream, pool } = await setup((head) => {
      if (head.startsWith('HEAD')) return 'HTTP/1.1 200 OK\r\ncontent-length: 1234\r\n\r\n';
      if (head.includes('/204')) return 'HTTP/1.1 204 No Content\r\n\r\n';
      return 'HTTP/1.1 304 Not Modified\r\ncontent-length: 99\r\n\r\n';
    });
    const head = await send(pool, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.body, '');
    assert.equal((await send(pool, { path: '/204' })).status, 204);
    assert.equal((await send(pool, { path: '/304' })).status, 304);
    assert.equal(upstream.connections(), 1);
  });

  it('skips 1xx interim responses', async () => {
    const { pool } = await setup(
      () => `HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nlink: </a.css>\r\n\r\n${ok('final')}`,
    );
    const outcome = await send(pool);
    assert.equal(outcome.status, 200);
    assert.equal(outcome.body, 'final');
  });

  it('parses a head that arrives in pieces', async () => {
    const { pool } = await setup((_head, _body, _i, socket) => {
      const reply = ok('split body', 'x-long: '.concat('y'.repeat(3000), '\r\n'));
      let at = 0;
      const drip = (): void => {
        socket.write(reply.slice(at, at + 700), 'latin1');
        at += 700;
        if (at < reply.length) setTimeout(drip, 2);
      };
      drip();
      return '';
    });
    const outcome = await send(pool);
    assert.equal(outcome.body, 'split body');
    assert.equal(outcome.fields[3]?.length, 3000);
  });

  for (const [name, reply] of [
    [
      'Content-Length with Transfer-Encoding',
      'HTTP/1.1 200 OK\r\ncontent-length: 5\r\ntransfer-encoding: chunked\r\n\r\n0\r\n\r\n',
    ],
    ['a malformed Content-Length', 'HTTP/1.1 200 OK\r\ncontent-length: 5x\r\n\r\nhello'],
    [
      'conflicting Content-Lengths',
      'HTTP/1.1 200 OK\r\ncontent-length: 5\r\ncontent-length: 6\r\n\r\nhello!',
    ],
    ['obsolete line folding', 'HTTP/1.1 200 OK\r\nx-a: 1\r\n folded\r\ncontent-length: 0\r\n\r\n'],
    ['a field without a colon', 'HTTP/1.1 200 OK\r\nbroken\r\ncontent-length: 0\r\n\r\n'],
    ['a bad status line', 'HTTP/1.1 2000 OK\r\ncontent-length: 0\r\n\r\n'],
    ['something that is not HTTP', 'SSH-2.0-OpenSSH_9.6\r\n'],
    ['a bad chunk size', 'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n'],
    [
      'a chunk without its CRLF',
      'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhelloXX0\r\n\r\n',
    ],
  ] as const) {
    it(`refuses ${name} as a bad response (502)`, async () => {
      const { pool } = await setup(() => reply);
      const outcome = await send(pool);
      assert.ok(outcome.error !== null, 'expected an error');
      const failure = classifyError(outcome.error);
      assert.equal(failure.code, 'BadResponse');
      assert.equal(failure.status, 502);
    });
  }

  it('sends a bodyless request again on a fresh connection when a pooled one turns out stale', async () => {
    // The second request on any connection finds it closed (the keep-alive race).
    const served = new WeakMap<Socket, number>();
    const { upstream, pool } = await setup((_head, _body, _i, socket) => {
      const count = (served.get(socket) ?? 0) + 1;
      served.set(socket, count);
      return count === 1 ? ok('fresh') : null;
    });
    assert.equal((await send(pool)).body, 'fresh');
    const retried = await send(pool);
    assert.equal(retried.error, null);
    assert.equal(retried.body, 'fresh');
    assert.equal(upstream.connections(), 2);
  });

  it('does not resend a POST on a stale connection', async () => {
    let seen = 0;
    const { upstream, pool } = await setup(() => (seen++ === 0 ? ok('first') : null));
    assert.equal((await send(pool)).body, 'first');
    const outcome = await send(pool, { method: 'POST' });
    assert.ok(outcome.error !== null);
    assert.equal(classifyError(outcome.error).code, 'ConnectionReset');
    assert.equal(upstream.connections(), 1);
  });

  it('streams request bodies: chunked without a length, as-is with one', async () => {
    const { upstream, pool } = await setup((_head, body) => ok(`got ${body}`));
    const chunked = new PassThrough();
    const pending = send(pool, { method: 'POST', body: chunked });
    chunked.write('abc');
    setTimeout(() => chunked.end('def'), 10);
    assert.equal((await pending).body, 'got abcdef');
    assert.match(upstream.heads[0] ?? '', /transfer-encoding: chunked/);
    const sized = new PassThrough();
    const second = send(pool, { method: 'PUT', headers: { host: 'h', 'content-length': '4' }, body: sized });
    sized.end('wxyz');
    assert.equal((await second).body, 'got wxyz');
    assert.match(upstream.heads[1] ?? '', /content-length: 4/);
    assert.equal(upstream.connections(), 1);
  });

  it('never forwards hop-by-hop request fields, and sends content-length: 0 for an empty POST', async () => {
    const { upstream, pool } = await setup(() => ok(''));
    await send(pool, {
      method: 'POST',
      headers: {
        host: 'h',
        connection: 'close',
        te: 'trailers',
        upgrade: 'x',
        ':path': '/',
        'x-kept': ['1', '2'],
      },
    });
    assert.equal(
      upstream.heads[0],
      'POST / HTTP/1.1\r\nhost: h\r\nx-kept: 1\r\nx-kept: 2\r\ncontent-length: 0',
    );
  });

  it('refuses a header value or request target that would inject a line', async () => {
    const { upstream, pool } = await setup(() => ok(''));
    const outcome = await send(pool, { headers: { host: 'h', 'x-evil': 'a\r\nx-injected: 1' } });
    assert.ok(outcome.error !== null);
    const target = await send(pool, { path: '/a HTTP/1.1\r\nx-injected: 1\r\n\r\nGET /b' });
    assert.ok(target.error !== null);
    assert.equal((await send(pool, { path: '/fine' })).status, 200);
    assert.equal(upstream.requests(), 1);
  });

  it('times out a silent upstream (proxy-read-timeout)', async () => {
    const { pool } = await setup(() => '', { readTimeoutMs: 100 });
    const outcome = await send(pool);
    assert.equal(outcome.error === null ? null : classifyError(outcome.error).code, 'ReadTimeout');
  });

  it('maps a smuggling-shaped response to 502 through forward()', async () => {
    const upstream = await rawUpstream(
      () => 'HTTP/1.1 200 OK\r\ncontent-length: 3\r\ntransfer-encoding: chunked\r\n\r\n0\r\n\r\n',
    );
    const pools = new UpstreamPools();
    const t = target([['127.0.0.1', upstream.port]]);
    const attempts: UpstreamAttempt[] = [];
    const front = await startFront(pools.prepare(table(t)), t, {
      hooks: { onUpstream: (a) => attempts.push(a) },
    });
    cleanups.push(
      () => closeServer(upstream.server),
      () => front.close(),
      () => pools.close(),
    );
    assert.equal((await get(front.port)).status, 502);
    assert.equal(attempts[0]?.error, 'BadResponse');
  });
});
