/**
 * Builds the data plane's two addons into native/build/: splice.node, the passthrough splicer
 * (splice.c, docs/adr/0006-native-passthrough-splicer.md), and tickets.node, the TLS 1.3 ticket
 * count (tickets.c, docs/adr/0007-tls13-ticket-count.md). Runs as this package's `install`
 * script, so `pnpm install` builds them.
 *
 * Plain JavaScript on purpose: an install script may run under the machine's own Node (20 here),
 * which cannot run TypeScript. It never fails the install: without Linux, a C compiler or Node's
 * headers it says why and exits 0, and the data plane does without (the JavaScript relay; OpenSSL's
 * default of two TLS 1.3 tickets).
 *
 *   node native/build.mjs [--quiet]
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { dirname, join } from 'node:path';

const here = import.meta.dirname ?? dirname(new URL(import.meta.url).pathname);
const addons = [
  { source: join(here, 'splice.c'), output: join(here, 'build', 'splice.node') },
  { source: join(here, 'tickets.c'), output: join(here, 'build', 'tickets.node') },
];
const quiet = process.argv.includes('--quiet');

/** Node-API headers: the running Node's own, the npm `node` package's, then the system's. */
function headerDirs() {
  const bin = dirname(process.execPath);
  return [
    join(bin, '..', 'include', 'node'),
    join(bin, '..', 'node_modules', `node-${process.platform}-${process.arch}`, 'include', 'node'),
    '/usr/local/include/node',
    '/usr/include/node',
  ].filter((dir) => existsSync(join(dir, 'node_api.h')) && existsSync(join(dir, 'uv.h')));
}

function compiler() {
  for (const cc of [process.env.CC, 'cc', 'gcc', 'clang']) {
    if (!cc) continue;
    try {
      execFileSync(cc, ['--version'], { stdio: 'ignore' });
      return cc;
    } catch {
      // not this one
    }
  }
  return null;
}

function skip(reason) {
  process.stderr.write(
    `portcullis: native addons not built (${reason}); the JavaScript relay is used and OpenSSL sends its default TLS 1.3 tickets\n`,
  );
  process.exit(0);
}

if (process.platform !== 'linux') skip(`epoll is Linux-only, this is ${process.platform}`);
const cc = compiler();
if (cc === null) skip('no C compiler: install gcc, e.g. apt-get install gcc libc6-dev');
const [include] = headerDirs();
if (include === undefined) skip("Node's headers (node_api.h, uv.h) not found");

for (const { source, output } of addons) {
  mkdirSync(dirname(output), { recursive: true });
  const partial = `${output}.${process.pid}.tmp`;
  try {
    execFileSync(
      cc,
      [
        '-O2',
        '-fPIC',
        '-shared',
        '-std=gnu11',
        '-Wall',
        '-Wextra',
        '-Werror',
        '-I',
        include,
        '-o',
        partial,
        source,
      ],
      { stdio: ['ignore', 'inherit', 'inherit'] },
    );
  } catch (error) {
    skip(
      `${cc} failed on ${source}: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`,
    );
  }
  // Atomic: a running process never loads a half-written file.
  renameSync(partial, output);
  if (!quiet) process.stderr.write(`portcullis: built ${output} (${cc}, headers from ${include})\n`);
}
