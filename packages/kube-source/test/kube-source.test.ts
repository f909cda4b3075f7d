import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { build, defaultOptions, generateFakeCertificate } from '@portcullis/config-model';
import { createKubeSource, type KubeSource, type KubeSourceOptions } from '../src/index.ts';
import { type FakeApi, startFakeApi } from './kube-fake-api.ts';
import { eventually, recordingLog, sleep } from './kube-helpers.ts';

let api: FakeApi;
const sources: KubeSource[] = [];
before(async () => {
  api = await startFakeApi();
});
after(() => api.close());
afterEach(() => {
  for (const source of sources.splice(0)) source.stop();
});

function source(options: Partial<KubeSourceOptions> = {}) {
  const log = recordingLog();
  let ticks = 0;
  const created = createKubeSource({
    kubeConfig: api.kubeConfig(),
    log,
    onTick: () => {
      ticks += 1;
    },
    tickMs: 40,
    backoff: { initialMs: 50, maxMs: 200 },
    ...options,
  });
  sources.push(created);
  return { source: created, log, ticks: () => ticks };
}

const names = (items: readonly unknown[]) =>
  items.map((o) => {
    const meta = (o as { metadata: { namespace?: string; name: string } }).metadata;
    return meta.namespace === undefined ? meta.name : `${meta.namespace}/${meta.name}`;
  });

const service = (namespace: string, name: string, port = 80) => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace },
  spec: { type: 'ClusterIP', ports: [{ name: 'http', port, targetPort: 'web' }] },
});
const secret = (namespace: string, name: string, type = 'kubernetes.io/tls') => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name, namespace },
  type,
  data: { 'tls.crt': '', 'tls.key': '' },
});

describe('createKubeSource', () => {
  it('lists every kind into a sorted snapshot that build() accepts without InvalidObject', async () => {
    api.apply(service('zeta', 'b'));
    api.apply(service('alpha', 'z'));
    api.apply(service('alpha', 'a'));
    api.apply({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'IngressClass',
      metadata: { name: 'nginx' },
      spec: { controller: 'k8s.io/ingress-nginx' },
    });
    api.apply({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: 'web', namespace: 'alpha' },
      spec: {
        ingressClassName: 'nginx',
        rules: [
          {
            host: 'a.example',
            http: {
              paths: [
                { path: '/', pathType: 'Prefix', backend: { service: { name: 'a', port: { number: 80 } } } },
              ],
            },
          },
        ],
      },
    });
    api.apply({
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: 'a-1', namespace: 'alpha', labels: { 'kubernetes.io/service-name': 'a' } },
      addressType: 'IPv4',
      endpoints: [{ addresses: ['10.0.0.1'], conditions: { ready: true } }],
      ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
    });
    const { source: s } = source();
    await s.start();
    assert.equal(s.synced(), true);
    const { snapshot, diagnostics } = s.snapshot();
    assert.deepEqual(diagnostics, []);
    assert.deepEqual(names(snapshot.services), ['alpha/a', 'alpha/z', 'zeta/b']);
    const first = snapshot.services[0] as Record<string, unknown>;
    // List items come without apiVersion/kind from the API; the source puts them back.
    assert.equal(first.apiVersion, 'v1');
    assert.equal(first.kind, 'Service');
    assert.equal(typeof (first.metadata as Record<string, unknown>).creationTimestamp, 'string');
    const now = new Date();
    const options = { ...defaultOptions, fakeCertificate: await generateFakeCertificate(now), now };
    const result = build(snapshot, options);
    assert.deepEqual(
      result.diagnostics.filter((d) => d.code === 'InvalidObject'),
      [],
    );
    assert.ok(result.table.servers['a.example'] !== undefined, 'the Ingress made it into the table');
  });

  it('keeps only referenced Secrets: tls, auth-tls/proxy-ssl annotations and the default certificate', async () => {
    api.apply(secret('refs', 'tls'));
    api.apply(secret('refs', 'client-ca', 'Opaque'));
    api.apply(secret('other', 'upstream-ca', 'Opaque'));
    api.apply(secret('refs', 'slash-ca', 'Opaque'));
    api.apply(secret('refs', 'unrelated', 'Opaque'));
    api.apply(secret('refs', 'helm', 'helm.sh/release.v1'));
    api.apply(secret('ingress', 'default-cert'));
    api.apply({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: {
        name: 'refs',
        namespace: 'refs',
        annotations: {
          'nginx.ingress.kubernetes.io/auth-tls-secret': 'client-ca',
          'nginx.ingress.kubernetes.io/proxy-ssl-secret': 'other/upstream-ca',
        },
      },
      spec: { tls: [{ hosts: ['r.example'], secretName: 'tls' }] },
    });
    api.apply({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: {
        name: 'slash',
        namespace: 'refs',
        annotations: { 'nginx.ingress.kubernetes.io/auth-tls-secret': '/slash-ca' },
      },
      spec: {},
    });
    const { source: s } = source({ defaultSslCertificate: { namespace: 'ingress', name: 'default-cert' } });
    await s.start();
    const secrets = names(s.snapshot().snapshot.secrets);
    assert.deepEqual(secrets, [
      'ingress/default-cert',
      'other/upstream-ca',
      'refs/client-ca',
      'refs/slash-ca',
      'refs/tls',
    ]);
    // Helm release Secrets are not even listed (ingress-nginx's field selector).
    const secretLists = api.requests.filter((r) => r.path === '/api/v1/secrets' && !r.watch);
    assert.equal(secretLists.at(-1)?.query.get('fieldSelector'), 'type!=helm.sh/release.v1');
  });

  it('hands out the same references for unchanged objects, and the same snapshot when nothing changed', async () => {
    api.apply(service('ident', 'one'));
    api.apply(service('ident', 'two'));
    const { source: s } = source({ watchNamespace: 'ident' });
    await s.start();
    const first = s.snapshot().snapshot;
    assert.equal(s.snapshot().snapshot, first);
    api.apply(service('ident', 'two', 81));
    const second = await eventually('the changed Service', () => {
      const next = s.snapshot().snapshot;
      return next.services !== first.services ? next : undefined;
    });
    assert.deepEqual(names(second.services), ['ident/one', 'ident/two']);
    assert.equal(second.services[0], first.services[0], 'unchanged Service keeps its reference');
    assert.notEqual(second.services[1], first.services[1]);
    assert.equal(second.ingresses, first.ingresses, 'unchanged buckets keep their arrays');
    assert.equal(second.secrets, first.secrets);
    assert.ok(Object.isFrozen(second.services[1]), 'objects are frozen: build() memoizes on them');
  });

  it('coalesces a burst of watch events into one tick', async () => {
    const { source: s, ticks } = source({ watchNamespace: 'burst', tickMs: 150 });
    await s.start();
    await sleep(50);
    const before = ticks();
    for (let i = 0; i < 20; i += 1) api.apply(service('burst', `svc-${i}`));
    await eventually('all 20 Services', () => s.snapshot().snapshot.services.length === 20);
    await sleep(250);
    assert.equal(ticks() - before, 1);
  });

  it('limits namespaced kinds to --watch-namespace but still reads the ConfigMap and default certificate', async () => {
    api.apply(service('watched', 'in'));
    api.apply(service('elsewhere', 'out'));
    api.apply(secret('system', 'fallback'));
    api.apply(secret('system', 'not-default'));
    api.apply({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'portcullis', namespace: 'system' },
      data: { 'ssl-protocols': 'TLSv1.3' },
    });
    api.apply({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'other', namespace: 'system' },
      data: {},
    });
    const { source: s } = source({
      watchNamespace: 'watched',
      configMap: { namespace: 'system', name: 'portcullis' },
      defaultSslCertificate: { namespace: 'system', name: 'fallback' },
    });
    await s.start();
    const { snapshot } = s.snapshot();
    assert.deepEqual(names(snapshot.services), ['watched/in']);
    assert.deepEqual(names(snapshot.configMaps), ['system/portcullis']);
    assert.deepEqual(names(snapshot.secrets), ['system/fallback']);
    assert.ok(snapshot.ingressClasses.length > 0, 'IngressClass is cluster-scoped and always watched');
  });

  it('keeps serving while the API fails, logs the resource, restarts with backoff and catches up', async () => {
    api.apply(service('outage', 'kept'));
    const { source: s, log } = source({ watchNamespace: 'outage' });
    await s.start();
    let failing = true;
    api.intercept = (request) => (failing && request.path.includes('/services') ? 500 : undefined);
    api.dropWatches();
    api.apply(service('outage', 'added-while-down'));
    await eventually(
      'restart log lines',
      () =>
        log.lines.filter((l) => l.msg === 'list/watch failed; restarting' && l.fields.resource === 'Service')
          .length >= 2,
    );
    const delays = log.lines
      .filter((l) => l.msg === 'list/watch failed; restarting' && l.fields.resource === 'Service')
      .map((l) => l.fields.retryInMs);
    assert.deepEqual(delays.slice(0, 2), [50, 100], 'the delay doubles');
    assert.match(String(log.lines.find((l) => l.fields.resource === 'Service')?.fields.error), /500/);
    assert.deepEqual(names(s.snapshot().snapshot.services), ['outage/kept'], 'the last objects keep serving');
    failing = false;
    api.intercept = undefined;
    await eventually('the Service added during the outage', () =>
      names(s.snapshot().snapshot.services).includes('outage/added-while-down'),
    );
  });

  it('relists after 410 Gone and reports objects deleted meanwhile', async () => {
    api.apply(service('gone', 'stays'));
    api.apply(service('gone', 'goes'));
    const { source: s } = source({ watchNamespace: 'gone' });
    await s.start();
    const before = s.snapshot().snapshot.services;
    api.intercept = (request) => (request.path.includes('/namespaces/gone/services') ? 503 : undefined);
    api.dropWatches();
    await sleep(30);
    api.remove('Service', 'gone', 'goes');
    api.expireHistory();
    api.intercept = undefined;
    await eventually('the deletion', () => names(s.snapshot().snapshot.services).join() === 'gone/stays');
    const lists = api.requests.filter((r) => r.path === '/api/v1/namespaces/gone/services' && !r.watch);
    // At start and again after 410 Gone; a restart that hit the 503 window may add one more.
    assert.ok(lists.length >= 2, `listed at start and again after 410 Gone (${lists.length} lists)`);
    assert.equal(s.snapshot().snapshot.services[0], before[1], 'a relist keeps unchanged references');
  });

  it('start() rejects when stopped before the informers synced', async () => {
    api.intercept = (request) => (request.path.includes('ingressclasses') ? 500 : undefined);
    const { source: s } = source();
    const started = s.start();
    await sleep(100);
    assert.equal(s.synced(), false);
    s.stop();
    await assert.rejects(started, /stopped before/);
    api.intercept = undefined;
  });
});
