/**
 * The bench's surroundings: the tools it drives (installed from Debian when missing and we are
 * root), the CPU layout, free loopback ports, a temp dir, and a cleanup list that ends every
 * process we started (by pid) and removes the temp dir on exit, error or Ctrl-C.
 */
import { type ChildProcess, execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';

/** Core 0: the proxy under test. Core 1: load generator, backend and this script. */
export const PROXY_CORE = '0';
export const LOAD_CORE = '1';

/** nginx's stream module ships separately on Debian (libnginx-mod-stream). */
export const STREAM_MODULE = '/usr/lib/nginx/modules/ngx_stream_module.so';

const needs: readonly { readonly check: () => boolean; readonly pkg: string }[] = [
  { check: () => onPath('nginx'), pkg: 'nginx' },
  { check: () => existsSync(STREAM_MODULE), pkg: 'libnginx-mod-stream' },
  { check: () => onPath('wrk'), pkg: 'wrk' },
  { check: () => onPath('h2load'), pkg: 'nghttp2-client' },
  { check: () => onPath('taskset'), pkg: 'util-linux' },
];

function onPath(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

/** apt-get installs what is missing (root only); prints what it does. */
export function ensureTools(say: (line: string) => void): void {
  const missing = needs.filter((need) => !need.check()).map((need) => need.pkg);
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0) {
    throw new Error(`missing tools and not root: apt-get install -y ${missing.join(' ')}`);
  }
  say('$ apt-get update');
  execFileSync('apt-get', ['update', '-qq'], { stdio: ['ignore', 'ignore', 'inherit'] });
  say(`$ apt-get install -y ${missing.join(' ')}`);
  execFileSync('apt-get', ['install', '-y', '-qq', ...missing], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
}

export function checkCores(say: (line: string) => void): void {
  const cores = availableParallelism();
  if (cores < 2)
    throw new Error(`needs 2 cores (proxy on core 0, load on core 1); this machine has ${cores}`);
  // Every thread of this script (V8, libuv) moves to the load core so it never steals the
  // proxy's core; the proxies are the only tenants of core 0 that we place there.
  execFileSync('taskset', ['-a', '-p', '-c', LOAD_CORE, String(process.pid)], { stdio: 'ignore' });
  if (cores > 2) say(`note: ${cores} cores; only cores 0 and 1 are used`);
}

/** A free 127.0.0.1 port: bind port 0, read it, release it (the bench is the only binder). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

export interface Cleanup {
  readonly dir: string;
  track(child: ChildProcess): void;
  /** SIGTERM every tracked process still alive, SIGKILL after graceMs, then remove dir. */
  run(graceMs?: number): Promise<void>;
}

export function createCleanup(): Cleanup {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-bench-'));
  const children = new Set<ChildProcess>();
  const alive = (child: ChildProcess) => child.exitCode === null && child.signalCode === null;
  let done = false;
  // Last resort when the event loop is gone (uncaught error, process.exit): no waiting here.
  process.once('exit', () => {
    for (const child of children) if (alive(child)) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });
  return {
    dir,
    track: (child) => void children.add(child),
    async run(graceMs = 5_000) {
      if (done) return;
      done = true;
      const waits = [...children].filter(alive).map(
        (child) =>
          new Promise<void>((resolve) => {
            const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
            child.once('exit', () => {
              clearTimeout(timer);
              resolve();
            });
            child.kill('SIGTERM');
          }),
      );
      await Promise.all(waits);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
