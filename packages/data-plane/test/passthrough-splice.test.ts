import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { loadNativeSplicer } from '../src/passthrough/native.ts';
import { type SpliceOptions, type SpliceResult, splice } from '../src/passthrough/splice.ts';
import { listen, nativeSplicerForTests, type Relay, readAll, relays, sleep } from './passthrough-fixtures.ts';

/**
 * A front server (default options: no allowHalfOpen, as a careless caller would make it) that
 * splices each connection to `backendPort` with `relay`, pretending `peeked` was already read.
 */
async function front(relay: Relay, backendPort: number, peeked: Buffer, options: SpliceOptions = {}) {
  let closed: (result: SpliceResult) => void = () => {};
  const result = new Promise<SpliceResult>((resolve) => {
    closed = resolve;
  });
  const native = relay === 'native' ? nativeSplicerForTests() : null;
  const server = createServer((socket) => {
    socket.pause();
    const target = { host: '127.0.0.1', port: backendPort };
    if (native?.splice(socket, target, peeked, { onClose: closed }, options)) return;
    assert.equal(native, null, 'the native splicer declined an IP target');
    splice(socket, target, peeked, { onClose: closed }, options);
  });
  const port = await listen(server);
  const client = connect({ host: '127.0.0.1', port, allowHalfOpen: true });
  client.on('error', () => {});
  return { server, client, result, native };
}

/** A backend that reads `expected` bytes, then answers reply(their SHA-256 in hex) and ends. */
function hashingBackend(expected: number, reply: (digest: string) => Buffer): Server {
  return createServer((socket) => {
    const hash = createHash('sha256');
    let received = 0;
    socket.on('data', (chunk: Buffer) => {
      hash.update(chunk);
      received += chunk.length;
      if (received === expected) socket.end(reply(hash.digest('hex')));
    });
  });
}

for (const relay of relays)
  describe(`splice (${relay} relay)`, () => {
    /**
     * bytesIn counts what the front read from the client. These tests only pretend the peeked
     * bytes were read; the C splicer counts them as read (in real use they were), the JavaScript
     * relay counts the socket's own reads.
     */
    const peekedCount = (peeked: number) => (relay === 'native' ? peeked : 0);
    const servers: Server[] = [];
    after(() => {
      for (const server of servers) server.close();
    });

    it("replays the peeked bytes, delivers the backend's reply and closes both at its FIN", async () => {
      const backend = createServer((socket) => {
        const chunks: Buffer[] = [];
        socket.on('data', (chunk: Buffer) => {
          chunks.push(chunk);
          const got = Buffer.concat(chunks).toString();
          if (got.endsWith('rest')) socket.end(`got ${got}`);
        });
      });
      servers.push(backend);
      const { server, client, result } = await front(relay, await listen(backend), Buffer.from('peeked+'));
      servers.push(server);
      const reply = readAll(client);
      client.write('rest');
      // The client never ends its side: as in ingress-nginx, the backend's FIN closes the splice.
      assert.equal((await reply).toString(), 'got peeked+rest');
      const closed = await result;
      assert.deepEqual(closed, { bytesIn: 4 + peekedCount(7), bytesOut: 15, error: null });
    });

    it("closes the backend connection at the client's FIN, with the client's last bytes delivered", async () => {
      let backendGot: Promise<Buffer> = Promise.resolve(Buffer.alloc(0));
      const backend = createServer({ allowHalfOpen: true }, (socket) => {
        // Never answers: the splice must not wait for a reply that is not coming.
        backendGot = readAll(socket);
      });
      servers.push(backend);
      const { server, client, result } = await front(relay, await listen(backend), Buffer.from('hello '));
      servers.push(server);
      const reply = readAll(client);
      client.end('bye');
      assert.equal((await reply).length, 0);
      const closed = await result;
      assert.equal(closed.error, null);
      assert.equal((await backendGot).toString(), 'hello bye');
    });

    it('moves megabytes both ways intact (backpressure, no loss)', async () => {
      const up = randomBytes(3 * 1024 * 1024);
      const down = randomBytes(5 * 1024 * 1024);
      const backend = hashingBackend(up.length, (digest) => Buffer.concat([Buffer.from(digest), down]));
      servers.push(backend);
      const { server, client, result } = await front(relay, await listen(backend), up.subarray(0, 100));
      servers.push(server);
      const reply = readAll(client);
      client.write(up.subarray(100));
      const received = await reply;
      assert.equal(received.subarray(0, 64).toString(), createHash('sha256').update(up).digest('hex'));
      assert.ok(received.subarray(64).equals(down));
      const closed = await result;
      assert.equal(closed.error, null);
      assert.equal(closed.bytesIn, up.length - 100 + peekedCount(100));
      assert.equal(closed.bytesOut, down.length + 64);
    });

    it('closes the client and reports connect-failed when the backend refuses', async () => {
      const gone = createServer();
      const port = await listen(gone);
      gone.close();
      const { server, client, result } = await front(relay, port, Buffer.from('x'));
      servers.push(server);
      await readAll(client);
      const closed = await result;
      assert.equal(closed.error?.reason, 'connect-failed');
      assert.match(closed.error?.message ?? '', /ECONNREFUSED/);
    });

    it('destroys the client when the backend resets an established connection', async () => {
      const backend = createServer((socket) => {
        socket.once('data', () => socket.resetAndDestroy());
      });
      servers.push(backend);
      const { server, client, result } = await front(relay, await listen(backend), Buffer.from('boom'));
      servers.push(server);
      await readAll(client);
      assert.equal((await result).error?.reason, 'target-error');
    });

    it('gives up on a backend that never answers the SYN after connectTimeoutMs', async (t) => {
      const { child, port } = await blackhole();
      t.after(() => child.kill());
      const fillers = Array.from({ length: 4 }, () =>
        connect({ host: '127.0.0.1', port }).on('error', () => {}),
      );
      t.after(() => {
        for (const filler of fillers) filler.destroy();
      });
      await Promise.race(fillers.map((filler) => once(filler, 'connect')));
      await sleep(100); // let the remaining fillers' SYNs be dropped, so the queue stays full
      const started = Date.now();
      const { server, client, result } = await front(relay, port, Buffer.from('x'), {
        connectTimeoutMs: 200,
      });
      servers.push(server);
      await readAll(client);
      assert.equal((await result).error?.reason, 'connect-timeout');
      assert.ok(Date.now() - started >= 190);
    });
  });

describe('native splicer', () => {
  const servers: Server[] = [];
  after(() => {
    for (const server of servers) server.close();
  });

  it('says why it cannot load: a missing file, or one that is not an addon', async (t) => {
    const missing = loadNativeSplicer('/nonexistent/splice.node');
    assert.equal(missing.splicer, null);
    assert.match(
      missing.reason ?? '',
      /\/nonexistent\/splice\.node is missing \(built by native\/build\.mjs/,
    );
    const dir = await mkdtemp(join(tmpdir(), 'portcullis-addon-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const garbage = join(dir, 'splice.node');
    await writeFile(garbage, 'not an ELF file');
    const broken = loadNativeSplicer(garbage);
    assert.equal(broken.splicer, null);
    assert.match(broken.reason ?? '', /splice\.node did not load: .*(invalid ELF header|file too short)/);
  });

  it('declines a backend named by host name, leaving the socket to the JavaScript relay', async () => {
    const native = nativeSplicerForTests();
    let declined: boolean | null = null;
    const server = createServer((socket) => {
      declined = !native.splice(socket, { host: 'localhost', port: 1 }, Buffer.alloc(0), {});
      socket.end('still mine');
    });
    servers.push(server);
    const client = connect({ host: '127.0.0.1', port: await listen(server) });
    assert.equal((await readAll(client)).toString(), 'still mine');
    assert.equal(declined, true);
  });

  it('writes a peeked buffer larger than its 16 KiB read buffer first, intact', async () => {
    const peeked = randomBytes(40 * 1024);
    const backend = hashingBackend(peeked.length + 4, (digest) => Buffer.from(digest));
    servers.push(backend);
    const { server, client, result } = await front('native', await listen(backend), peeked);
    servers.push(server);
    const reply = readAll(client);
    client.write('tail');
    const expected = createHash('sha256').update(peeked).update('tail').digest('hex');
    assert.equal((await reply).toString(), expected);
    assert.equal((await result).error, null);
  });

  it("reports a client's reset as client-error", async () => {
    const backend = createServer((socket) => socket.on('data', () => {}));
    servers.push(backend);
    const { server, client, result } = await front('native', await listen(backend), Buffer.from('x'));
    servers.push(server);
    await once(client, 'connect');
    await sleep(50);
    client.resetAndDestroy();
    const closed = await result;
    assert.equal(closed.error?.reason, 'client-error');
    assert.match(closed.error?.message ?? '', /ECONNRESET/);
  });

  it("reports a failure with the client's address, read only then", async () => {
    const gone = createServer();
    const port = await listen(gone);
    gone.close();
    const { server, client, result } = await front('native', port, Buffer.from('x'));
    servers.push(server);
    await once(client, 'connect');
    const local = client.address() as { port: number };
    const closed = await result;
    assert.equal(closed.error?.reason, 'connect-failed');
    assert.deepEqual(closed.peer, { remoteAddress: '127.0.0.1', remotePort: local.port });
  });

  it('keeps 300 concurrent splices apart (more than one epoll batch, reused buffers)', async () => {
    const echo = createServer({ allowHalfOpen: true }, (socket) => socket.pipe(socket));
    servers.push(echo);
    const native = nativeSplicerForTests();
    const closed: SpliceResult[] = [];
    const target = { host: '127.0.0.1', port: await listen(echo) };
    const server = createServer((socket) => {
      socket.pause();
      assert.ok(native.splice(socket, target, Buffer.alloc(0), { onClose: (r) => closed.push(r) }));
    });
    servers.push(server);
    const port = await listen(server);
    const one = async (): Promise<void> => {
      const payload = randomBytes(20_000 + Math.floor(Math.random() * 20_000));
      const client = connect({ host: '127.0.0.1', port });
      const chunks: Buffer[] = [];
      let received = 0;
      client.write(payload);
      // No FIN before the echo is back: the first FIN ends a splice (ingress-nginx's semantics).
      for await (const chunk of client as AsyncIterable<Buffer>) {
        chunks.push(chunk);
        received += chunk.length;
        if (received >= payload.length) break;
      }
      client.destroy();
      assert.ok(Buffer.concat(chunks).equals(payload), 'each client gets exactly its own bytes back');
    };
    await Promise.all(Array.from({ length: 300 }, one));
    await sleep(50);
    assert.equal(closed.length, 300);
    assert.deepEqual(
      closed.filter((r) => r.error !== null),
      [],
    );
    assert.equal(native.open, 0);
  });

  it("hands a throw from the close callback to process 'uncaughtException', and keeps relaying", async () => {
    // In a child: the throw must reach the process like a throw from any socket event, not stay
    // pending inside the addon (and poison the next call into JavaScript).
    const native = new URL('../src/passthrough/native.ts', import.meta.url).pathname;
    const code = `
      const net = await import('node:net');
      const { loadNativeSplicer } = await import(${JSON.stringify(native)});
      const splicer = loadNativeSplicer().splicer;
      let closes = 0;
      process.on('uncaughtException', (error) => console.log('uncaught:', error.message));
      const echo = net.createServer((s) => s.on('data', (d) => s.end(d)));
      await new Promise((r) => echo.listen(0, '127.0.0.1', r));
      const target = { host: '127.0.0.1', port: echo.address().port };
      const front = net.createServer({ pauseOnConnect: true }, (socket) => {
        splicer.splice(socket, target, Buffer.alloc(0), { onClose: () => {
          closes++;
          if (closes === 1) throw new Error('from onClose');
          console.log('second close reported');
          process.exit(0);
        } });
      });
      await new Promise((r) => front.listen(0, '127.0.0.1', r));
      for (let i = 0; i < 2; i++) {
        const c = net.connect(front.address().port, '127.0.0.1', () => c.write('x'));
        c.on('data', () => {});
        await new Promise((r) => c.on('close', r));
      }`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', code], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    const [exitCode] = (await once(child, 'exit')) as [number | null];
    assert.equal(exitCode, 0, out);
    assert.equal(out, 'uncaught: from onClose\nsecond close reported\n');
  });

  it('drain() waits for open splices to end, then cuts the rest as aborted', async () => {
    const backend = createServer((socket) => socket.on('data', () => {}));
    servers.push(backend);
    const { server, client, result, native } = await front('native', await listen(backend), Buffer.from('x'));
    servers.push(server);
    await once(client, 'connect');
    await sleep(50);
    assert.equal(native?.open, 1);
    const started = Date.now();
    const cut = await native?.drain(300);
    assert.ok(Date.now() - started >= 290, 'drain returned before its time-out');
    assert.equal(cut, 1);
    assert.equal((await result).error?.reason, 'aborted');
    await once(client, 'end');
    assert.equal(native?.open, 0);
    assert.equal(await native?.drain(1000), 0, 'nothing left to wait for');
  });
});

/**
 * A listener whose accept queue (backlog 1: two connections) fills at once and is never drained: a
 * child node process with a blocked event loop. Further SYNs are dropped, so connects hang.
 */
async function blackhole(): Promise<{ child: ChildProcess; port: number }> {
  const code = `const s = require('node:net').createServer();
s.listen({ port: 0, host: '127.0.0.1', backlog: 1 }, () => {
  process.stdout.write(String(s.address().port) + '\\n');
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20000);
});`;
  const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [line] = (await once(child.stdout as NodeJS.ReadableStream, 'data')) as [Buffer];
  return { child, port: Number(line.toString().trim()) };
}
