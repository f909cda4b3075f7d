/**
 * The process as an operator meets it: startup failures exit non-zero with one clear line on
 * stderr (no stack trace), usage errors exit 2 like Go's flag package (ingress-nginx), logs are
 * JSON lines, and /healthz and /readyz answer once serving.
 */
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { serviceYaml } from './support/backend.ts';
import { ingressYaml } from './support/http-manifests.ts';
import { loopbackFlags, runToExit } from './support/http-process.ts';
import { startPortcullis } from './support/portcullis.ts';

let dir: string;
let occupied: Server;
let occupiedPort: number;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'portcullis-startup-'));
  // A clean configuration (the Service and its endpoints exist): no diagnostics to log.
  writeFileSync(
    join(dir, 'app.yaml'),
    `${serviceYaml('app', 8080)}---\n${ingressYaml({ name: 'app', host: 'app.e2e.test' })}`,
  );
  occupied = createServer();
  await new Promise<void>((resolve) => occupied.listen(0, '127.0.0.1', resolve));
  const address = occupied.address();
  occupiedPort = typeof address === 'object' && address !== null ? address.port : 0;
});

after(async () => {
  rmSync(dir, { recursive: true, force: true });
  await new Promise((resolve) => occupied.close(resolve));
});

/** One line, no stack frame, no JSON noise: what `kubectl logs` of a crash-looping pod shows. */
function assertOneClearLine(lines: readonly string[], pattern: RegExp): void {
  assert.equal(lines.length, 1, `expected one stderr line, got:\n${lines.join('\n')}`);
  assert.match(lines[0] ?? '', pattern);
  assert.doesNotMatch(lines[0] ?? '', /\bat .*\.ts:\d+/);
}

describe('startup failures', { timeout: 60_000 }, () => {
  it('exits 1 naming the address when the HTTP port is in use', async () => {
    const run = await runToExit(['--manifests', dir, ...loopbackFlags([`--http-port=${occupiedPort}`])]);
    assert.equal(run.code, 1);
    assertOneClearLine(run.lines, new RegExp(`127\\.0\\.0\\.1:${occupiedPort}: address already in use`));
  });

  it('exits 1 when the healthz port is in use', async () => {
    const run = await runToExit(['--manifests', dir, ...loopbackFlags([`--healthz-port=${occupiedPort}`])]);
    assert.equal(run.code, 1);
    assertOneClearLine(run.lines, new RegExp(`:${occupiedPort}: address already in use`));
  });

  it('exits 1 naming a --manifests path that does not exist', async () => {
    const missing = join(dir, 'no-such-dir');
    const run = await runToExit(['--manifests', missing, ...loopbackFlags()]);
    assert.equal(run.code, 1);
    assertOneClearLine(run.lines, new RegExp(`${missing.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}`));
  });

  it('exits 1 for a --manifests path that cannot be read (a path through a file)', {}, async () => {
    const through = join(dir, 'app.yaml', 'inside');
    const run = await runToExit(['--manifests', through, ...loopbackFlags()]);
    assert.equal(run.code, 1);
    assertOneClearLine(run.lines, /cannot read manifests path .*app\.yaml\/inside/);
  });

  it('exits 1 for a directory without read permission', {
    skip: process.getuid?.() === 0 ? 'running as root: permissions do not apply' : false,
  }, async () => {
    const locked = join(dir, 'locked');
    mkdirSync(locked);
    chmodSync(locked, 0o000);
    try {
      const run = await runToExit(['--manifests', locked, ...loopbackFlags()]);
      assert.equal(run.code, 1);
      assertOneClearLine(run.lines, /locked/);
    } finally {
      chmodSync(locked, 0o700);
    }
  });
});

describe('usage errors exit 2', { timeout: 60_000 }, () => {
  for (const [flag, named] of [
    ['--http-port=http', /invalid value "http" for --http-port/],
    ['--workers=0', /invalid value "0" for --workers/],
    ['--bind-address=localhost', /invalid value "localhost" for --bind-address/],
    ['--no-such-flag', /no-such-flag/],
  ] as const) {
    it(`rejects ${flag}`, async () => {
      const run = await runToExit(['--manifests', dir, ...loopbackFlags([flag])]);
      assert.equal(run.code, 2);
      // The error line, then Go flag's customary pointer to --help; nothing else, nothing started.
      assert.match(run.lines[0] ?? '', named);
      assert.deepEqual(run.lines.slice(1), ["Run 'portcullis --help' for usage."]);
    });
  }
});

describe('a running process', { timeout: 60_000 }, () => {
  it('logs JSON lines with level, time and msg; diagnostics carry code and object', async () => {
    const portcullis = await startPortcullis({
      manifests: {
        // The Service exists without endpoints: an info diagnostic; "ghost" does not exist at all.
        'app.yaml': `${serviceYaml('app', 1)}---\n${ingressYaml({ name: 'orphan', host: 'orphan.e2e.test', service: 'ghost' })}`,
      },
    });
    try {
      const diagnostic = await portcullis.waitForLog((l) => l.code === 'ServiceNotFound');
      assert.equal(diagnostic.level, 'warn');
      assert.match(String(diagnostic.object), /^Ingress default\/orphan/);
      const health = await fetch(`http://127.0.0.1:${portcullis.healthzPort}/healthz`);
      assert.equal(health.status, 200);
      const ready = await fetch(`http://127.0.0.1:${portcullis.healthzPort}/readyz`);
      assert.equal(ready.status, 200);
      for (const line of portcullis.logs) {
        assert.notEqual(line.level, 'raw', `not JSON: ${line.msg}`);
        assert.ok(['debug', 'info', 'warn', 'error'].includes(line.level), JSON.stringify(line));
        assert.equal(typeof line.msg, 'string');
        assert.ok(!Number.isNaN(Date.parse(String(line.time))), JSON.stringify(line));
      }
      const serving = await portcullis.waitForLog((l) => l.msg === 'portcullis is serving');
      assert.equal(serving.level, 'info');
      assert.equal(serving.healthz, portcullis.healthzPort);
    } finally {
      assert.equal(await portcullis.stop(), 0);
    }
  });
});
