import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { connect, createServer, type Server } from 'node:net';
import { after, describe, it } from 'node:test';
import { type SpliceOptions, type SpliceResult, splice } from '../src/passthrough/splice.ts';
import { listen, readAll, sleep } from './passthrough-fixtures.ts';

/**
 * A front server (default options: no allowHalfOpen, as a careless caller would make it) that
 * splices each connection to `backendPort`, pretending `peeked` was already read from it.
 */
async function front(backendPort: number, peeked: Buffer, options: SpliceOptions = {}) {
  let closed: (result: SpliceResult) => void = () => {};
  const result = new Promise<SpliceResult>((resolve) => {
    closed = resolve;
  });
  const server = createServer((socket) => {
    socket.pause();
    splice(socket, { host: '127.0.0.1', port: backendPort }, peeked, { onClose: closed }, options);
  });
  const port = await listen(server);
  const client = connect({ host: '127.0.0.1', port, allowHalfOpen: true });
  client.on('error', () => {});
  return { server, client, result };
}

describe('splice', () => {
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
    const { server, client, result } = await front(await listen(backend), Buffer.from('peeked+'));
    servers.push(server);
    const reply = readAll(client);
    client.write('rest');
    // The client never ends its side: as in ingress-nginx, the backend's FIN closes the splice.
    assert.equal((await reply).toString(), 'got peeked+rest');
    const closed = await result;
    // The front never read `peeked+` itself (a real peek would have): bytesIn counts its own reads.
    assert.deepEqual(closed, { bytesIn: 4, bytesOut: 15, error: null });
  });

  it("closes the backend connection at the client's FIN, with the client's last bytes delivered", async () => {
    let backendGot: Promise<Buffer> = Promise.resolve(Buffer.alloc(0));
    const backend = createServer({ allowHalfOpen: true }, (socket) => {
      // Never answers: the splice must not wait for a reply that is not coming.
      backendGot = readAll(socket);
    });
    servers.push(backend);
    const { server, client, result } = await front(await listen(backend), Buffer.from('hello '));
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
    const backend = createServer((socket) => {
      const hash = createHash('sha256');
      let received = 0;
      socket.on('data', (chunk: Buffer) => {
        hash.update(chunk);
        received += chunk.length;
        if (received === up.length) socket.end(Buffer.concat([Buffer.from(hash.digest('hex')), down]));
      });
    });
    servers.push(backend);
    const { server, client, result } = await front(await listen(backend), up.subarray(0, 100));
    servers.push(server);
    const reply = readAll(client);
    client.write(up.subarray(100));
    const received = await reply;
    assert.equal(received.subarray(0, 64).toString(), createHash('sha256').update(up).digest('hex'));
    assert.ok(received.subarray(64).equals(down));
    const closed = await result;
    assert.equal(closed.error, null);
    assert.equal(closed.bytesIn, up.length - 100);
    assert.equal(closed.bytesOut, down.length + 64);
  });

  it('closes the client and reports connect-failed when the backend refuses', async () => {
    const gone = createServer();
    const port = await listen(gone);
    gone.close();
    const { server, client, result } = await front(port, Buffer.from('x'));
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
    const { server, client, result } = await front(await listen(backend), Buffer.from('boom'));
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
    const { server, client, result } = await front(port, Buffer.from('x'), { connectTimeoutMs: 200 });
    servers.push(server);
    await readAll(client);
    assert.equal((await result).error?.reason, 'connect-timeout');
    assert.ok(Date.now() - started >= 190);
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
