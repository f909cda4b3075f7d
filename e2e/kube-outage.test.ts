/**
 * The API server goes away for a few seconds (a control-plane upgrade, an etcd hiccup) and comes
 * back. Traffic must keep flowing on the last routing table the whole time (ingress-nginx keeps
 * its last nginx.conf), the informers must restart with growing delays rather than hammer the
 * API server, and once it is back, a change made during the outage and one made after it apply.
 * And when the API server is unavailable at start, the process is alive (/healthz) but not ready
 * (/readyz 503, so a Service sends it no traffic) until its informers have synced.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { type EchoBackend, startEchoBackend } from './support/backend.ts';
import { type FakeApiServer, startFakeApiServer } from './support/fake-apiserver/index.ts';
import { get } from './support/http-clients.ts';
import { applyAll, ingressObject, routeOf, serviceObjects, until } from './support/kube-objects.ts';
import {
  type KubeLaunch,
  type KubePortcullis,
  type LogLine,
  launchKubePortcullis,
  startKubePortcullis,
} from './support/kube-portcullis.ts';

const OUTAGE_MS = 3_500;

describe('kubernetes mode: API server outage', { timeout: 50_000 }, () => {
  let api: FakeApiServer;
  let blue: EchoBackend;
  let green: EchoBackend;
  let portcullis: KubePortcullis;
  const route = (host: string) => routeOf(portcullis.httpPort, host);
  const restarts = (): LogLine[] =>
    portcullis.logs.filter((l) => l.msg === 'list/watch failed; restarting' && l.resource === 'Ingress');

  before(async () => {
    api = await startFakeApiServer();
    blue = await startEchoBackend('blue');
    green = await startEchoBackend('green');
    applyAll(api, [...serviceObjects('blue', blue.port), ...serviceObjects('green', green.port)]);
    api.apply(ingressObject({ name: 'stay', host: 'stay.kube.test', paths: [{ service: 'blue' }] }));
    portcullis = await startKubePortcullis({ kubeconfigPath: api.kubeconfigPath });
  });

  after(async () => {
    await api?.setDown(false);
    const code = await portcullis?.stop();
    await Promise.all([blue?.close(), green?.close()]);
    await api?.close();
    assert.equal(code, 0, 'portcullis exits 0 on SIGTERM');
  });

  it('keeps serving the last table while the API server refuses connections, restarting with backoff', async () => {
    assert.equal(await route('stay.kube.test'), 'blue');
    await api.setDown(true, 'refuse');
    const answers = new Map<string, number>();
    const started = Date.now();
    while (Date.now() - started < OUTAGE_MS) {
      const answer = await route('stay.kube.test');
      answers.set(answer, (answers.get(answer) ?? 0) + 1);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    assert.deepEqual(
      [...answers.keys()],
      ['blue'],
      `every request answered by the last table: ${[...answers]}`,
    );
    assert.ok((answers.get('blue') ?? 0) > 20, 'enough requests to mean anything');
    const ready = await get(portcullis.healthzPort, { host: 'localhost', path: '/readyz' });
    assert.equal(ready.status, 200, 'still ready: an API outage must not pull every replica out of rotation');

    const lines = restarts();
    assert.ok(lines.length >= 2, `the Ingress informer restarted more than once:\n${JSON.stringify(lines)}`);
    const delays = lines.map((l) => Number(l.retryInMs));
    for (const [i, delay] of delays.entries()) {
      assert.ok(delay > 0, 'each restart names its delay');
      if (i > 0) assert.ok(delay >= (delays[i - 1] ?? 0), `delays never shrink during the outage: ${delays}`);
    }
    assert.ok((delays.at(-1) ?? 0) > (delays[0] ?? 0), `delays grow (backoff): ${delays}`);
    assert.equal(typeof lines[0]?.error, 'string', 'the log line names the error');
  });

  it('after the API server is back, changes made during and after the outage apply', async () => {
    // Made while down: the store changes, but no client can see it until it relists.
    api.apply(ingressObject({ name: 'stay', host: 'stay.kube.test', paths: [{ service: 'green' }] }));
    assert.equal(await route('stay.kube.test'), 'blue', 'not applied while the API server is down');
    await api.setDown(false);
    // The next attempt is at most one backoff delay away (1 s, 2 s, 4 s, ...; 8 s at worst here).
    await until(() => route('stay.kube.test'), 'green', 12_000);
    await api.waitFor((a) => a.openWatches('Ingress') === 1, 5_000);
    api.apply(ingressObject({ name: 'new', host: 'new.kube.test', paths: [{ service: 'blue' }] }));
    const took = await until(() => route('new.kube.test'), 'blue', 3_000);
    assert.ok(took < 1_000, `a change after recovery applied after ${took} ms`);
  });
});

/** A port that was free a moment ago (the health port must be known before the process says it). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
}

describe('kubernetes mode: API server unavailable at start', { timeout: 50_000 }, () => {
  let api: FakeApiServer;
  let backend: EchoBackend;
  let launch: KubeLaunch;

  before(async () => {
    api = await startFakeApiServer();
    backend = await startEchoBackend('web');
    applyAll(api, serviceObjects('web', backend.port));
    api.apply(ingressObject({ name: 'first', host: 'first.kube.test', paths: [{ service: 'web' }] }));
    await api.setDown(true, '503');
  });

  after(async () => {
    const code = await launch?.stop();
    await backend?.close();
    await api?.close();
    assert.equal(code, 0, 'portcullis exits 0 on SIGTERM');
  });

  it('is live but not ready until the first sync, then ready and serving', async () => {
    const healthzPort = await freePort();
    launch = launchKubePortcullis({ kubeconfigPath: api.kubeconfigPath, healthzPort });
    const probe = async (path: string) => {
      try {
        return String((await get(healthzPort, { host: 'localhost', path, timeoutMs: 1_000 })).status);
      } catch {
        return 'down';
      }
    };
    await until(() => probe('/healthz'), '200', 20_000);
    // Lists answer 503: the informers retry with backoff and the first table does not exist yet.
    await launch.waitForLog((l) => l.msg === 'list/watch failed; restarting', 10_000);
    assert.equal(await probe('/readyz'), '503', 'not ready before the informers synced');
    assert.equal(launch.logs.filter((l) => l.msg === 'portcullis is serving').length, 0);

    await api.setDown(false);
    const portcullis = await launch.serving;
    assert.equal(portcullis.healthzPort, healthzPort);
    assert.equal(await probe('/readyz'), '200', 'ready once serving');
    assert.equal(await routeOf(portcullis.httpPort, 'first.kube.test'), 'web');
  });
});
