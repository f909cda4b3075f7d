import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import { type ConnectionOptions, createServer as createTlsServer, connect as tlsConnect } from 'node:tls';
import type { PassthroughEvent } from '../src/passthrough/events.ts';
import {
  createPassthroughRouter,
  type PassthroughRouter,
  type PassthroughRoutes,
  type SplicedConnection,
} from '../src/passthrough/listener.ts';
import type { NativeSplicer } from '../src/passthrough/native.ts';
import {
  buildClientHello,
  extension,
  frame,
  type KeyPair,
  listen,
  makeCertificates,
  nativeSplicerForTests,
  readAll,
  reframe,
  relays,
  sleep,
  sniExtension,
} from './passthrough-fixtures.ts';

const HOST = '127.0.0.1';

/** A TCP relay that rewrites the client's first TLS record, optionally dribbling it byte by byte. */
async function rewritingRelay(target: number, rewrite: (record: Buffer) => Buffer, bytewise: boolean) {
  const relay = createServer((inbound) => {
    const outbound = connect({ host: HOST, port: target, noDelay: true });
    outbound.on('error', () => inbound.destroy());
    inbound.on('error', () => outbound.destroy());
    let head = Buffer.alloc(0);
    const onData = async (chunk: Buffer): Promise<void> => {
      head = Buffer.concat([head, chunk]);
      if (head.length < 5 || head.length < 5 + head.readUInt16BE(3)) return;
      inbound.off('data', onData);
      inbound.pause();
      const end = 5 + head.readUInt16BE(3);
      const out = Buffer.concat([rewrite(head.subarray(0, end)), head.subarray(end)]);
      if (!bytewise) outbound.write(out);
      else
        for (const byte of out) {
          outbound.write(Buffer.from([byte]));
          // Yield so each byte leaves as its own segment (noDelay), within the 300 ms peek budget.
          await new Promise((resolve) => setImmediate(resolve));
        }
      inbound.pipe(outbound);
      outbound.pipe(inbound);
    };
    inbound.on('data', onData);
  });
  return { relay, port: await listen(relay) };
}

/** A TLS round trip: which certificate the client saw, and what the server said. */
async function tlsGet(port: number, options: ConnectionOptions): Promise<{ cn: unknown; body: string }> {
  const client = tlsConnect({ host: HOST, port, rejectUnauthorized: false, ...options });
  const body = readAll(client);
  await once(client, 'secureConnect');
  const cn = client.getPeerCertificate().subject?.CN;
  return { cn, body: (await body).toString() };
}

/**
 * Every relay, and the native one with accepting in C too (acceptNatively): then connections
 * for a passthrough host never reach JavaScript, and everything else is handed back to it.
 */
const modes = [...relays, 'native, accepted in C'] as const;

/** What a clean splice added up to: from onSpliceClose, or from C's counts when C accepted. */
interface CleanSplice {
  readonly host: string | null;
  readonly bytesIn: number;
  readonly bytesOut: number;
}

for (const relay of modes)
  describe(`createPassthroughRouter (${relay} relay)`, () => {
    const acceptedInC = relay === 'native, accepted in C';
    let certs: Record<string, KeyPair>;
    const closers: Array<Server> = [];
    const events: PassthroughEvent[] = [];
    const spliced: SplicedConnection[] = [];
    let port = 0;
    let backendPort = 0;
    let deadPort = 0;
    let rawPort = 0;
    let router: PassthroughRouter;

    /** The clean splices since the test began (one per connection, or one per host in C). */
    const cleanSplices = (): CleanSplice[] => {
      if (!acceptedInC) {
        return spliced
          .filter((s) => s.result.error === null)
          .map((s) => ({ host: s.serverName, bytesIn: s.result.bytesIn, bytesOut: s.result.bytesOut }));
      }
      const counts = router.takeCounts();
      assert.ok(counts !== null);
      // One host per test here, so the byte totals are its own.
      return counts.connections.flatMap(([host, n]) =>
        Array.from({ length: n }, () => ({
          host,
          bytesIn: counts.bytesIn / n,
          bytesOut: counts.bytesOut / n,
        })),
      );
    };

    before(async () => {
      certs = await makeCertificates('local.test', 'backend.test');
      const local = certs['local.test'] as KeyPair;
      const remote = certs['backend.test'] as KeyPair;
      const tlsServer = createTlsServer({ ...local, ALPNProtocols: ['http/1.1'] }, (s) =>
        s.end(`local:${s.servername}`),
      );
      tlsServer.on('tlsClientError', () => {});
      const backend = createTlsServer(remote, (s) => s.end(`backend:${s.servername}`));
      backendPort = await listen(backend);
      const dead = createServer();
      deadPort = await listen(dead);
      dead.close();
      // Not TLS: answers with everything it received once a '.' arrives, then closes.
      const raw = createServer((socket) => {
        const chunks: Buffer[] = [];
        socket.on('data', (chunk: Buffer) => {
          chunks.push(chunk);
          if (chunk.at(-1) === 0x2e) socket.end(Buffer.concat([Buffer.from('got:'), ...chunks]));
        });
      });
      rawPort = await listen(raw);
      closers.push(raw);
      const routes: PassthroughRoutes = {
        'backend.test': { address: HOST, port: backendPort },
        'dead.test': { address: HOST, port: deadPort },
        'raw.test': { address: HOST, port: rawPort },
      };
      router = createPassthroughRouter({
        lookup: (name) => {
          const target = name === null ? undefined : routes[name];
          return target === undefined ? null : { host: target.address, port: target.port };
        },
        routes: () => routes,
        tlsServer,
        native: relay === 'javascript' ? null : nativeSplicerForTests(),
        peek: { timeoutMs: 300 },
        onError: (event) => events.push(event),
        onSpliceClose: (connection) => spliced.push(connection),
      });
      const front = createServer({ allowHalfOpen: true, pauseOnConnect: true }, router);
      port = await listen(front);
      if (acceptedInC) assert.equal(router.acceptNatively(front), true);
      else if (relay === 'javascript') assert.equal(router.acceptNatively(front), false);
      closers.push(front, backend);
    });
    beforeEach(() => {
      events.length = 0;
      spliced.length = 0;
      router.takeCounts();
    });
    after(async () => {
      // C's port stays open until the router drains.
      await router.drainSplices(0);
      for (const server of closers) server.close();
    });

    it('splices a passthrough host to its backend: the client sees the backend certificate', async () => {
      const { cn, body } = await tlsGet(port, {
        servername: 'backend.test',
        ca: certs['backend.test']?.cert,
      });
      assert.equal(cn, 'backend.test');
      assert.equal(body, 'backend:backend.test');
      await sleep(20);
      const clean = cleanSplices();
      assert.equal(clean.length, 1);
      assert.equal(clean[0]?.host, 'backend.test');
      assert.ok((clean[0]?.bytesIn ?? 0) > 200 && (clean[0]?.bytesOut ?? 0) > 200);
      assert.deepEqual(events, []);
    });

    it("relays bytes sent right behind the ClientHello in order; the backend's FIN closes both sides", async () => {
      const hello = frame(buildClientHello([sniExtension('raw.test')]));
      const client = connect({ host: HOST, port, allowHalfOpen: true, noDelay: true });
      const reply = readAll(client);
      // Some of these may reach the splice before its backend connection is up: none may be lost
      // or overtake the hello.
      client.write(Buffer.concat([hello, Buffer.from('-one')]));
      client.write('-two');
      setImmediate(() => client.write('-three.'));
      // The client never sends its own FIN: the reply ends because the splice closed the client.
      const received = await reply;
      assert.ok(received.equals(Buffer.concat([Buffer.from('got:'), hello, Buffer.from('-one-two-three.')])));
      await sleep(20);
      assert.deepEqual(
        cleanSplices().map((s) => s.bytesIn),
        [hello.length + 15],
      );
    });

    it('terminates other names and SNI-less clients in-process with the local certificate', async () => {
      assert.deepEqual(await tlsGet(port, { servername: 'other.test' }), {
        cn: 'local.test',
        body: 'local:other.test',
      });
      assert.deepEqual(await tlsGet(port, {}), { cn: 'local.test', body: 'local:false' });
      assert.deepEqual(events, []);
    });

    it('handles a ClientHello dribbled one byte per TCP segment', async () => {
      const { relay, port: relayPort } = await rewritingRelay(port, (record) => record, true);
      closers.push(relay);
      const { cn } = await tlsGet(relayPort, { servername: 'backend.test' });
      assert.equal(cn, 'backend.test');
    });

    it('handles a ClientHello split across two TLS records, both for splice and handoff', async () => {
      const { relay, port: relayPort } = await rewritingRelay(port, (record) => reframe(record, [50]), false);
      closers.push(relay);
      assert.equal((await tlsGet(relayPort, { servername: 'backend.test' })).cn, 'backend.test');
      assert.equal((await tlsGet(relayPort, { servername: 'local.test' })).body, 'local:local.test');
    });

    it('handles a large ClientHello (400 ALPN protocols)', async () => {
      const ALPNProtocols = [...Array.from({ length: 400 }, (_, i) => `x-proto-${i}`), 'http/1.1'];
      const { body } = await tlsGet(port, { servername: 'big.test', ALPNProtocols });
      assert.equal(body, 'local:big.test');
    });

    it('closes a plain HTTP request sent to the HTTPS port, naming the client and reason', async () => {
      const client = connect({ host: HOST, port });
      await once(client, 'connect');
      const clientPort = client.localPort;
      client.write('GET / HTTP/1.1\r\nHost: backend.test\r\n\r\n');
      assert.equal((await readAll(client)).length, 0);
      await sleep(10);
      assert.equal(events[0]?.reason, 'PassthroughNotTls');
      assert.equal(events[0]?.remoteAddress, HOST);
      assert.equal(events[0]?.remotePort, clientPort);
    });

    it('closes a connection sending garbage', async () => {
      const client = connect({ host: HOST, port });
      client.write(Buffer.from([0x16, 0x03, 0x01, 0x00, 0x05, 0x02, 0, 0, 1, 0]));
      const received = await readAll(client);
      // TLS-framed garbage gets a fatal decode_error alert (RFC 8446 §6.2) before the close.
      assert.deepEqual([...received], [0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 50]);
      assert.equal(events[0]?.reason, 'PassthroughMalformedHello');
      assert.match(events[0]?.message ?? '', /handshake type 2/);
    });

    it('refuses a ClientHello over the 16 KiB cap with an alert', async () => {
      const client = connect({ host: HOST, port });
      client.on('error', () => {});
      client.write(frame(buildClientHello([extension(21, Buffer.alloc(20_000))]), [16_000]));
      const received = await readAll(client);
      assert.equal(received[0], 0x15);
      assert.equal(events[0]?.reason, 'PassthroughMalformedHello');
    });

    it('times out a client that never finishes its ClientHello, and only that one', async () => {
      const slow = connect({ host: HOST, port });
      slow.write(Buffer.from([0x16, 0x03, 0x01]));
      const started = Date.now();
      const meanwhile = await tlsGet(port, { servername: 'backend.test' });
      assert.equal(meanwhile.cn, 'backend.test');
      await readAll(slow);
      assert.ok(Date.now() - started >= 250);
      assert.equal(events[0]?.reason, 'PassthroughHelloTimeout');
    });

    it('closes the client and reports the backend when it is unreachable', async () => {
      const client = tlsConnect({ host: HOST, port, servername: 'dead.test', rejectUnauthorized: false });
      const [error] = (await once(client, 'error')) as [Error & { code?: string }];
      assert.match(error.code ?? error.message, /ECONNRESET|socket disconnected/);
      await sleep(10);
      assert.equal(events[0]?.reason, 'PassthroughBackendUnreachable');
      assert.deepEqual(events[0]?.target, { host: HOST, port: deadPort });
      assert.equal(events[0]?.serverName, 'dead.test');
    });

    it('says nothing about a TCP health check that connects and closes', async () => {
      const probe: Socket = connect({ host: HOST, port });
      await once(probe, 'connect');
      probe.end();
      await once(probe, 'close');
      await sleep(20);
      assert.deepEqual(events, []);
    });
  });

describe('createPassthroughRouter with accepting in C (acceptNatively)', () => {
  let certs: Record<string, KeyPair>;
  const closers: Server[] = [];
  const events: PassthroughEvent[] = [];
  const spliced: SplicedConnection[] = [];
  let handedBack = 0;
  let firstPort = 0;
  let secondPort = 0;
  let routes: PassthroughRoutes = {};
  const routers: PassthroughRouter[] = [];

  /** A fresh router and port; its routes are whatever `routes` holds when refreshed. */
  async function start(
    native: NativeSplicer = nativeSplicerForTests(),
  ): Promise<{ router: PassthroughRouter; port: number; front: Server }> {
    const local = certs['local.test'] as KeyPair;
    const tlsServer = createTlsServer(local, (s) => s.end(`local:${s.servername}`));
    tlsServer.on('tlsClientError', () => {});
    const lookup = (name: string | null) => {
      if (name === null) return null;
      const dot = name.indexOf('.');
      const target = routes[name] ?? (dot > 0 ? routes[`*${name.slice(dot)}`] : undefined);
      return target === undefined ? null : { host: target.address, port: target.port };
    };
    const router = createPassthroughRouter({
      lookup,
      routes: () => routes,
      tlsServer,
      native,
      peek: { timeoutMs: 300 },
      onError: (event) => events.push(event),
      onSpliceClose: (connection) => spliced.push(connection),
    });
    const front = createServer({ allowHalfOpen: true, pauseOnConnect: true }, router);
    front.on('connection', () => handedBack++);
    const port = await listen(front);
    assert.equal(router.acceptNatively(front), true);
    routers.push(router);
    return { router, port, front };
  }

  before(async () => {
    certs = await makeCertificates('local.test', 'first.test', 'second.test');
    for (const name of ['first.test', 'second.test'] as const) {
      const backend = createTlsServer(certs[name] as KeyPair, (s) => s.end(`${name}:${s.servername}`));
      const port = await listen(backend);
      if (name === 'first.test') firstPort = port;
      else secondPort = port;
      closers.push(backend);
    }
  });
  beforeEach(() => {
    events.length = 0;
    spliced.length = 0;
    handedBack = 0;
  });
  after(async () => {
    await Promise.all(routers.map((router) => router.drainSplices(0)));
    for (const server of closers) server.close();
  });

  it('splices without JavaScript; follows route changes; hands every other connection back', async () => {
    routes = { 'pass.test': { address: HOST, port: firstPort } };
    const { router, port } = await start();
    assert.equal((await tlsGet(port, { servername: 'pass.test' })).body, 'first.test:pass.test');
    assert.equal(handedBack, 0);
    assert.deepEqual(spliced, []);

    // A new table: the same host goes to another backend; a host that left is terminated here.
    routes = { 'new.test': { address: HOST, port: secondPort } };
    router.refreshRoutes();
    assert.equal((await tlsGet(port, { servername: 'new.test' })).body, 'second.test:new.test');
    assert.equal((await tlsGet(port, { servername: 'pass.test' })).body, 'local:pass.test');
    assert.equal(handedBack, 1);
    routes = { 'pass.test': { address: HOST, port: secondPort } };
    router.refreshRoutes();
    assert.equal((await tlsGet(port, { servername: 'pass.test' })).body, 'second.test:pass.test');
    await sleep(20);
    const counts = router.takeCounts();
    assert.deepEqual(counts?.connections, [
      ['pass.test', 2],
      ['new.test', 1],
    ]);
    assert.ok((counts?.bytesIn ?? 0) > 600 && (counts?.bytesOut ?? 0) > 600);
    assert.deepEqual(router.takeCounts()?.connections, []);
    assert.deepEqual(events, []);
  });

  it('leaves a host with a named backend to JavaScript, even under a wildcard C can dial', async () => {
    routes = {
      '*.wild.test': { address: HOST, port: firstPort },
      'named.wild.test': { address: 'localhost', port: secondPort },
    };
    const { router, port } = await start();
    assert.equal((await tlsGet(port, { servername: 'a.wild.test' })).body, 'first.test:a.wild.test');
    assert.equal(handedBack, 0);
    assert.equal((await tlsGet(port, { servername: 'named.wild.test' })).body, 'second.test:named.wild.test');
    assert.equal(handedBack, 1);
    await sleep(20);
    assert.deepEqual(router.takeCounts()?.connections, [['*.wild.test', 1]]);
    assert.deepEqual(
      spliced.map((s) => [s.serverName, s.result.error]),
      [['named.wild.test', null]],
    );
  });

  it('routes nothing in C when C cannot take a new table, so no stale route is followed', async () => {
    const real = nativeSplicerForTests();
    let refuse = false;
    const flaky: NativeSplicer = {
      splice: (...args) => real.splice(...args),
      drain: (timeoutMs) => real.drain(timeoutMs),
      get open() {
        return real.open;
      },
      listen: (server, options) => {
        const listener = real.listen(server, options);
        if (listener === null) return null;
        return {
          ...listener,
          setRoutes: (given) => {
            const list = [...given];
            if (refuse && list.length > 0) throw new Error('out of memory');
            return listener.setRoutes(list);
          },
        };
      },
    };
    routes = { 'pass.test': { address: HOST, port: firstPort } };
    const { router, port } = await start(flaky);
    assert.equal((await tlsGet(port, { servername: 'pass.test' })).body, 'first.test:pass.test');
    assert.equal(handedBack, 0);
    refuse = true;
    routes = { 'pass.test': { address: HOST, port: secondPort } };
    router.refreshRoutes();
    assert.equal((await tlsGet(port, { servername: 'pass.test' })).body, 'second.test:pass.test');
    assert.equal(handedBack, 1);
  });

  it('reports a failed splice with the client, the SNI and the backend', async () => {
    const dead = createServer();
    const deadPort = await listen(dead);
    dead.close();
    routes = { 'dead.test': { address: HOST, port: deadPort } };
    const { port } = await start();
    const client = connect({ host: HOST, port });
    client.on('error', () => {});
    client.write(frame(buildClientHello([sniExtension('dead.test')])));
    await once(client, 'connect');
    const clientPort = client.localPort;
    await once(client, 'close');
    await sleep(10);
    assert.equal(events.length, 1);
    assert.equal(events[0]?.reason, 'PassthroughBackendUnreachable');
    assert.equal(events[0]?.serverName, 'dead.test');
    assert.deepEqual(events[0]?.target, { host: HOST, port: deadPort });
    assert.equal(events[0]?.remoteAddress, HOST);
    assert.equal(events[0]?.remotePort, clientPort);
    assert.match(events[0]?.message ?? '', /ECONNREFUSED/);
    assert.equal(spliced[0]?.result.error?.reason, 'connect-failed');
  });

  it('drainSplices closes the port at once, then cuts what is still open as aborted', async () => {
    // A backend that never answers: the splice stays open until the drain cuts it.
    const silent = createServer(() => {});
    routes = { 'slow.test': { address: HOST, port: await listen(silent) } };
    closers.push(silent);
    const { router, port } = await start();
    const client = connect({ host: HOST, port });
    client.on('error', () => {});
    client.write(frame(buildClientHello([sniExtension('slow.test')])));
    await once(client, 'connect');
    const clientPort = client.localPort;
    await sleep(50);
    const drained = router.drainSplices(100);
    const refused = connect({ host: HOST, port });
    // Bounded: a port still accepting would leave this waiting for an error that never comes.
    const [error] = (await once(refused, 'error', { signal: AbortSignal.timeout(2_000) })) as [
      Error & { code?: string },
    ];
    assert.equal(error.code, 'ECONNREFUSED');
    assert.equal(await drained, 1);
    await once(client, 'close');
    assert.deepEqual(
      events.map((e) => [e.reason, e.serverName, e.remotePort]),
      [['PassthroughStreamError', 'slow.test', clientPort]],
    );
  });
});
