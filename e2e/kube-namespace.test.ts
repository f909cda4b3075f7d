/**
 * --watch-namespace, as ingress-nginx's flag: only Ingresses (and the Services, EndpointSlices
 * and Secrets they use) in that namespace are read and served; the same host defined in another
 * namespace is not, at start or when it appears later. The lists and watches themselves are
 * namespace-scoped, which is what lets the controller run with a Role instead of a ClusterRole.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type EchoBackend, startEchoBackend } from './support/backend.ts';
import { type FakeApiServer, startFakeApiServer } from './support/fake-apiserver/index.ts';
import { applyAll, ingressObject, routeOf, serviceObjects, until } from './support/kube-objects.ts';
import { type KubePortcullis, startKubePortcullis } from './support/kube-portcullis.ts';

describe('kubernetes mode: --watch-namespace', { timeout: 50_000 }, () => {
  let api: FakeApiServer;
  let a: EchoBackend;
  let b: EchoBackend;
  let portcullis: KubePortcullis;
  const route = (host: string) => routeOf(portcullis.httpPort, host);

  before(async () => {
    api = await startFakeApiServer();
    a = await startEchoBackend('team-a');
    b = await startEchoBackend('team-b');
    applyAll(api, [
      ...serviceObjects('web', a.port, 'team-a'),
      ...serviceObjects('web', b.port, 'team-b'),
      ingressObject({ name: 'web', namespace: 'team-a', host: 'a.kube.test', paths: [{ service: 'web' }] }),
      ingressObject({ name: 'web', namespace: 'team-b', host: 'b.kube.test', paths: [{ service: 'web' }] }),
    ]);
    portcullis = await startKubePortcullis({
      kubeconfigPath: api.kubeconfigPath,
      flags: ['--watch-namespace=team-a'],
    });
  });

  after(async () => {
    const code = await portcullis?.stop();
    await Promise.all([a?.close(), b?.close()]);
    await api?.close();
    assert.equal(code, 0, 'portcullis exits 0 on SIGTERM');
  });

  it('serves the watched namespace only', async () => {
    assert.equal(await route('a.kube.test'), 'team-a');
    assert.equal(await route('b.kube.test'), '404', 'an Ingress in another namespace is not served');
  });

  it('reads namespaced kinds through namespace-scoped lists and watches', () => {
    const namespaced = ['/ingresses', '/services', '/endpointslices', '/secrets'];
    const reads = api.requests.filter(
      (r) => r.method === 'GET' && namespaced.some((p) => r.path.endsWith(p)),
    );
    assert.ok(reads.length >= namespaced.length * 2, 'each kind was listed and watched');
    const outside = reads.filter((r) => !r.path.includes('/namespaces/team-a/'));
    assert.deepEqual(outside, [], 'nothing read across all namespaces');
  });

  it('changes in other namespaces are ignored; changes in the watched one apply', async () => {
    api.apply(
      ingressObject({
        name: 'late',
        namespace: 'team-b',
        host: 'late-b.kube.test',
        paths: [{ service: 'web' }],
      }),
    );
    api.apply(
      ingressObject({
        name: 'late',
        namespace: 'team-a',
        host: 'late-a.kube.test',
        paths: [{ service: 'web' }],
      }),
    );
    await until(() => route('late-a.kube.test'), 'team-a', 2_000);
    assert.equal(await route('late-b.kube.test'), '404');
    // The same host claimed from the unwatched namespace does not take it over either.
    api.apply(
      ingressObject({ name: 'web', namespace: 'team-b', host: 'a.kube.test', paths: [{ service: 'web' }] }),
    );
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal(await route('a.kube.test'), 'team-a');
  });
});
