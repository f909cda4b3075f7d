/**
 * Builds the passthrough splicer (splice.c, docs/adr/0006-native-passthrough-splicer.md) into
 * native/build/splice.node. Runs as this package's `install` script, so `pnpm install` builds it.
 *
 * Plain JavaScript on purpose: an install script may run under the machine's own Node (20 here),
 * which cannot run TypeScript. It never fails the install: without Linux, a C compiler or Node's
 * headers it says why and exits 0, and the data plane uses its JavaScript relay instead.
 *
 *   node native/build.mjs [--quiet]
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { dirname, join } from 'node:path';

const here = import.meta.dirname ?? dirname(new URL(import.meta.url).pathname);
const source = join(here, 'splice.c');
const output = join(here, 'build', 'splice.node');
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
    `portcullis: native passthrough splicer not built (${reason}); the JavaScript relay is used\n`,
  );
  process.exit(0);
}

if (process.platform !== 'linux') skip(`epoll is Linux-only, this is ${process.platform}`);
const cc = compiler();
if (cc === null) skip('no C compiler: install gcc, e.g. apt-get install gcc libc6-dev');
const [include] = headerDirs();
if (include === undefined) skip("Node's headers (node_api.h, uv.h) not found");

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
  skip(`${cc} failed: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
}
// Atomic: a running process never loads a half-written file.
renameSync(partial, output);
if (!quiet) process.stderr.write(`portcullis: built ${output} (${cc}, headers from ${include})\n`);
