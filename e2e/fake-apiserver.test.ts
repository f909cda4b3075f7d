/**
 * The fake API server driven by the real @kubernetes/client-node 2.x over HTTPS with the
 * kubeconfig it writes: discovery, informer list+watch (ADDED/MODIFIED/DELETED, resume after a
 * dropped stream, relist after 410), Lease optimistic concurrency, the Ingress /status
 * subresource, and the wire details a Node client does not exercise (bookmarks, timeoutSeconds,
 * auth, outages) with raw HTTPS.
 */
import assert from 'node:assert/strict';
import { request } from 'node:https';
import { after, before, describe, it } from 'node:test';
import {
  ApiException,
  ApisApi,
  CoordinationV1Api,
  CoreV1Api,
  KubeConfig,
  makeInformer,
  NetworkingV1Api,
  PatchStrategy,
  setHeaderOptions,
  type V1Ingress,
  type V1Lease,
  VersionApi,
} from '@kubernetes/client-node';
import { type FakeApiServer, startFakeApiServer } from './support/fake-apiserver/index.ts';

function ingress(name: string, host: string, namespace = 'default'): V1Ingress {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name, namespace },
    spec: {
      ingressClassName: 'nginx',
      rules: [
        {
          host,
          http: {
            paths: [
              { path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } },
            ],
          },
        },
      ],
    },
  };
}

function kubeConfig(api: FakeApiServer): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(api.kubeconfigPath);
  return kc;
}

async function until(check: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** The Status body of a failed call: client-node leaves it as the raw response text. */
function statusOf(error: unknown): { code: number; reason: string } {
  assert.ok(error instanceof ApiException, `expected ApiException, got ${String(error)}`);
  const body = JSON.parse(String(error.body)) as { code: number; reason: string };
  assert.equal(body.code, error.code);
  return body;
}

/** GET over raw HTTPS with the fake's CA; resolves with status and the body read until `stopWhen`. */
function rawGet(
  api: FakeApiServer,
  path: string,
  stopWhen?: (body: string) => boolean,
  token = api.token,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    // agent: false, so no pooled keep-alive socket outlives a setDown().
    const req = request(
      `${api.url}${path}`,
      { ca: api.caPem, agent: false, headers: { authorization: `Bearer ${token}` }, timeout: 5000 },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
          if (stopWhen?.(body)) {
            req.destroy();
            resolve({ status: res.statusCode ?? 0, body });
          }
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`GET ${path} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

describe('fake apiserver: discovery', { timeout: 20_000 }, () => {
  let api: FakeApiServer;
  before(async () => {
    api = await startFakeApiServer();
  });
  after(() => api.close());

  it('serves /version, /apis and each group version resource list to client-node', async () => {
    const kc = kubeConfig(api);
    const version = await kc.makeApiClient(VersionApi).getCode();
    assert.equal(version.major, '1');
    const groups = await kc.makeApiClient(ApisApi).getAPIVersions();
    assert.deepEqual(groups.groups.map((g) => g.name).sort(), [
      'coordination.k8s.io',
      'discovery.k8s.io',
      'networking.k8s.io',
    ]);
    const core = await kc.makeApiClient(CoreV1Api).getAPIResources();
    assert.deepEqual(core.resources.map((r) => r.name).sort(), [
      'configmaps',
      'events',
      'secrets',
      'services',
      'services/status',
    ]);
    const networking = await kc.makeApiClient(NetworkingV1Api).getAPIResources();
    const ingresses = networking.resources.find((r) => r.name === 'ingresses');
    assert.equal(ingresses?.namespaced, true);
    assert.ok(ingresses?.verbs.includes('watch'));
    assert.ok(networking.resources.some((r) => r.name === 'ingresses/status'));
    assert.equal(networking.resources.find((r) => r.name === 'ingressclasses')?.namespaced, false);
    const legacy = await rawGet(api, '/api');
    assert.deepEqual((JSON.parse(legacy.body) as { versions: string[] }).versions, ['v1']);
  });

  it('rejects a request without the bearer token with a 401 Status', async () => {
    const res = await rawGet(api, '/api/v1/secrets', undefined, 'wrong');
    assert.equal(res.status, 401);
    assert.equal((JSON.parse(res.body) as { reason: string }).reason, 'Unauthorized');
  });
});

describe('fake apiserver: informer on ingresses', { timeout: 30_000 }, () => {
  let api: FakeApiServer;
  let informer: ReturnType<typeof makeInformer<V1Ingress>>;
  const seen: string[] = [];
  const errors: unknown[] = [];
  const watchRequests = () =>
    api.requests.filter((r) => r.watch && r.path === '/apis/networking.k8s.io/v1/ingresses');
  const lists = () =>
    api.requests.filter((r) => !r.watch && r.path === '/apis/networking.k8s.io/v1/ingresses');

  before(async () => {
    api = await startFakeApiServer();
    api.apply(ingress('a', 'a.example'));
    const networking = kubeConfig(api).makeApiClient(NetworkingV1Api);
    informer = makeInformer(kubeConfig(api), '/apis/networking.k8s.io/v1/ingresses', () =>
      networking.listIngressForAllNamespaces(),
    );
    for (const verb of ['add', 'update', 'delete'] as const) {
      informer.on(verb, (o) => seen.push(`${verb} ${o.metadata?.name} ${o.spec?.rules?.[0]?.host ?? ''}`));
    }
    informer.on('error', (err) => errors.push(err));
    await informer.start();
    await api.waitFor((a) => a.openWatches('Ingress') === 1);
  });
  after(async () => {
    await informer.stop();
    await api.close();
  });

  it('lists first, then watches from the list resourceVersion', () => {
    assert.deepEqual(seen, ['add a a.example']);
    assert.equal(lists().length, 1);
    assert.equal(watchRequests()[0]?.query.resourceVersion, api.resourceVersion);
    assert.equal(informer.list().length, 1);
  });

  it('delivers ADDED, MODIFIED and DELETED as add, update and delete', async () => {
    seen.length = 0;
    api.apply(ingress('b', 'b.example'));
    api.apply(ingress('b', 'b2.example'));
    api.remove('Ingress', 'default', 'b');
    await until(() => seen.length === 3, 'three events');
    assert.deepEqual(seen, ['add b b.example', 'update b b2.example', 'delete b b2.example']);
  });

  it('resumes a cleanly ended watch from the last resourceVersion and replays what it missed', async () => {
    seen.length = 0;
    const before = watchRequests().length;
    const lastSeen = api.resourceVersion;
    assert.equal(api.dropWatches('end'), 1);
    api.apply(ingress('c', 'c.example')); // written while no watch is open
    await until(() => seen.length === 1, 'the missed ADDED replayed');
    assert.deepEqual(seen, ['add c c.example']);
    assert.equal(watchRequests().length, before + 1);
    assert.equal(watchRequests().at(-1)?.query.resourceVersion, lastSeen);
    assert.equal(lists().length, 1, 'no relist on resume');
  });

  it('relists after a 410 Expired and reconciles what changed in between', async () => {
    seen.length = 0;
    const listsBefore = lists().length;
    api.dropWatches('end');
    api.remove('Ingress', 'default', 'c');
    api.apply(ingress('d', 'd.example'));
    api.expireHistory(); // compacted: resuming from the old resourceVersion must fail
    await until(
      () => lists().length === listsBefore + 1 && api.openWatches('Ingress') === 1,
      'relist and new watch',
    );
    await until(() => seen.length === 2, 'reconciled events');
    assert.deepEqual(seen.sort(), ['add d d.example', 'delete c c.example']);
    assert.deepEqual(
      informer
        .list()
        .map((o) => o.metadata?.name)
        .sort(),
      ['a', 'd'],
    );
    assert.equal(watchRequests().at(-1)?.query.resourceVersion, api.resourceVersion);
    assert.deepEqual(errors, [], '410 is handled by relisting, not reported as an error');
  });

  it('reports a reset watch connection as an error and stops until start() is called again', async () => {
    seen.length = 0;
    const watchesBefore = watchRequests().length;
    assert.equal(api.dropWatches('destroy'), 1);
    await until(() => errors.length === 1, 'the error callback');
    api.apply(ingress('e', 'e.example'));
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(watchRequests().length, watchesBefore, 'client-node does not reconnect after an error');
    assert.deepEqual(seen, []);
    await informer.start();
    await until(() => seen.length === 1, 'the event replayed after restart');
    assert.deepEqual(seen, ['add e e.example']);
  });
});

describe('fake apiserver: writes', { timeout: 20_000 }, () => {
  let api: FakeApiServer;
  let coordination: CoordinationV1Api;
  let networking: NetworkingV1Api;
  before(async () => {
    api = await startFakeApiServer();
    coordination = kubeConfig(api).makeApiClient(CoordinationV1Api);
    networking = kubeConfig(api).makeApiClient(NetworkingV1Api);
  });
  after(() => api.close());

  it('creates a Lease once, then 409 AlreadyExists; replace with a stale resourceVersion is 409 Conflict', async () => {
    const lease: V1Lease = {
      metadata: { name: 'portcullis-leader', namespace: 'ingress' },
      spec: { holderIdentity: 'pod-a', leaseDurationSeconds: 15 },
    };
    const created = await coordination.createNamespacedLease({ namespace: 'ingress', body: lease });
    assert.ok(created.metadata?.uid);
    assert.equal(created.metadata?.generation, 1);
    await assert.rejects(coordination.createNamespacedLease({ namespace: 'ingress', body: lease }), (e) => {
      assert.deepEqual(statusOf(e), { ...statusOf(e), code: 409, reason: 'AlreadyExists' });
      return true;
    });
    const current = await coordination.readNamespacedLease({
      name: 'portcullis-leader',
      namespace: 'ingress',
    });
    const renewed = await coordination.replaceNamespacedLease({
      name: 'portcullis-leader',
      namespace: 'ingress',
      body: { ...current, spec: { ...current.spec, holderIdentity: 'pod-b' } },
    });
    assert.equal(renewed.spec?.holderIdentity, 'pod-b');
    assert.ok(Number(renewed.metadata?.resourceVersion) > Number(current.metadata?.resourceVersion));
    await assert.rejects(
      coordination.replaceNamespacedLease({
        name: 'portcullis-leader',
        namespace: 'ingress',
        body: { ...current, spec: { holderIdentity: 'pod-c' } },
      }),
      (e) => statusOf(e).code === 409 && statusOf(e).reason === 'Conflict',
    );
    assert.equal(
      (api.get('Lease', 'ingress', 'portcullis-leader')?.spec as { holderIdentity?: string } | undefined)
        ?.holderIdentity,
      'pod-b',
    );
  });

  it('PUT /status changes only status; PUT on the main resource keeps status', async () => {
    api.apply(ingress('web', 'web.example'));
    const current = await networking.readNamespacedIngress({ name: 'web', namespace: 'default' });
    const updated = await networking.replaceNamespacedIngressStatus({
      name: 'web',
      namespace: 'default',
      body: {
        ...current,
        spec: { ingressClassName: 'other' },
        status: { loadBalancer: { ingress: [{ ip: '192.0.2.10' }] } },
      },
    });
    assert.deepEqual(
      updated.status?.loadBalancer?.ingress?.map((i) => i.ip),
      ['192.0.2.10'],
    );
    assert.equal(updated.spec?.ingressClassName, 'nginx', 'spec is not writable through /status');
    assert.equal(updated.metadata?.generation, 1, 'a status write does not bump generation');
    const respec = await networking.replaceNamespacedIngress({
      name: 'web',
      namespace: 'default',
      body: { ...updated, spec: { ...updated.spec, ingressClassName: 'portcullis' }, status: {} },
    });
    assert.equal(respec.metadata?.generation, 2);
    assert.deepEqual(
      respec.status?.loadBalancer?.ingress?.map((i) => i.ip),
      ['192.0.2.10'],
      'status is not writable through the main resource',
    );
  });

  it('PATCH /status as client-node sends it by default (JSON Patch) and as a merge patch; no-op writes keep the resourceVersion', async () => {
    const jsonPatched = await networking.patchNamespacedIngressStatus({
      name: 'web',
      namespace: 'default',
      body: [{ op: 'replace', path: '/status/loadBalancer/ingress', value: [{ ip: '192.0.2.20' }] }],
    });
    assert.deepEqual(
      jsonPatched.status?.loadBalancer?.ingress?.map((i) => i.ip),
      ['192.0.2.20'],
    );
    const mergePatch = { status: { loadBalancer: { ingress: [{ hostname: 'lb.example' }] } } };
    const merged = await networking.patchNamespacedIngressStatus(
      { name: 'web', namespace: 'default', body: mergePatch },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    assert.deepEqual(
      merged.status?.loadBalancer?.ingress?.map((i) => i.hostname),
      ['lb.example'],
    );
    const again = await networking.patchNamespacedIngressStatus(
      { name: 'web', namespace: 'default', body: mergePatch },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    assert.equal(again.metadata?.resourceVersion, merged.metadata?.resourceVersion);
    assert.deepEqual(
      api.requests.filter((r) => r.method === 'PATCH').map((r) => r.contentType),
      ['application/json-patch+json', 'application/merge-patch+json', 'application/merge-patch+json'],
    );
  });

  it('serves cluster-scoped IngressClasses without a namespace', async () => {
    api.apply({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'IngressClass',
      metadata: { name: 'nginx' },
      spec: { controller: 'k8s.io/ingress-nginx' },
    });
    const classes = await networking.listIngressClass();
    assert.deepEqual(
      classes.items.map((c) => [c.metadata?.name, c.metadata?.namespace, c.spec?.controller]),
      [['nginx', undefined, 'k8s.io/ingress-nginx']],
    );
    const namespaced = await rawGet(api, '/apis/networking.k8s.io/v1/namespaces/default/ingressclasses');
    assert.equal(namespaced.status, 404);
  });

  it('creates and patches core v1 Events, and lists with a field selector', async () => {
    const core = kubeConfig(api).makeApiClient(CoreV1Api);
    const event = await core.createNamespacedEvent({
      namespace: 'default',
      body: {
        metadata: { generateName: 'web.' },
        involvedObject: { kind: 'Ingress', name: 'web', namespace: 'default' },
        reason: 'Sync',
        message: 'Scheduled for sync',
        type: 'Normal',
        count: 1,
      },
    });
    const name = event.metadata?.name ?? '';
    assert.match(name, /^web\.[a-z0-9]{5}$/);
    const bumped = await core.patchNamespacedEvent(
      { name, namespace: 'default', body: { count: 2 } },
      setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
    );
    assert.equal(bumped.count, 2);
    const list = await core.listEventForAllNamespaces({ fieldSelector: `metadata.name=${name}` });
    assert.deepEqual(
      list.items.map((e) => e.metadata?.name),
      [name],
    );
    assert.equal(
      (await core.listEventForAllNamespaces({ fieldSelector: 'metadata.name=nope' })).items.length,
      0,
    );
  });
});

describe('fake apiserver: watch wire details and outages', { timeout: 20_000 }, () => {
  let api: FakeApiServer;
  before(async () => {
    api = await startFakeApiServer({ bookmarkIntervalMs: 50 });
    api.apply({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 's1', namespace: 'ns1', labels: { app: 'x' } },
      type: 'Opaque',
    });
    api.apply({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 's2', namespace: 'ns2' },
      type: 'Opaque',
    });
  });
  after(() => api.close());

  it('LIST items carry no kind/apiVersion, the list carries the global resourceVersion', async () => {
    const res = await rawGet(api, '/api/v1/namespaces/ns1/secrets');
    const list = JSON.parse(res.body) as {
      kind: string;
      metadata: { resourceVersion: string };
      items: Record<string, unknown>[];
    };
    assert.equal(list.kind, 'SecretList');
    assert.equal(list.metadata.resourceVersion, api.resourceVersion);
    assert.deepEqual(
      list.items.map((i) => Object.keys(i).sort()),
      [['metadata', 'type']],
    );
  });

  it('a watch from "0" starts with ADDED for matching objects, sends bookmarks, and ends at timeoutSeconds', async () => {
    const started = Date.now();
    const res = await rawGet(
      api,
      '/api/v1/secrets?watch=1&resourceVersion=0&labelSelector=app%3Dx&allowWatchBookmarks=true&timeoutSeconds=1',
    );
    assert.ok(Date.now() - started >= 900, 'the server ended the stream after about a second');
    const events = res.body
      .trim()
      .split('\n')
      .map(
        (line) =>
          JSON.parse(line) as {
            type: string;
            object: { metadata: { name?: string; resourceVersion: string } };
          },
      );
    assert.equal(events[0]?.type, 'ADDED');
    assert.equal(events[0]?.object.metadata.name, 's1');
    assert.ok(
      events.slice(1).length > 0 &&
        events
          .slice(1)
          .every((e) => e.type === 'BOOKMARK' && e.object.metadata.resourceVersion === api.resourceVersion),
    );
  });

  it('a resume from a compacted resourceVersion gets one ERROR event with a 410 Expired Status, then the stream ends', async () => {
    const old = api.resourceVersion;
    api.expireHistory();
    const res = await rawGet(api, `/api/v1/secrets?watch=true&resourceVersion=${old}`);
    assert.equal(res.status, 200);
    const lines = res.body.trim().split('\n');
    assert.equal(lines.length, 1);
    const event = JSON.parse(lines[0] ?? '') as {
      type: string;
      object: { kind: string; code: number; reason: string };
    };
    assert.deepEqual(
      [event.type, event.object.kind, event.object.code, event.object.reason],
      ['ERROR', 'Status', 410, 'Expired'],
    );
  });

  it('setDown refuses connections (or answers 503), and setDown(false) serves again on the same port', async () => {
    await api.setDown(true);
    await assert.rejects(rawGet(api, '/version'), /ECONNREFUSED/);
    await api.setDown(false);
    assert.equal((await rawGet(api, '/version')).status, 200);
    await api.setDown(true, '503');
    const down = await rawGet(api, '/api/v1/secrets');
    assert.equal(down.status, 503);
    assert.equal((JSON.parse(down.body) as { reason: string }).reason, 'ServiceUnavailable');
    await api.setDown(false);
    assert.equal((await rawGet(api, '/api/v1/secrets')).status, 200);
  });
});
