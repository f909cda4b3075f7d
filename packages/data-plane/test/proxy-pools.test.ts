import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { endpointSpec } from '../src/proxy/endpoint.ts';
import { defaultProxyOptions, UpstreamPools } from '../src/proxy/index.ts';
import { closeServer, get, sleep, startBackend, startFront, table, target } from './proxy-fixtures.ts';

describe('UpstreamPools across generations', () => {
  const cleanups: Array<() => Promise<unknown>> = [];
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  it('reuses one keep-alive connection for many requests, even after table swaps', async () => {
    const backend = await startBackend((_req, res) => res.end('ok'));
    cleanups.push(() => closeServer(backend.server));
    const pools = new UpstreamPools();
    cleanups.push(() => pools.close());
    const first = target([['127.0.0.1', backend.port]]);
    const front = await startFront(pools.prepare(table(first)), first);
    cleanups.push(() => front.close());
    for (let i = 0; i < 5; i++) assert.equal((await get(front.port)).body, 'ok');
    // A new table (new frozen objects, same endpoint) is a new generation with the same pool.
    for (let swap = 0; swap < 3; swap++) {
      const next = target([['127.0.0.1', backend.port]]);
      front.setGeneration(pools.prepare(table(next)), next);
      for (let i = 0; i < 5; i++) assert.equal((await get(front.port)).body, 'ok');
    }
    assert.equal(backend.sockets(), 1);
    assert.equal(pools.keys().length, 1);
  });

  it('closes the pool of an endpoint the new table no longer references', async () => {
    let upstreamSocketClosed: () => void = () => {};
    const closed = new Promise<void>((resolve) => {
      upstreamSocketClosed = resolve;
    });
    const backend = await startBackend((_req, res) => res.end('old'));
    backend.server.on('connection', (socket) => socket.on('close', () => upstreamSocketClosed()));
    const replacement = await startBackend((_req, res) => res.end('new'));
    cleanups.push(
      () => closeServer(backend.server),
      () => closeServer(replacement.server),
    );
    const pools = new UpstreamPools();
    cleanups.push(() => pools.close());
    const before = target([['127.0.0.1', backend.port]]);
    const front = await startFront(pools.prepare(table(before)), before);
    cleanups.push(() => front.close());
    assert.equal((await get(front.port)).body, 'old');

    const afterSwap = target([['127.0.0.1', replacement.port]]);
    front.setGeneration(pools.prepare(table(afterSwap)), afterSwap);
    // The idle keep-alive connection is closed by the swap, not by a keep-alive timeout.
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new Error('old pool still open')), 2_000);
    });
    await Promise.race([closed, timeout]).finally(() => clearTimeout(timer));
    assert.equal((await get(front.port)).body, 'new');
    assert.deepEqual(pools.keys(), [`http://127.0.0.1:${replacement.port}##5000/60000`]);
  });

  it('lets an in-flight response finish when its endpoint is removed', async () => {
    const backend = await startBackend((_req, res) => {
      res.write('part one, ');
      setTimeout(() => res.end('part two'), 150);
    });
    cleanups.push(() => closeServer(backend.server));
    const pools = new UpstreamPools();
    cleanups.push(() => pools.close());
    const t = target([['127.0.0.1', backend.port]]);
    const front = await startFront(pools.prepare(table(t)), t);
    cleanups.push(() => front.close());
    const pending = get(front.port);
    await sleep(50);
    pools.prepare(table());
    assert.equal((await pending).body, 'part one, part two');
  });

  it('still serves a request of an older generation whose endpoint was dropped', async () => {
    const backend = await startBackend((_req, res) => res.end('still here'));
    cleanups.push(() => closeServer(backend.server));
    const pools = new UpstreamPools();
    cleanups.push(() => pools.close());
    const t = target([['127.0.0.1', backend.port]]);
    const old = pools.prepare(table(t));
    pools.prepare(table());
    // The request read the old generation at its start, before the swap.
    const front = await startFront(old, t);
    cleanups.push(() => front.close());
    assert.equal((await get(front.port)).body, 'still here');
    // A one-off pool: nothing is left behind in the registry.
    assert.deepEqual(pools.keys(), []);
  });

  it('keys pools by address, protocol and TLS settings, not by object identity', () => {
    const ssl = (caPem: string) => ({
      verify: true,
      name: 'svc.internal',
      serverName: true,
      caPem,
      certPem: null,
      keyPem: null,
    });
    const key = (t: ReturnType<typeof target>) => {
      const endpoint = t.backend.endpoints[0];
      assert.ok(endpoint !== undefined);
      return endpointSpec(endpoint, t.backend, t.upstream, defaultProxyOptions).key;
    };
    const keys = [
      key(target([['10.0.0.1', 8443]], 'HTTPS', null)),
      key(target([['10.0.0.1', 8443]], 'HTTPS', ssl('ca-1'))),
      key(target([['10.0.0.1', 8443]], 'HTTPS', ssl('ca-2'))),
      key(target([['10.0.0.1', 8443]], 'GRPC')),
      key(target([['10.0.0.1', 8443]], 'HTTP')),
      key(target([['10.0.0.2', 8443]], 'HTTP')),
      // proxy-read-timeout / proxy-connect-timeout annotations: the pool's connections enforce them.
      key(target([['10.0.0.2', 8443]], 'HTTP', null, false, { connect: null, read: 5, send: null })),
      key(target([['10.0.0.2', 8443]], 'HTTP', null, false, { connect: 1, read: null, send: null })),
    ];
    assert.equal(new Set(keys).size, keys.length);
    // Equal content in a new table's new objects: the same pool.
    assert.equal(key(target([['10.0.0.1', 8443]], 'HTTPS', ssl('ca-1'))), keys[1]);
    assert.equal(key(target([['10.0.0.1', 8443]], 'AUTO_HTTP')), keys[4]);
    assert.equal(key(target([['fd00::1', 80]])), 'http://[fd00::1]:80##5000/60000');
    // A send timeout is the request's, not the connection's: no pool of its own.
    assert.equal(
      key(target([['10.0.0.2', 8443]], 'HTTP', null, false, { connect: null, read: null, send: 9 })),
      keys[5],
    );
  });
});
