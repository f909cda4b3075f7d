/**
 * Requests per second through forward() on keep-alive connections, for a small response.
 * The backend and the load generator run in worker threads so the proxy has the main thread to
 * itself; a direct run against the backend gives the ceiling for comparison. Bounded in time.
 *   pnpm exec node packages/data-plane/bench/proxy.bench.ts [-- --seconds 5 --connections 32]
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import type { RoutingTable } from '@portcullis/config-model';
import { Pool } from 'undici';
import { UpstreamPools } from '../src/proxy/index.ts';
import { table, target } from '../test/proxy-fixtures.ts';

interface Role {
  readonly role: 'backend' | 'load';
  readonly port?: number;
  readonly seconds?: number;
  readonly connections?: number;
}

/** Load: `connections` keep-alive connections, each sending requests back to back. */
async function load(port: number, seconds: number, connections: number): Promise<number> {
  const pool = new Pool(`http://127.0.0.1:${port}`, { connections, pipelining: 1 });
  const deadline = performance.now() + seconds * 1000;
  let done = 0;
  const loop = async (): Promise<void> => {
    while (performance.now() < deadline) {
      const { statusCode, body } = await pool.request({
        path: '/',
        method: 'GET',
        headers: { host: 'example.com' },
      });
      await body.dump();
      if (statusCode !== 200) throw new Error(`status ${statusCode}`);
      done++;
    }
  };
  await Promise.all(Array.from({ length: connections }, loop));
  await pool.close();
  return done / seconds;
}

async function worker(role: Role): Promise<void> {
  if (role.role === 'backend') {
    const server = createServer((_req, res) => {
      res.setHeader('content-type', 'text/plain');
      res.end('hello from the backend\n');
    });
    server.listen(0, '127.0.0.1', () => parentPort?.postMessage((server.address() as AddressInfo).port));
    return;
  }
  parentPort?.postMessage(await load(role.port ?? 0, role.seconds ?? 5, role.connections ?? 32));
}

function spawn(role: Role): Promise<{ worker: Worker; value: number }> {
  const w = new Worker(new URL(import.meta.url), { workerData: role });
  return new Promise((resolve, reject) => {
    w.once('message', (value: number) => resolve({ worker: w, value }));
    w.once('error', reject);
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: process.argv.slice(2).filter((arg) => arg !== '--'),
    options: { seconds: { type: 'string', default: '2.5' }, connections: { type: 'string', default: '32' } },
  });
  const seconds = Number(values.seconds);
  const connections = Number(values.connections);
  const backend = await spawn({ role: 'backend' });
  const backendPort = backend.value;

  const pools = new UpstreamPools();
  const t = target([['127.0.0.1', backendPort]]);
  const generation = pools.prepare(table(t) as RoutingTable);
  const front = createServer((req: IncomingMessage, res: ServerResponse) => {
    generation.forward(req, res, t, { host: req.headers.host ?? '', 'x-forwarded-for': '127.0.0.1' });
  });
  await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
  const frontPort = (front.address() as AddressInfo).port;

  const direct = await spawn({ role: 'load', port: backendPort, seconds, connections });
  // Event-loop utilization of the proxy's thread: on a busy machine the workers, not the proxy,
  // may be the bottleneck, so also print what one fully busy proxy thread would sustain.
  const idleBefore = performance.eventLoopUtilization();
  const proxied = await spawn({ role: 'load', port: frontPort, seconds, connections });
  const utilization = performance.eventLoopUtilization(idleBefore).utilization;
  const rate = (value: number): string => `${Math.round(value).toLocaleString('en')} req/s`;
  console.log(`direct to backend:            ${rate(direct.value)}`);
  console.log(`through forward():            ${rate(proxied.value)}`);
  console.log(`proxy thread utilization:     ${(utilization * 100).toFixed(0)}%`);
  console.log(`per fully busy proxy thread:  ${rate(proxied.value / utilization)} (estimate)`);
  console.log(`(${connections} keep-alive client connections, ${seconds}s per run, small text response)`);

  front.close();
  front.closeAllConnections();
  await pools.close();
  for (const w of [backend.worker, direct.worker, proxied.worker]) await w.terminate();
}

if (isMainThread) await main();
else await worker(workerData as Role);
