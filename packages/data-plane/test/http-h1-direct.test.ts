/**
 * HTTP/1.1's direct path (http/h1-direct.ts, docs/adr/0008) on the HTTPS and plain listeners:
 * which heads it takes, the bytes a client gets back (framing, keep-alive, pipelining, HEAD,
 * HTTP/1.0), and the hand-over to node:http at the first request it does not take, on the same
 * connection.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, IncomingMessage, type ServerResponse } from 'node:http';
import { type AddressInfo, type Socket, connect as tcpConnect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { connect, type TLSSocket } from 'node:tls';
import { parseHead, putHttp1DirectPath } from '../src/http/h1-direct.ts';
import { TlsContexts } from '../src/tls/index.ts';
import { certificate, issue, type Listener, listen, table } from './tls-fixtures.ts';

/** Any control character but HTAB (CR, LF and NUL included). */
function hasControl(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if ((c < 32 && c !== 9) || c === 127) return true;
  }
  return false;
}

describe('parseHead: the heads the direct path takes', () => {
  const head = (lines: string[]) => parseHead(lines.join('\r\n'));

  it('takes a plain GET: method, target, version and fields as node:http reports them', () => {
    const parsed = head([
      'GET /a?b=1 HTTP/1.1',
      'Host: x.test',
      'User-Agent: t/1',
      'X-Empty:',
      'Accept:  */* ',
    ]);
    assert.ok(parsed !== null);
    assert.equal(parsed.method, 'GET');
    assert.equal(parsed.url, '/a?b=1');
    assert.equal(parsed.minor, 1);
    assert.deepEqual(parsed.headers, { host: 'x.test', 'user-agent': 't/1', 'x-empty': '', accept: '*/*' });
    assert.deepEqual(parsed.rawHeaders, [
      'Host',
      'x.test',
      'User-Agent',
      't/1',
      'X-Empty',
      '',
      'Accept',
      '*/*',
    ]);
    assert.equal(parsed.keepAlive, true);
  });

  it('reads keep-alive as RFC 9112 §9.3 says for HTTP/1.1 and HTTP/1.0', () => {
    assert.equal(head(['GET / HTTP/1.1', 'Host: x', 'Connection: foo, Close'])?.keepAlive, false);
    assert.equal(head(['GET / HTTP/1.0'])?.keepAlive, false);
    assert.equal(head(['GET / HTTP/1.0', 'Connection: keep-alive'])?.keepAlive, true);
    assert.equal(head(['DELETE /x HTTP/1.1', 'Host: x', 'Content-Length: 0'])?.method, 'DELETE');
  });

  const refused: Record<string, string[]> = {
    'a body (Content-Length)': ['POST / HTTP/1.1', 'Host: x', 'Content-Length: 5'],
    'a body (Transfer-Encoding)': ['POST / HTTP/1.1', 'Host: x', 'Transfer-Encoding: chunked'],
    'both framings (smuggling)': [
      'GET / HTTP/1.1',
      'Host: x',
      'Content-Length: 0',
      'Transfer-Encoding: chunked',
    ],
    'Expect: 100-continue': ['PUT / HTTP/1.1', 'Host: x', 'Expect: 100-continue'],
    'an upgrade': ['GET / HTTP/1.1', 'Host: x', 'Connection: Upgrade', 'Upgrade: websocket'],
    'no Host on HTTP/1.1': ['GET / HTTP/1.1', 'Accept: */*'],
    'a repeated field': ['GET / HTTP/1.1', 'Host: x', 'Host: y'],
    'a repeated field, any case': ['GET / HTTP/1.1', 'Host: x', 'Cookie: a', 'cookie: b'],
    'an absolute-form target': ['GET http://x/ HTTP/1.1', 'Host: x'],
    'an asterisk target': ['OPTIONS * HTTP/1.1', 'Host: x'],
    CONNECT: ['CONNECT x:443 HTTP/1.1', 'Host: x:443'],
    'a lower-case method': ['get / HTTP/1.1', 'Host: x'],
    'HTTP/2.0 in a request line': ['GET / HTTP/2.0', 'Host: x'],
    'HTTP/1.2': ['GET / HTTP/1.2', 'Host: x'],
    'a space in the target': ['GET /a b HTTP/1.1', 'Host: x'],
    'a control character in the target': ['GET /a\x01 HTTP/1.1', 'Host: x'],
    'a non-ASCII target': ['GET /\u00e9 HTTP/1.1', 'Host: x'],
    'obs-fold': ['GET / HTTP/1.1', 'Host: x', 'X-A: 1', ' folded'],
    'a space before the colon': ['GET / HTTP/1.1', 'Host : x'],
    'a field without a colon': ['GET / HTTP/1.1', 'Host: x', 'Junk'],
    'a bare LF inside a field': ['GET / HTTP/1.1', 'Host: x\nX-Injected: 1'],
    'a bare CR inside a field': ['GET / HTTP/1.1', 'Host: x\rX: 1'],
    'a NUL in a value': ['GET / HTTP/1.1', 'Host: x', 'X-A: a\x00b'],
    'an empty field name': ['GET / HTTP/1.1', 'Host: x', ': v'],
    '__proto__ as a field name': ['GET / HTTP/1.1', 'Host: x', '__proto__: v'],
    garbage: ['\x16\x03\x01\x00\xff'],
  };
  for (const [name, lines] of Object.entries(refused)) {
    it(`leaves ${name} to node:http`, () => {
      assert.equal(head(lines), null);
    });
  }

  it('never throws, and whatever it takes keeps its invariants (20,000 mutated heads)', () => {
    // A fixed-seed generator (xorshift32): the same heads on every run.
    let seed = 0x9e3779b9;
    const random = (n: number) => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return (seed >>> 0) % n;
    };
    const base =
      'GET /path?q=1 HTTP/1.1\r\nHost: a.test\r\nAccept: */*\r\nX-Forwarded-For: 10.0.0.1\r\nConnection: keep-alive';
    const alphabet = ' \t\r\n:/\x00\x7f\u00ff,;=AZaz09-_';
    let taken = 0;
    for (let i = 0; i < 20_000; i++) {
      const chars = [...base];
      for (let m = 1 + random(3); m > 0; m--) {
        const at = random(chars.length);
        const c =
          random(2) === 0 ? (alphabet[random(alphabet.length)] ?? ' ') : String.fromCharCode(random(256));
        if (random(3) === 0) chars.splice(at, 1);
        else chars[at] = c;
      }
      const parsed = parseHead(chars.join(''));
      if (parsed === null) continue;
      taken++;
      assert.match(parsed.method, /^[A-Z]{1,20}$/);
      assert.match(parsed.url, /^\/[\x21-\x7e]*$/);
      for (let f = 0; f < parsed.rawHeaders.length; f += 2) {
        assert.match(parsed.rawHeaders[f] ?? '', /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/);
        assert.equal(hasControl(parsed.rawHeaders[f + 1] ?? ''), false);
      }
      assert.equal(new Set(Object.keys(parsed.headers)).size, parsed.rawHeaders.length / 2);
    }
    // Most single-byte changes leave a head the path can still take (in a value, say).
    assert.ok(taken > 1_000, `only ${taken} taken`);
  });

  it('leaves more than 100 fields to node:http', () => {
    const many = Array.from({ length: 101 }, (_, i) => `X-F${i}: v`);
    assert.equal(head(['GET / HTTP/1.1', 'Host: x', ...many]), null);
  });
});

/** A raw TLS client: writes bytes, collects everything until the server closes or a pause. */
function client(port: number): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = connect(
      {
        host: '127.0.0.1',
        port,
        servername: 'a.test',
        rejectUnauthorized: false,
        ALPNProtocols: ['http/1.1'],
      },
      () => resolve(socket),
    );
    socket.once('error', reject);
  });
}

/**
 * Reads from `socket` until `done(text, tail)` says the answer is complete (or it closes). text()
 * joins what arrived; `tail` is its last 64 characters, for answers too large to join per chunk.
 */
function readUntil(
  socket: TLSSocket | Socket,
  done: (text: () => string, tail: string) => boolean,
  timeoutMs = 5_000,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: string[] = [];
    let tail = '';
    const text = () => chunks.join('');
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`no complete answer after ${timeoutMs} ms: ${JSON.stringify(text().slice(0, 2000))}`));
    }, timeoutMs);
    const onData = (chunk: Buffer) => {
      const piece = chunk.toString('latin1');
      chunks.push(piece);
      tail = (tail + piece).slice(-64);
      if (done(text, tail)) {
        cleanup();
        resolve(text());
      }
    };
    const onClose = () => {
      cleanup();
      resolve(text());
    };
    const cleanup = () => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('close', onClose);
    };
    socket.on('data', onData);
    socket.on('close', onClose);
  });
}

const responses = (n: number) => (text: () => string) => {
  // Complete when n heads are in and each body is whole (the tests' bodies end in "\n" or are empty).
  const all = text();
  const heads = all.split('HTTP/1.1 ').length - 1;
  return heads >= n && (all.endsWith('\n') || all.endsWith('\r\n\r\n'));
};

function head(text: string): { status: number; fields: Record<string, string>; body: string } {
  const [top = '', ...rest] = text.split('\r\n\r\n');
  const [statusLine = '', ...lines] = top.split('\r\n');
  const fields: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    fields[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { status: Number(statusLine.split(' ')[1]), fields, body: rest.join('\r\n\r\n') };
}

const LARGE_CHUNK = Buffer.from('0123456789abcdef'.repeat(4096), 'latin1');
const LARGE_CHUNKS = 128;
const largeStats = { blocked: 0, drains: 0 };

describe('the direct path through the HTTPS listener', () => {
  let listener: Listener;
  /** Which object each request arrived as: "direct" or "node" (an IncomingMessage). */
  const seen: string[] = [];

  before(async () => {
    const [fake, host] = await Promise.all([issue('default.test'), issue('a.test')]);
    const gen = new TlsContexts().prepare(
      table([certificate('fake', fake), certificate('ns/a', host)], { 'a.test': { cert: 'ns/a' } }),
    );
    listener = await listen(gen, (req, response) => {
      // The pipeline's view of a response (sink() in proxy/types.ts does the same).
      const res = response as ServerResponse;
      seen.push(req instanceof IncomingMessage ? 'node' : 'direct');
      const url = req.url ?? '/';
      if (url === '/stream') {
        res.writeHead(200, ['content-type', 'text/plain']);
        res.write('one ');
        setTimeout(() => res.end('two\n'), 20);
        return;
      }
      if (url === '/empty-head') {
        res.end();
        return;
      }
      if (url === '/empty') {
        res.statusCode = 204;
        res.end();
        return;
      }
      if (url === '/split') {
        assert.throws(() => res.setHeader('x-bad', 'a\r\nx-injected: 1'), /invalid character/);
        res.end('refused\n');
        return;
      }
      if (url === '/large') {
        // As the proxy streams a download: stop at write() === false, go on at 'drain'.
        let sent = 0;
        const pump = () => {
          while (sent < LARGE_CHUNKS) {
            sent++;
            if (!res.write(LARGE_CHUNK)) {
              largeStats.blocked++;
              res.once('drain', () => {
                largeStats.drains++;
                pump();
              });
              return;
            }
          }
          res.end();
        };
        pump();
        return;
      }
      if (url === '/slow') {
        setTimeout(() => res.end('slow\n'), 50);
        return;
      }
      let body = '';
      req.on('data', (chunk: Buffer) => {
        body += chunk.toString();
      });
      const answer = () => {
        res.setHeader('content-type', 'text/plain');
        res.end(`${req.method} ${url} ${req.httpVersion} ${body}\n`);
      };
      if (req instanceof IncomingMessage) req.on('end', answer);
      else answer();
    });
  });
  after(() => listener.close());

  it('serves keep-alive requests one after another on one connection', async () => {
    seen.length = 0;
    const socket = await client(listener.port);
    try {
      for (const path of ['/one', '/two']) {
        socket.write(`GET ${path} HTTP/1.1\r\nHost: a.test\r\n\r\n`);
        const answer = head(await readUntil(socket, responses(1)));
        assert.equal(answer.status, 200);
        assert.equal(answer.body, `GET ${path} 1.1 \n`);
        assert.equal(answer.fields['content-length'], String(answer.body.length));
        assert.equal(answer.fields.connection, 'keep-alive');
        assert.match(answer.fields['keep-alive'] ?? '', /^timeout=\d+$/);
        assert.ok(!Number.isNaN(Date.parse(answer.fields.date ?? '')));
      }
      assert.deepEqual(seen, ['direct', 'direct']);
    } finally {
      socket.destroy();
    }
  });

  it('answers pipelined requests in order', async () => {
    const socket = await client(listener.port);
    try {
      socket.write(
        'GET /slow HTTP/1.1\r\nHost: a.test\r\n\r\nGET /fast HTTP/1.1\r\nHost: a.test\r\n\r\n' +
          'HEAD /head HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n',
      );
      const text = await readUntil(socket, () => false);
      const parts = text.split(/(?=HTTP\/1\.1 )/);
      assert.equal(parts.length, 3, text);
      assert.equal(head(parts[0] ?? '').body, 'slow\n');
      assert.equal(head(parts[1] ?? '').body, 'GET /fast 1.1 \n');
      // HEAD: the length of the body a GET would get, and no body; then the connection closes.
      const last = head(parts[2] ?? '');
      assert.equal(last.body, '');
      assert.equal(last.fields['content-length'], String('HEAD /head 1.1 \n'.length));
      assert.equal(last.fields.connection, 'close');
    } finally {
      socket.destroy();
    }
  });

  it('streams a body of unknown length chunked, and sends none with 204', async () => {
    const socket = await client(listener.port);
    try {
      socket.write('GET /stream HTTP/1.1\r\nHost: a.test\r\n\r\n');
      const text = await readUntil(socket, (_, tail) => tail.endsWith('0\r\n\r\n'));
      const answer = head(text);
      assert.equal(answer.fields['transfer-encoding'], 'chunked');
      assert.equal(answer.fields['content-length'], undefined);
      assert.equal(answer.body, '4\r\none \r\n4\r\ntwo\n\r\n0\r\n\r\n');
      socket.write('GET /empty HTTP/1.1\r\nHost: a.test\r\n\r\n');
      const empty = await readUntil(socket, (t) => t().includes('\r\n\r\n'));
      assert.equal(head(empty).status, 204);
      assert.equal(head(empty).body, '');
      assert.equal(head(empty).fields['transfer-encoding'], undefined);
    } finally {
      socket.destroy();
    }
  });

  it('HEAD answered with an empty end(): no length is made up, no chunked coding', async () => {
    const socket = await client(listener.port);
    try {
      socket.write('HEAD /empty-head HTTP/1.1\r\nHost: a.test\r\n\r\n');
      const answer = head(await readUntil(socket, (t) => t().includes('\r\n\r\n')));
      assert.equal(answer.status, 200);
      assert.equal(answer.fields['content-length'], undefined);
      assert.equal(answer.fields['transfer-encoding'], undefined);
      assert.equal(answer.body, '');
      assert.equal(answer.fields.connection, 'keep-alive');
    } finally {
      socket.destroy();
    }
  });

  it('HTTP/1.0: no chunked coding; a body of unknown length ends with the connection', async () => {
    const socket = await client(listener.port);
    try {
      socket.write('GET /stream HTTP/1.0\r\n\r\n');
      const text = await readUntil(socket, () => false);
      const answer = head(text);
      assert.equal(answer.fields.connection, 'close');
      assert.equal(answer.fields['transfer-encoding'], undefined);
      assert.equal(answer.body, 'one two\n');
      assert.equal(socket.readableEnded || socket.destroyed, true);
    } finally {
      socket.destroy();
    }
  });

  it('refuses a field value that would split the response', async () => {
    const socket = await client(listener.port);
    try {
      socket.write('GET /split HTTP/1.1\r\nHost: a.test\r\n\r\n');
      const answer = head(await readUntil(socket, responses(1)));
      assert.equal(answer.body, 'refused\n');
      assert.equal(answer.fields['x-injected'], undefined);
    } finally {
      socket.destroy();
    }
  });

  it('hands the connection to node:http at a request with a body, with every byte it read', async () => {
    seen.length = 0;
    const socket = await client(listener.port);
    try {
      socket.write('GET /first HTTP/1.1\r\nHost: a.test\r\n\r\n');
      await readUntil(socket, responses(1));
      // The POST and the GET after it arrive together: node:http must see both, in order.
      socket.write(
        'POST /upload HTTP/1.1\r\nHost: a.test\r\nContent-Length: 5\r\n\r\nhello' +
          'GET /after HTTP/1.1\r\nHost: a.test\r\n\r\n',
      );
      const text = await readUntil(socket, responses(2));
      const parts = text.split(/(?=HTTP\/1\.1 )/);
      assert.equal(head(parts[0] ?? '').body, 'POST /upload 1.1 hello\n');
      assert.equal(head(parts[1] ?? '').body, 'GET /after 1.1 \n');
      assert.deepEqual(seen, ['direct', 'node', 'node']);
    } finally {
      socket.destroy();
    }
  });

  it('node:http answers what the direct path leaves to it: 400 for a request it cannot parse', async () => {
    const socket = await client(listener.port);
    try {
      socket.write(
        'GET / HTTP/1.1\r\nHost: a.test\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
      );
      const text = await readUntil(socket, () => false);
      assert.equal(head(text).status, 400, text);
    } finally {
      socket.destroy();
    }
  });

  it('holds a large body back for a slow reader (write() false, then drain) and delivers it intact', async () => {
    const socket = await client(listener.port);
    try {
      socket.write('GET /large HTTP/1.1\r\nHost: a.test\r\n\r\n');
      // Read nothing for a while: the server's writes must fill up and wait for 'drain'.
      socket.pause();
      await new Promise((resolve) => setTimeout(resolve, 200));
      socket.resume();
      const text = await readUntil(socket, (_, tail) => tail.endsWith('0\r\n\r\n'), 20_000);
      const answer = head(text);
      assert.equal(answer.fields['transfer-encoding'], 'chunked');
      let body = '';
      let rest = answer.body;
      for (;;) {
        const lineEnd = rest.indexOf('\r\n');
        const size = Number.parseInt(rest.slice(0, lineEnd), 16);
        if (size === 0) break;
        body += rest.slice(lineEnd + 2, lineEnd + 2 + size);
        rest = rest.slice(lineEnd + 2 + size + 2);
      }
      assert.equal(body.length, LARGE_CHUNKS * LARGE_CHUNK.length);
      assert.equal(body, LARGE_CHUNK.toString('latin1').repeat(LARGE_CHUNKS));
      assert.ok(largeStats.blocked > 0, 'write() never returned false');
      assert.equal(largeStats.drains, largeStats.blocked);
    } finally {
      socket.destroy();
    }
  });

  it('closes a connection whose client keeps renegotiating (TLS 1.2 renegotiation DoS)', {
    timeout: 10_000,
  }, async () => {
    const socket = await new Promise<TLSSocket>((resolve, reject) => {
      const s = connect(
        {
          host: '127.0.0.1',
          port: listener.port,
          servername: 'a.test',
          rejectUnauthorized: false,
          maxVersion: 'TLSv1.2',
        },
        () => resolve(s),
      );
      s.once('error', reject);
    });
    socket.on('error', () => {});
    try {
      socket.write('GET /reneg HTTP/1.1\r\nHost: a.test\r\n\r\n');
      await readUntil(socket, responses(1));
      const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
      // node allows 3 renegotiations in 10 minutes (tls.CLIENT_RENEG_LIMIT); the 4th is an attack.
      for (let i = 0; i < 6 && !socket.destroyed; i++) {
        const renegotiated = new Promise<void>((resolve) => {
          if (!socket.renegotiate({ rejectUnauthorized: false }, () => resolve())) resolve();
        });
        // The server cuts the connection mid-handshake: the callback is never called then.
        await Promise.race([renegotiated, closed]);
      }
      await closed;
      assert.equal(socket.destroyed, true);
    } finally {
      socket.destroy();
    }
  });

  it('tells the response when the client goes away before it is out', async () => {
    let closed: Promise<string> | undefined;
    const fresh = await listen(
      new TlsContexts().prepare(table([certificate('fake', await issue('default.test'))], {})),
      (_req, res) => {
        closed = new Promise((resolve) => {
          let finished = false;
          res.on('finish', () => {
            finished = true;
          });
          res.on('close', () => resolve(finished ? 'finished' : 'aborted'));
        });
      },
    );
    try {
      const socket = await client(fresh.port);
      socket.write('GET / HTTP/1.1\r\nHost: a.test\r\n\r\n');
      while (closed === undefined) await new Promise((resolve) => setTimeout(resolve, 5));
      socket.destroy();
      assert.equal(await closed, 'aborted');
    } finally {
      await fresh.close();
    }
  });
});

describe('the direct path on the plain HTTP listener', () => {
  it("keeps the listener's time-outs: 408 for a silent new connection, close when idle after a response", async () => {
    const server = createServer((_req, res) => res.end('ok\n'));
    server.headersTimeout = 300;
    server.keepAliveTimeout = 400;
    putHttp1DirectPath(server, 'connection');
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const port = (server.address() as AddressInfo).port;
    const silent = tcpConnect({ host: '127.0.0.1', port });
    const idle = tcpConnect({ host: '127.0.0.1', port });
    try {
      await Promise.all([once(silent, 'connect'), once(idle, 'connect')]);
      const started = Date.now();
      idle.write('GET / HTTP/1.1\r\nHost: p.test\r\n\r\n');
      const [silentText, idleText] = await Promise.all([
        readUntil(silent, () => false, 3_000),
        readUntil(idle, () => false, 3_000),
      ]);
      assert.equal(head(silentText).status, 408, silentText);
      assert.equal(head(idleText).body, 'ok\n');
      const elapsed = Date.now() - started;
      assert.ok(elapsed >= 350 && elapsed < 2_000, `closed after ${elapsed} ms`);
    } finally {
      silent.destroy();
      idle.destroy();
      server.close();
    }
  });

  it('answers a client that half-closes after its request, then closes the connection', async () => {
    const server = createServer((_req, res) => {
      setTimeout(() => res.end('late\n'), 50);
    });
    putHttp1DirectPath(server, 'connection');
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const socket = tcpConnect({
      host: '127.0.0.1',
      port: (server.address() as AddressInfo).port,
      allowHalfOpen: true,
    });
    try {
      await once(socket, 'connect');
      const started = Date.now();
      socket.end('GET /x HTTP/1.1\r\nHost: p.test\r\n\r\n');
      const text = await readUntil(socket, () => false, 3_000);
      assert.equal(head(text).body, 'late\n');
      assert.ok(Date.now() - started < 2_000, 'the server kept the connection open');
    } finally {
      socket.destroy();
      server.close();
    }
  });

  it('serves a GET itself and leaves a POST (and what follows) to node:http', async () => {
    const seen: string[] = [];
    const server = createServer((req, res) => {
      seen.push(req instanceof IncomingMessage ? 'node' : 'direct');
      let body = '';
      const answer = () => res.end(`${req.method} ${req.url} ${body}\n`);
      if (req instanceof IncomingMessage) {
        req.on('data', (chunk: Buffer) => {
          body += chunk.toString();
        });
        req.on('end', answer);
      } else answer();
    });
    putHttp1DirectPath(server, 'connection');
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const socket = tcpConnect({ host: '127.0.0.1', port: (server.address() as AddressInfo).port });
    try {
      await once(socket, 'connect');
      socket.write('GET /a HTTP/1.1\r\nHost: p.test\r\n\r\n');
      assert.equal(head(await readUntil(socket, responses(1))).body, 'GET /a \n');
      socket.write(
        'POST /b HTTP/1.1\r\nHost: p.test\r\nContent-Length: 2\r\n\r\nhiGET /c HTTP/1.1\r\nHost: p.test\r\n\r\n',
      );
      const parts = (await readUntil(socket, responses(2))).split(/(?=HTTP\/1\.1 )/);
      assert.deepEqual(
        parts.map((part) => head(part).body),
        ['POST /b hi\n', 'GET /c \n'],
      );
      assert.deepEqual(seen, ['direct', 'node', 'node']);
    } finally {
      socket.destroy();
      server.closeAllConnections();
      server.close();
    }
  });
});
