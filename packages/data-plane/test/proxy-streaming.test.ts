import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { request } from 'node:http';
import { after, describe, it } from 'node:test';
import { type UpstreamAttempt, UpstreamPools } from '../src/proxy/index.ts';
import { closeServer, sleep, startBackend, startFront, table, target } from './proxy-fixtures.ts';

const MB = 1024 * 1024;
const TOTAL = 20 * MB;
const CHUNK = 64 * 1024;

/** Deterministic chunk content, so both ends can hash without keeping the body. */
function chunk(index: number): Buffer {
  return Buffer.alloc(CHUNK, index % 251);
}

describe('streaming through forward()', () => {
  const cleanups: Array<() => Promise<unknown>> = [];
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  async function frontFor(port: number) {
    const pools = new UpstreamPools();
    const t = target([['127.0.0.1', port]]);
    const front = await startFront(pools.prepare(table(t)), t);
    cleanups.push(
      () => front.close(),
      () => pools.close(),
    );
    return front;
  }

  it('echoes a 20 MB chunked upload, the upstream seeing bytes before the upload ends', async () => {
    let firstUpstreamByteAt = 0;
    const backend = await startBackend((req, res) => {
      req.once('data', () => {
        firstUpstreamByteAt = performance.now();
      });
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      req.pipe(res);
    });
    cleanups.push(() => closeServer(backend.server));
    const front = await frontFor(backend.port);

    const sent = createHash('sha256');
    const received = createHash('sha256');
    let receivedBytes = 0;
    let lastWriteAt = 0;
    await new Promise<void>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: front.port, method: 'POST', path: '/upload' }, (res) => {
        assert.equal(res.statusCode, 200);
        res.on('data', (data: Buffer) => {
          receivedBytes += data.length;
          received.update(data);
        });
        res.on('end', resolve);
        res.on('error', reject);
      });
      req.on('error', reject);
      let index = 0;
      const pump = (): void => {
        while (index < TOTAL / CHUNK) {
          const data = chunk(index++);
          sent.update(data);
          if (!req.write(data)) {
            req.once('drain', pump);
            return;
          }
        }
        lastWriteAt = performance.now();
        req.end();
      };
      pump();
    });
    assert.equal(receivedBytes, TOTAL);
    assert.equal(received.digest('hex'), sent.digest('hex'));
    assert.ok(firstUpstreamByteAt > 0 && firstUpstreamByteAt < lastWriteAt, 'upload was buffered whole');
  });

  it('streams a 64 MB download and holds the upstream back while the client does not read', async () => {
    // Larger than the kernel's loopback socket buffers (several MB each way) can absorb.
    const size = 64 * MB;
    let written = 0;
    let upstreamDoneAt = 0;
    const backend = await startBackend((_req, res) => {
      res.writeHead(200, { 'content-length': String(size) });
      let index = 0;
      const pump = (): void => {
        while (index < size / CHUNK) {
          const data = chunk(index++);
          written += data.length;
          if (!res.write(data)) {
            res.once('drain', pump);
            return;
          }
        }
        res.end(() => {
          upstreamDoneAt = performance.now();
        });
      };
      pump();
    });
    cleanups.push(() => closeServer(backend.server));
    const front = await frontFor(backend.port);

    const result = await new Promise<{ bytes: number; firstAt: number; paused: [number, number] }>(
      (resolve, reject) => {
        const req = request({ host: '127.0.0.1', port: front.port, path: '/download' }, (res) => {
          let bytes = 0;
          let firstAt = 0;
          const paused: [number, number] = [0, 0];
          res.once('data', async (data: Buffer) => {
            firstAt = performance.now();
            bytes += data.length;
            res.pause();
            // Once every buffer on the way is full the upstream must be stuck, not finishing.
            await sleep(300);
            paused[0] = written;
            await sleep(200);
            paused[1] = written;
            res.on('data', (more: Buffer) => {
              bytes += more.length;
            });
            res.resume();
          });
          res.on('end', () => resolve({ bytes, firstAt, paused }));
          res.on('error', reject);
        });
        req.on('error', reject);
        req.end();
      },
    );
    assert.equal(result.bytes, size);
    assert.ok(result.firstAt < upstreamDoneAt, 'first chunk arrived only at the end');
    const [early, late] = result.paused;
    assert.ok(late < size / 2, `upstream wrote ${late} bytes while the client was paused`);
    assert.equal(late, early, 'upstream kept writing while the client was paused');
  });

  it('answers 504 when the upstream stops reading the request body (proxy-send-timeout)', async () => {
    // Reads nothing and never answers: the upload stalls once the socket buffers are full.
    const backend = await startBackend(() => {});
    cleanups.push(() => closeServer(backend.server));
    const pools = new UpstreamPools({ sendTimeoutMs: 300, readTimeoutMs: 10_000 });
    const t = target([['127.0.0.1', backend.port]]);
    const attempts: UpstreamAttempt[] = [];
    const front = await startFront(pools.prepare(table(t)), t, {
      hooks: { onUpstream: (a) => attempts.push(a) },
    });
    cleanups.push(
      () => front.close(),
      () => pools.close(),
    );
    const started = performance.now();
    const status = await new Promise<number>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: front.port, method: 'POST', path: '/' }, (res) => {
        resolve(res.statusCode ?? 0);
        res.resume();
        req.destroy();
      });
      req.on('error', () => {});
      let index = 0;
      const pump = (): void => {
        while (index++ < (256 * MB) / CHUNK) {
          if (!req.write(chunk(index))) {
            req.once('drain', pump);
            return;
          }
        }
        req.end();
      };
      pump();
      setTimeout(() => reject(new Error('no answer')), 8_000).unref();
    });
    assert.equal(status, 504);
    assert.ok(performance.now() - started < 5_000);
    assert.equal(attempts[0]?.error, 'SendTimeout');
  });

  it('aborts the upstream request when the client disconnects mid-upload', async () => {
    let upstreamAborted: () => void = () => {};
    const aborted = new Promise<void>((resolve) => {
      upstreamAborted = resolve;
    });
    let received = 0;
    const backend = await startBackend((req, res) => {
      req.on('data', (data: Buffer) => {
        received += data.length;
      });
      req.on('close', () => {
        if (!req.complete) upstreamAborted();
      });
      req.on('end', () => res.end('complete'));
    });
    cleanups.push(() => closeServer(backend.server));
    const front = await frontFor(backend.port);
    const req = request({
      host: '127.0.0.1',
      port: front.port,
      method: 'POST',
      path: '/',
      headers: { 'content-length': String(TOTAL) },
    });
    req.on('error', () => {});
    req.on('response', () => assert.fail('the upload never completed'));
    for (let i = 0; i < 8; i++) req.write(chunk(i));
    while (received === 0) await sleep(10);
    req.destroy();
    await aborted;
    assert.ok(received < TOTAL);
  });
});
