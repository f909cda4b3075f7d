/**
 * Standalone mode's promise: editing the watched manifests changes what is served within a
 * second, without a restart; a broken file or a bad annotation is reported (log line with its
 * stable code and the object or file) and isolated, the rest keeps serving.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { serviceYaml } from './support/backend.ts';
import { type ScriptedBackend, startScriptedBackend } from './support/http-backends.ts';
import { get, type HttpResult } from './support/http-clients.ts';
import { ingressYaml } from './support/http-manifests.ts';
import { type Portcullis, startPortcullis } from './support/portcullis.ts';

/** The brief's promise to operators: a saved manifest is live within one second. */
const applyDeadlineMs = 1_000;

let blue: ScriptedBackend;
let green: ScriptedBackend;
let portcullis: Portcullis;

before(async () => {
  blue = await startScriptedBackend({ name: 'blue' });
  green = await startScriptedBackend({ name: 'green' });
  portcullis = await startPortcullis({
    manifests: {
      'services.yaml': `${serviceYaml('blue', blue.port)}---\n${serviceYaml('green', green.port)}`,
      'app.yaml': ingressYaml({
        name: 'app',
        host: 'live.e2e.test',
        paths: [{ path: '/v1', service: 'blue' }],
      }),
      'other.yaml': ingressYaml({ name: 'other', host: 'other.e2e.test', service: 'green' }),
    },
  });
});

after(async () => {
  assert.equal(await portcullis.stop(), 0);
  await blue.close();
  await green.close();
});

async function fetchLive(path: string, host = 'live.e2e.test'): Promise<HttpResult> {
  return get(portcullis.httpPort, { host, path, timeoutMs: 2_000 });
}

/** Polls until `ok` holds; returns the milliseconds it took, or throws after `deadlineMs`. */
async function timeUntil(ok: () => Promise<boolean>, deadlineMs: number, what: string): Promise<number> {
  const started = Date.now();
  for (;;) {
    if (await ok()) return Date.now() - started;
    if (Date.now() - started > deadlineMs) throw new Error(`${what}: not within ${deadlineMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

function backendOf(result: HttpResult): string | null {
  return result.status === 200 ? (JSON.parse(result.body) as { backend: string }).backend : null;
}

describe('live manifest changes', { timeout: 30_000 }, () => {
  it('serves a newly added path within 1 s', async () => {
    assert.equal((await fetchLive('/v2')).status, 404);
    portcullis.write(
      'app.yaml',
      ingressYaml({
        name: 'app',
        host: 'live.e2e.test',
        paths: [
          { path: '/v1', service: 'blue' },
          { path: '/v2', service: 'green' },
        ],
      }),
    );
    const took = await timeUntil(
      async () => backendOf(await fetchLive('/v2')) === 'green',
      5_000,
      '/v2 served',
    );
    assert.ok(took <= applyDeadlineMs, `applied after ${took} ms`);
    assert.equal(backendOf(await fetchLive('/v1')), 'blue');
  });

  it('moves a path to another backend within 1 s', async () => {
    portcullis.write(
      'app.yaml',
      ingressYaml({
        name: 'app',
        host: 'live.e2e.test',
        paths: [
          { path: '/v1', service: 'green' },
          { path: '/v2', service: 'green' },
        ],
      }),
    );
    const took = await timeUntil(
      async () => backendOf(await fetchLive('/v1')) === 'green',
      5_000,
      '/v1 moved',
    );
    assert.ok(took <= applyDeadlineMs, `applied after ${took} ms`);
  });

  it('logs a broken YAML file by name and keeps serving the rest', async () => {
    portcullis.write('broken.yaml', 'apiVersion: v1\nkind: Service\nmetadata: { name: [unclosed\n');
    const line = await portcullis.waitForLog((l) => l.code === 'ManifestInvalid', 5_000);
    assert.equal(line.level, 'error');
    assert.match(line.msg, /broken\.yaml/);
    assert.match(String(line.object), /broken\.yaml/);
    assert.equal(backendOf(await fetchLive('/v1')), 'green');
    assert.equal(backendOf(await fetchLive('/', 'other.e2e.test')), 'green');
    // A later good change still applies: the broken file does not freeze the watcher.
    portcullis.write('late.yaml', ingressYaml({ name: 'late', host: 'late.e2e.test', service: 'blue' }));
    await timeUntil(
      async () => backendOf(await fetchLive('/', 'late.e2e.test')) === 'blue',
      5_000,
      'late.e2e.test',
    );
  });

  it('logs an invalid annotation value with its code and the Ingress, and still serves it', async () => {
    portcullis.write(
      'annotated.yaml',
      ingressYaml({
        name: 'annotated',
        host: 'annotated.e2e.test',
        service: 'blue',
        annotations: { 'ssl-redirect': 'maybe' },
      }),
    );
    const line = await portcullis.waitForLog(
      (l) => l.code === 'InvalidAnnotationValue' && String(l.object).includes('annotated'),
      5_000,
    );
    assert.equal(line.level, 'warn');
    assert.equal(line.object, 'Ingress default/annotated (nginx.ingress.kubernetes.io/ssl-redirect)');
    assert.match(line.msg, /ssl-redirect/);
    assert.match(line.msg, /maybe/);
    await timeUntil(
      async () => backendOf(await fetchLive('/', 'annotated.e2e.test')) === 'blue',
      5_000,
      'annotated',
    );
  });
});
