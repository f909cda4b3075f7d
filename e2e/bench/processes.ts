/**
 * Starting the bench's long-lived processes pinned to their cores (nginx backend, nginx proxy,
 * portcullis), waiting until they serve, and reading how much CPU a process tree has used.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, openSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { cliEntry } from '../support/paths.ts';
import type { Cleanup } from './env.ts';

export interface Started {
  readonly name: string;
  readonly child: ChildProcess;
  readonly pid: number;
  readonly log: string;
}

/** `taskset -c CORE command...`: taskset execs the command, so the pid is the command's. */
function startPinned(
  cleanup: Cleanup,
  name: string,
  core: string,
  argv: readonly string[],
  env?: NodeJS.ProcessEnv,
): Started {
  const log = join(cleanup.dir, `${name}.log`);
  const fd = openSync(log, 'a');
  const child = spawn('taskset', ['-c', core, ...argv], {
    stdio: ['ignore', fd, fd],
    env: env ?? process.env,
  });
  cleanup.track(child);
  if (child.pid === undefined) throw new Error(`${name}: could not start ${argv[0]}`);
  return { name, child, pid: child.pid, log };
}

export function startNginx(cleanup: Cleanup, name: string, core: string, conf: string): Started {
  const dir = join(cleanup.dir, name);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'nginx.conf');
  writeFileSync(file, conf);
  execFileSync('nginx', ['-t', '-q', '-p', dir, '-c', file], { stdio: ['ignore', 'ignore', 'pipe'] });
  return startPinned(cleanup, name, core, ['nginx', '-p', dir, '-c', file]);
}

export interface PortcullisPorts {
  readonly http: number;
  readonly https: number;
  readonly healthz: number;
}

export function startPortcullis(
  cleanup: Cleanup,
  name: string,
  core: string,
  manifestsDir: string,
  ports: PortcullisPorts,
  extraFlags: readonly string[],
  nodeFlags: readonly string[],
): Started {
  const argv = [
    process.execPath,
    ...nodeFlags,
    cliEntry,
    '--manifests',
    manifestsDir,
    '--workers=1',
    `--http-port=${ports.http}`,
    `--https-port=${ports.https}`,
    `--healthz-port=${ports.healthz}`,
    '--bind-address=127.0.0.1',
    '--default-ssl-certificate=default/bench-tls',
    ...extraFlags,
  ];
  return startPinned(cleanup, name, core, argv);
}

/** node-floor.ts: the bare relay to `targetPort` and the bare TLS server, pinned like portcullis. */
export function startNodeFloors(
  cleanup: Cleanup,
  core: string,
  ports: { relay: number; target: number; tls: number },
  cert: { certFile: string; keyFile: string },
): Started {
  const script = join(import.meta.dirname, 'node-floor.ts');
  const args = [ports.relay, ports.target, ports.tls].map(String);
  return startPinned(cleanup, 'node-floor', core, [
    process.execPath,
    script,
    ...args,
    cert.certFile,
    cert.keyFile,
  ]);
}

/** Resolves once `ready()` says so; rejects with the log's tail if the process exits or time runs out. */
export async function waitUntil(started: Started, ready: () => Promise<boolean>, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (started.child.exitCode !== null || started.child.signalCode !== null) break;
    if (await ready()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const tail = readFileSync(started.log, 'utf8').split('\n').slice(-15).join('\n');
  throw new Error(`${started.name} did not become ready (exit ${started.child.exitCode}); log:\n${tail}`);
}

export function tcpOpen(port: number): () => Promise<boolean> {
  return () =>
    new Promise((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
}

export function httpOk(url: string): () => Promise<boolean> {
  return async () => {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(1_000) });
      await response.arrayBuffer();
      return response.ok;
    } catch {
      return false;
    }
  };
}

const clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/** utime + stime of one process (all its threads), in ticks; null once it is gone. */
function processTicks(pid: number): { ticks: number; sys: number; ppid: number } | null {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // Fields after "pid (comm) ": the comm may hold spaces and parentheses, so split after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]), sys: Number(fields[12]) };
}

/**
 * CPU microseconds used so far by pid and every live descendant (nginx's master + worker;
 * portcullis is one process with --workers=1, but forks would count too). /proc/PID/stat
 * already sums all threads of a process (V8 GC and libuv pool threads included).
 */
export function treeCpuMicros(root: number): { total: number; sys: number } {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    const info = processTicks(pid);
    if (info === null) continue;
    const list = children.get(info.ppid) ?? [];
    list.push(pid);
    children.set(info.ppid, list);
  }
  let ticks = 0;
  let sys = 0;
  const queue = [root];
  for (let pid = queue.pop(); pid !== undefined; pid = queue.pop()) {
    const info = processTicks(pid);
    ticks += info?.ticks ?? 0;
    sys += info?.sys ?? 0;
    queue.push(...(children.get(pid) ?? []));
  }
  return { total: (ticks * 1_000_000) / clockTicks, sys: (sys * 1_000_000) / clockTicks };
}
