import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { connect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { after, describe, it } from 'node:test';
import { type UpstreamAttempt, UpstreamPools } from '../src/proxy/index.ts';
import { closeServer, sleep, startBackend, startFront, table, target } from './proxy-fixtures.ts';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const accept = (key: string): string =>
  createHash('sha1')
    .update(key + GUID)
    .digest('base64');

/** A text frame of fewer than 126 bytes (RFC 6455 section 5.2), masked when sent by a client. */
function frame(text: string, mask: boolean): Buffer {
  const payload = Buffer.from(text);
  const header = Buffer.from([0x81, (mask ? 0x80 : 0) | payload.length]);
  if (!mask) return Buffer.concat([header, payload]);
  const key = randomBytes(4);
  const masked = payload.map((byte, i) => byte ^ (key[i % 4] ?? 0));
  return Buffer.concat([header, key, masked]);
}

function unframe(data: Buffer): string {
  const masked = ((data[1] ?? 0) & 0x80) !== 0;
  const length = (data[1] ?? 0) & 0x7f;
  if (!masked) return data.subarray(2, 2 + length).toString();
  const key = data.subarray(2, 6);
  return Buffer.from(data.subarray(6, 6 + length).map((byte, i) => byte ^ (key[i % 4] ?? 0))).toString();
}

/** Minimal WebSocket echo server: handshake, then every client frame comes back unmasked. */
function onUpgrade(req: IncomingMessage, socket: Duplex): void {
  const key = String(req.headers['sec-websocket-key']);
  socket.write(
    'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
      `Sec-WebSocket-Accept: ${accept(key)}\r\nX-Seen-Host: ${req.headers.host}\r\n\r\n`,
  );
  socket.on('data', (data: Buffer) => socket.write(frame(`echo: ${unframe(data)}`, false)));
  // node's http server sockets allow half-open: close ours when the peer closes.
  socket.on('end', () => socket.end());
}

function readUntil(socket: Socket, predicate: (data: Buffer) => boolean): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let data = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      data = Buffer.concat([data, chunk]);
      if (predicate(data)) {
        socket.off('data', onData);
        resolve(data);
      }
    };
    socket.on('data', onData);
    socket.once('error', reject);
    socket.once('close', () => resolve(data));
  });
}

async function handshake(port: number, key: string): Promise<{ socket: Socket; head: string }> {
  const socket = connect(port, '127.0.0.1');
  socket.write(
    'GET /chat HTTP/1.1\r\nHost: ws.example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
      `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
  );
  const data = await readUntil(socket, (d) => d.includes('\r\n\r\n'));
  return { socket, head: data.toString() };
}

describe('WebSocket upgrade', () => {
  const cleanups: Array<() => Promise<unknown>> = [];
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  async function frontFor(endpoints: ReadonlyArray<readonly [string, number]>) {
    const pools = new UpstreamPools();
    const t = target(endpoints);
    const attempts: UpstreamAttempt[] = [];
    const front = await startFront(pools.prepare(table(t)), t, {
      hooks: { onUpstream: (a) => attempts.push(a) },
    });
    cleanups.push(
      () => front.close(),
      () => pools.close(),
    );
    return { port: front.port, attempts };
  }

  it('relays the 101 and echoes frames both ways', async () => {
    const backend = await startBackend((_req, res) => res.end('not an upgrade'));
    backend.server.on('upgrade', onUpgrade);
    cleanups.push(() => closeServer(backend.server));
    const { port, attempts } = await frontFor([['127.0.0.1', backend.port]]);

    const key = randomBytes(16).toString('base64');
    const { socket, head } = await handshake(port, key);
    assert.match(head, /^HTTP\/1\.1 101 /);
    assert.match(head, new RegExp(`Sec-WebSocket-Accept: ${accept(key).replace(/[+/=]/g, '\\$&')}\r\n`));
    assert.match(head, /X-Seen-Host: ws\.example\.com\r\n/);
    for (const message of ['hello', 'second message']) {
      const reply = readUntil(socket, (d) => d.length >= 2 && d.length >= 2 + ((d[1] ?? 0) & 0x7f));
      socket.write(frame(message, true));
      assert.equal(unframe(await reply), `echo: ${message}`);
    }
    socket.destroy();
    await sleep(30);
    assert.equal(attempts[0]?.status, 101);
  });

  it('relays a refusal (no 101) and closes the connection', async () => {
    const backend = await startBackend((_req, res) => {
      res.writeHead(403, { 'content-type': 'text/plain', connection: 'keep-alive' });
      res.end('nope');
    });
    cleanups.push(() => closeServer(backend.server));
    const { port } = await frontFor([['127.0.0.1', backend.port]]);
    const socket = connect(port, '127.0.0.1');
    socket.write(
      'GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: a2V5\r\n\r\n',
    );
    const all = (await readUntil(socket, () => false)).toString();
    assert.match(all, /^HTTP\/1\.1 403 /);
    assert.match(all, /connection: close\r\n/);
    assert.doesNotMatch(all, /keep-alive/);
    assert.match(all, /\r\n\r\nnope$/);
  });

  it('answers 502 when the upstream refuses the connection and 503 without endpoints', async () => {
    const dead = await startBackend(() => {});
    await closeServer(dead.server);
    for (const [endpoints, status] of [
      [[['127.0.0.1', dead.port] as const], 502],
      [[], 503],
    ] as const) {
      const { port } = await frontFor(endpoints);
      const { head } = await handshake(port, 'a2V5');
      assert.match(head, new RegExp(`^HTTP/1\\.1 ${status} `));
    }
  });
});
