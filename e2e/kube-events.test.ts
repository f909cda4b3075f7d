/**
 * Diagnostics reach the operator where ingress-nginx puts them: core/v1 Events on the Ingress,
 * which `kubectl describe ingress` lists (it matches involvedObject kind, namespace, name and
 * uid). A bad value that ingress-nginx falls back on is a Warning with reason
 * InvalidAnnotationValue and the Ingress is still served; one it rejects the Ingress for is a
 * Warning with reason IngressRejected and that Ingress is not served (others are).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type EchoBackend, startEchoBackend } from './support/backend.ts';
import { type FakeApiServer, type KubeObject, startFakeApiServer } from './support/fake-apiserver/index.ts';
import { applyAll, ingressObject, routeOf, serviceObjects, until } from './support/kube-objects.ts';
import { type KubePortcullis, startKubePortcullis } from './support/kube-portcullis.ts';

interface EventShape {
  readonly reason?: string;
  readonly type?: string;
  readonly message?: string;
  readonly count?: number;
  readonly involvedObject?: {
    kind?: string;
    namespace?: string;
    name?: string;
    uid?: string;
    fieldPath?: string;
  };
}

/** The first Event in `default` about Ingress `name` with `reason`, if any. */
function eventFor(api: FakeApiServer, name: string, reason: string): (KubeObject & EventShape) | undefined {
  return api
    .list('Event', 'default')
    .map((e) => e as KubeObject & EventShape)
    .find(
      (e) => e.reason === reason && e.involvedObject?.kind === 'Ingress' && e.involvedObject.name === name,
    );
}

describe('kubernetes mode: diagnostics as Events', { timeout: 50_000 }, () => {
  let api: FakeApiServer;
  let backend: EchoBackend;
  let portcullis: KubePortcullis;
  const route = (host: string) => routeOf(portcullis.httpPort, host);

  before(async () => {
    api = await startFakeApiServer();
    backend = await startEchoBackend('web');
    applyAll(api, [
      ...serviceObjects('web', backend.port),
      ingressObject({
        name: 'fallback',
        host: 'fallback.kube.test',
        paths: [{ service: 'web' }],
        annotations: { 'nginx.ingress.kubernetes.io/ssl-redirect': 'maybe' },
      }),
    ]);
    portcullis = await startKubePortcullis({ kubeconfigPath: api.kubeconfigPath });
  });

  after(async () => {
    const code = await portcullis?.stop();
    await backend?.close();
    await api?.close();
    assert.equal(code, 0, 'portcullis exits 0 on SIGTERM');
  });

  it('an invalid value with a fallback: a Warning Event InvalidAnnotationValue, and still served', async () => {
    const event = await api.waitFor((a) => eventFor(a, 'fallback', 'InvalidAnnotationValue'), 5_000);
    assert.equal(event.type, 'Warning');
    assert.equal(event.involvedObject?.namespace, 'default');
    assert.equal(
      event.involvedObject?.uid,
      api.get('Ingress', 'default', 'fallback')?.metadata.uid,
      'the uid kubectl describe matches on',
    );
    assert.match(event.message ?? '', /ssl-redirect/, 'the message names the annotation');
    assert.match(event.message ?? '', /maybe/, 'and the value');
    assert.equal(await route('fallback.kube.test'), 'web');
  });

  it('a value that rejects the Ingress: a Warning Event IngressRejected, that Ingress 404, others served', async () => {
    api.apply(
      ingressObject({
        name: 'rejected',
        host: 'rejected.kube.test',
        paths: [{ service: 'web' }],
        annotations: { 'nginx.ingress.kubernetes.io/ssl-passthrough': 'sometimes' },
      }),
    );
    const event = await api.waitFor((a) => eventFor(a, 'rejected', 'IngressRejected'), 5_000);
    assert.equal(event.type, 'Warning');
    assert.match(event.message ?? '', /ssl-passthrough/);
    assert.equal(event.involvedObject?.uid, api.get('Ingress', 'default', 'rejected')?.metadata.uid);
    assert.equal(await route('rejected.kube.test'), '404', 'none of its rules are served');
    assert.equal(await route('fallback.kube.test'), 'web', 'one bad Ingress does not take others down');
  });

  it('fixing the annotation serves the Ingress; a standing problem is not re-created as a new Event', async () => {
    api.apply(ingressObject({ name: 'rejected', host: 'rejected.kube.test', paths: [{ service: 'web' }] }));
    await until(() => route('rejected.kube.test'), 'web', 2_000);
    // Rebuilds re-report the standing fallback warning; the recorder aggregates, as client-go does.
    const standing = api
      .list('Event', 'default')
      .filter((e) => (e as EventShape).involvedObject?.name === 'fallback');
    assert.equal(standing.length, 1, 'one Event for the one standing problem');
  });
});
