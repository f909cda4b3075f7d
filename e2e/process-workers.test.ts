/**
 * --workers 2: two data-plane processes share fixed ports (SO_REUSEPORT; port 0 would give each
 * worker its own port), the primary serves /metrics with both workers' counters summed, as
 * ingress-nginx's single exporter reports all nginx workers.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { serviceYaml } from './support/backend.ts';
import { type ScriptedBackend, startScriptedBackend } from './support/http-backends.ts';
import { echoed, freePort, get } from './support/http-clients.ts';
import { ingressYaml } from './support/http-manifests.ts';
import { type Portcullis, startPortcullis } from './support/portcullis.ts';

const requests = 24;
let app: ScriptedBackend;
let portcullis: Portcullis;

before(async () => {
  app = await startScriptedBackend({ name: 'app' });
  portcullis = await startPortcullis({
    manifests: {
      'app.yaml': `${serviceYaml('app', app.port)}---\n${ingressYaml({ name: 'app', host: 'workers.e2e.test', service: 'app' })}`,
    },
    flags: ['--workers=2', `--http-port=${await freePort()}`, `--https-port=${await freePort()}`],
    startTimeoutMs: 40_000,
  });
});

after(async () => {
  assert.equal(await portcullis.stop(), 0);
  await app.close();
});

/** Sum of one metric family's samples whose labels match, from Prometheus text. */
function sumSamples(text: string, family: string, labels: RegExp): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${family}{`) || !labels.test(line)) continue;
    sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

describe('two workers', { timeout: 60_000 }, () => {
  it('runs two worker processes under the primary', async () => {
    const { stdout } = await promisify(execFile)('ps', [
      '-o',
      'pid=',
      '--ppid',
      String(portcullis.process.pid),
    ]);
    assert.equal(stdout.trim().split('\n').filter(Boolean).length, 2, stdout);
  });

  it('serves every request and /metrics counts all of them once', async () => {
    // New connections each time, so the kernel spreads them over both workers' sockets (all 24
    // landing on one worker has odds of 2^-23): the sum is only right if both are scraped.
    const results = await Promise.all(
      Array.from({ length: requests }, (_, i) =>
        get(portcullis.httpPort, { host: 'workers.e2e.test', path: `/r${i}` }),
      ),
    );
    assert.deepEqual(
      results.map((r) => echoed(r).url).sort(),
      Array.from({ length: requests }, (_, i) => `/r${i}`).sort(),
    );
    const metrics = await (await fetch(`http://127.0.0.1:${portcullis.healthzPort}/metrics`)).text();
    const counted = sumSamples(metrics, 'nginx_ingress_controller_requests', /host="workers\.e2e\.test"/);
    assert.equal(
      counted,
      requests,
      metrics
        .split('\n')
        .filter((l) => l.includes('_requests{'))
        .join('\n'),
    );
  });
});
