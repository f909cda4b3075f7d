/**
 * The external load generators, pinned to the load core and bounded in time: wrk (HTTP/1.1
 * over TLS, with its --latency percentiles) and h2load (HTTP/2; p99 computed from its per-request
 * --log-file, since h2load prints no percentiles), with their output parsed into one shape.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Cleanup, LOAD_CORE } from './env.ts';
import { type LoadResult, percentile } from './handshakes.ts';

async function runPinned(cleanup: Cleanup, argv: readonly string[], limitMs: number): Promise<string> {
  const child = spawn('taskset', ['-c', LOAD_CORE, ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
  cleanup.track(child);
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
  });
  // A load generator that hangs (h2load -D waiting on a stuck stream) must not hang the bench.
  const timer = setTimeout(() => child.kill('SIGKILL'), limitMs);
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  clearTimeout(timer);
  if (code !== 0) throw new Error(`${argv[0]} exited with ${code}:\n${out.slice(-2000)}`);
  return out;
}

const unitsMs: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000 };

function duration(value: string | undefined, unit: string | undefined): number {
  return Number(value) * (unitsMs[unit ?? 'ms'] ?? Number.NaN);
}

export function parseWrk(out: string): LoadResult {
  const total = /(\d+) requests in ([\d.]+)(us|ms|s|m)\b/.exec(out);
  if (total === null) throw new Error(`unexpected wrk output:\n${out}`);
  const p99 = /^\s+99%\s+([\d.]+)(us|ms|s|m)\s*$/m.exec(out);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
  const socketErrors = socket === null ? 0 : socket.slice(1).reduce((sum, n) => sum + Number(n), 0);
  return {
    requests: Number(total[1]) - non2xx,
    seconds: duration(total[2], total[3]) / 1000,
    errors: non2xx + socketErrors,
    p99Ms: p99 === null ? null : duration(p99[1], p99[2]),
    note: socket === null ? '' : socket[0],
  };
}

export interface WrkLoad {
  readonly url: string;
  readonly headers: readonly string[];
  readonly connections: number;
  readonly seconds: number;
}

export async function runWrk(cleanup: Cleanup, load: WrkLoad): Promise<LoadResult> {
  const argv = ['wrk', '-t1', `-c${load.connections}`, `-d${load.seconds}s`, '--latency', '--timeout', '5s'];
  for (const header of load.headers) argv.push('-H', header);
  argv.push(load.url);
  return parseWrk(await runPinned(cleanup, argv, (load.seconds + 20) * 1000));
}

export interface H2Load {
  readonly port: number;
  readonly host: string;
  readonly connections: number;
  readonly streams: number;
  readonly seconds: number;
  /** Where h2load writes per-request timings (one line each); read back for p99. */
  readonly logFile: string;
}

export function parseH2load(out: string, logFile: string | null): LoadResult {
  const finished = /finished in ([\d.]+)(us|ms|s|m), ([\d.]+) req\/s/.exec(out);
  const requests =
    /requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, (\d+) failed, (\d+) errored, (\d+) timeout/.exec(
      out,
    );
  if (finished === null || requests === null) throw new Error(`unexpected h2load output:\n${out}`);
  const latencies: number[] = [];
  if (logFile !== null) {
    // Lines: <start time µs> <status> <duration µs>, tab-separated.
    for (const line of readFileSync(logFile, 'utf8').split('\n')) {
      const us = Number(line.split('\t')[2]);
      if (Number.isFinite(us) && line !== '') latencies.push(us / 1000);
    }
  }
  return {
    requests: Number(requests[4]),
    seconds: duration(finished[1], finished[2]) / 1000,
    errors: Number(requests[5]) + Number(requests[6]) + Number(requests[7]),
    p99Ms: percentile(latencies, 0.99),
    note: '',
  };
}

export async function runH2load(cleanup: Cleanup, load: H2Load): Promise<LoadResult> {
  const argv = [
    'h2load',
    '-t1',
    `-c${load.connections}`,
    `-m${load.streams}`,
    `-D${load.seconds}`,
    '--connect-to',
    `127.0.0.1:${load.port}`,
    '--log-file',
    load.logFile,
    `https://${load.host}:${load.port}/`,
  ];
  return parseH2load(await runPinned(cleanup, argv, (load.seconds + 20) * 1000), load.logFile);
}

export function logFileIn(dir: string, name: string): string {
  return join(dir, `${name}.h2load.log`);
}
