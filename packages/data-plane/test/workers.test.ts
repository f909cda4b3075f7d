import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { request } from 'node:http';
import { type AddressInfo, createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { createMetrics } from '../src/metrics/index.ts';
import { startWorkers, type WorkerPool } from '../src/workers/index.ts';
import { parse, value } from './metrics-fixtures.ts';

const app = new URL('./workers-fixture-app.ts', import.meta.url);

/** A port that was free a moment ago: SO_REUSEPORT sharing needs a fixed port, not 0. */
async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
}

function get(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function until<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  ms = 10_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const result = await probe();
    if (result !== undefined) return result;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('workers: two real processes on one port', () => {
  let port = 0;
  let pool: WorkerPool<{ generation: number }>;
  const logs: string[] = [];

  before(async () => {
    port = await freePort();
    pool = startWorkers({
      count: 2,
      workerModule: app,
      workerOptions: { port },
      initialState: { generation: 1 },
      backoff: { initialMs: 50, maxMs: 200 },
      shutdownTimeoutMs: 2_000,
      log: (_level, msg, fields) => logs.push(`${msg} ${JSON.stringify(fields)}`),
    });
    await pool.ready;
  });

  after(async () => {
    await pool.stop(2_000);
  });

  it('spreads connections over both workers and sums their counters in one /metrics', async () => {
    const pids = new Set<string>();
    for (let i = 0; i < 30; i++) pids.add((await get(port, '/pid')).body);
    assert.equal(pids.size, 2, 'both workers accepted connections');
    const primary = createMetrics({ registry: new Registry() });
    const out = parse(await pool.metrics([primary.registry]));
    assert.equal(value(out, 'nginx_ingress_controller_requests', { host: '_' }), 30);
    assert.equal(value(out, 'nginx_ingress_controller_response_size_count'), 30);
  });

  it('hands the initial and every published state to the workers, deep-frozen', async () => {
    const first = JSON.parse((await get(port, '/state')).body);
    assert.deepEqual(first, { state: { generation: 1 }, frozen: true });
    pool.publish({ generation: 2 });
    for (let i = 0; i < 10; i++) {
      const seen = await until('generation 2', async () => {
        const body = JSON.parse((await get(port, '/state')).body);
        return body.state.generation === 2 ? body : undefined;
      });
      assert.equal(seen.frozen, true);
    }
  });

  it('restarts a worker that dies, with the latest state, without counters going down', async () => {
    const before = value(parse(await pool.metrics()), 'nginx_ingress_controller_requests');
    const pids = pool.workers().map((w) => w.pid);
    await assert.rejects(get(port, '/crash'), { code: 'ECONNRESET' });
    const restarted = await until('a restart', () => pool.workers().find((w) => w.restarts === 1 && w.ready));
    assert.ok(restarted.pid !== undefined && !pids.includes(restarted.pid), 'a new process took the slot');
    assert.ok(
      logs.some(
        (line) => line.startsWith('worker exited unexpectedly; restarting') && line.includes('"code":3'),
      ),
    );
    const states = new Set<number>();
    for (let i = 0; i < 20; i++) states.add(JSON.parse((await get(port, '/state')).body).state.generation);
    assert.deepEqual([...states], [2], 'the restarted worker got the published state');
    const afterCrash = value(parse(await pool.metrics()), 'nginx_ingress_controller_requests');
    assert.ok(
      afterCrash >= before + 20,
      `counter kept its value across the restart (${before} -> ${afterCrash})`,
    );
  });
});

describe('workers: graceful shutdown on SIGTERM', () => {
  it('finishes an in-flight request, refuses new connections, exits 0', async () => {
    const port = await freePort();
    const fixture = new URL('./workers-fixture-primary.ts', import.meta.url).pathname;
    const primary = spawn(process.execPath, [fixture, String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    primary.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    primary.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const exit = once(primary, 'exit') as Promise<[number | null, string | null]>;
    try {
      await until('READY', () => (stdout.includes('READY') ? true : undefined), 15_000);
      const slow = get(port, '/slow?ms=1500');
      await new Promise((resolve) => setTimeout(resolve, 300));
      primary.kill('SIGTERM');
      await new Promise((resolve) => setTimeout(resolve, 300));
      await assert.rejects(get(port, '/pid'), { code: 'ECONNREFUSED' });
      assert.deepEqual(await slow, { status: 200, body: 'slow done' });
      const [code, signal] = await exit;
      assert.equal(signal, null);
      assert.equal(code, 0, stderr);
    } finally {
      if (primary.exitCode === null) primary.kill('SIGKILL');
    }
  });
});
