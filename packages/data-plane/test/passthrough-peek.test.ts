import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, createServer, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createServer as createTlsServer, connect as tlsConnect } from 'node:tls';
import { type PeekOptions, type PeekResult, peekClientHello } from '../src/passthrough/peek.ts';
import { captureClientHello, type KeyPair, listen, makeCertificates } from './passthrough-fixtures.ts';

/** One server connection, peeked; resolves with the peek result and both ends. */
async function peekOne(
  options: PeekOptions,
  drive: (client: Socket) => Promise<void>,
): Promise<{ result: PeekResult; server: Socket; client: Socket }> {
  const listener = createServer({ pauseOnConnect: true });
  const port = await listen(listener);
  const client = connect({ host: '127.0.0.1', port, noDelay: true });
  client.on('error', () => {});
  const [server] = (await once(listener, 'connection')) as [Socket];
  listener.close();
  server.on('error', () => {});
  const peeking = peekClientHello(server, options);
  await drive(client);
  return { result: await peeking, server, client };
}

const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('peekClientHello', () => {
  let hello: Buffer;
  let local: KeyPair;
  before(async () => {
    hello = await captureClientHello({ servername: 'peek.test' });
    ({ 'local.test': local } = (await makeCertificates('local.test')) as { 'local.test': KeyPair });
  });

  it('reassembles a ClientHello written one byte per TCP segment, losing no byte', async () => {
    const { result, server, client } = await peekOne({}, async (c) => {
      for (const byte of hello) {
        c.write(Buffer.from([byte]));
        await yieldToLoop();
      }
    });
    assert.equal(result.ok, true);
    assert.equal(result.ok && result.hello.serverName, 'peek.test');
    assert.ok(result.buffered.equals(hello));
    server.destroy();
    client.destroy();
  });

  it('keeps bytes that arrive with the ClientHello in `buffered`', async () => {
    const extra = Buffer.concat([hello, Buffer.from('early bytes')]);
    const { result, server, client } = await peekOne({}, async (c) => {
      c.write(extra);
    });
    assert.ok(result.ok && result.buffered.equals(extra));
    server.destroy();
    client.destroy();
  });

  it('times out a client that stops mid-hello, leaving the socket to the caller', async () => {
    const started = Date.now();
    const { result, server, client } = await peekOne({ timeoutMs: 150 }, async (c) => {
      c.write(hello.subarray(0, 20));
    });
    assert.equal(result.ok, false);
    assert.equal(!result.ok && result.failure.kind, 'timeout');
    assert.equal(result.buffered.length, 20);
    assert.ok(Date.now() - started >= 140);
    assert.equal(server.destroyed, false);
    server.destroy();
    client.destroy();
  });

  it('gives up as soon as a record header shows the hello cannot fit in maxBytes', async () => {
    const { result, server, client } = await peekOne({ maxBytes: 1000, timeoutMs: 5000 }, async (c) => {
      c.write(Buffer.from([0x16, 0x03, 0x01, 0x40, 0x00]));
    });
    assert.equal(!result.ok && result.failure.kind, 'too-large');
    server.destroy();
    client.destroy();
  });

  it('reports a client that closes mid-hello', async () => {
    const { result, server } = await peekOne({}, async (c) => {
      c.end(hello.subarray(0, 30));
    });
    assert.equal(!result.ok && result.failure.kind, 'closed');
    server.destroy();
  });

  describe('handoff to an in-process tls.Server', () => {
    const tlsServer = createTlsServer({}, (s) => s.end(`hello ${s.servername}`));
    const front = createServer({ pauseOnConnect: true }, async (socket) => {
      socket.on('error', () => {});
      const result = await peekClientHello(socket);
      assert.ok(result.ok);
      socket.unshift(result.buffered);
      tlsServer.emit('connection', socket);
    });
    let port = 0;
    before(async () => {
      tlsServer.setSecureContext({ key: local.key, cert: local.cert });
      port = await listen(front);
    });
    after(() => front.close());

    it('completes a real TLS handshake after unshift + emit("connection")', async () => {
      const client = tlsConnect({ host: '127.0.0.1', port, servername: 'local.test', ca: local.cert });
      const chunks: Buffer[] = [];
      client.on('data', (c: Buffer) => chunks.push(c));
      await once(client, 'secureConnect');
      assert.equal(client.authorized, true);
      await once(client, 'end');
      assert.equal(Buffer.concat(chunks).toString(), 'hello local.test');
      client.destroy();
    });
  });
});
