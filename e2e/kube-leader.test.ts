/**
 * Two replicas with the same --election-id, as a Deployment with replicas: 2 runs them: exactly
 * one is elected through the coordination.k8s.io Lease and only it writes Ingress
 * status.loadBalancer (ingress-nginx's status sync runs on the leader only, or replicas would
 * fight over the field); both serve traffic. When the leader is stopped it releases the Lease,
 * so the other takes over within a retry period (2 s, jittered) instead of a lease duration.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type EchoBackend, startEchoBackend } from './support/backend.ts';
import { type FakeApiServer, startFakeApiServer } from './support/fake-apiserver/index.ts';
import { applyAll, ingressObject, routeOf, serviceObjects, until } from './support/kube-objects.ts';
import { type KubePortcullis, startKubePortcullis } from './support/kube-portcullis.ts';

const ELECTION_ID = 'portcullis-e2e-leader';
const ADDRESS = '203.0.113.7';
const ELECTED = 'elected leader: writing Ingress status';
const STATUS_WRITTEN = 'updated Ingress status';

interface Replica {
  readonly pod: string;
  readonly process: KubePortcullis;
}

function statusIp(api: FakeApiServer, name: string): string | undefined {
  const status = api.get('Ingress', 'default', name)?.status as
    | { loadBalancer?: { ingress?: { ip?: string }[] } }
    | undefined;
  return status?.loadBalancer?.ingress?.[0]?.ip;
}

function holder(api: FakeApiServer): string | undefined {
  const spec = api.get('Lease', 'default', ELECTION_ID)?.spec as { holderIdentity?: string } | undefined;
  return spec?.holderIdentity;
}

describe('kubernetes mode: two replicas, one leader', { timeout: 55_000 }, () => {
  let api: FakeApiServer;
  let backend: EchoBackend;
  const replicas: Replica[] = [];

  const start = async (pod: string): Promise<Replica> => ({
    pod,
    process: await startKubePortcullis({
      kubeconfigPath: api.kubeconfigPath,
      flags: [`--election-id=${ELECTION_ID}`, `--publish-status-address=${ADDRESS}`],
      env: { POD_NAME: pod },
    }),
  });
  const elected = (replica: Replica) => replica.process.count(ELECTED) > 0;

  before(async () => {
    api = await startFakeApiServer();
    backend = await startEchoBackend('web');
    applyAll(api, serviceObjects('web', backend.port));
    api.apply(ingressObject({ name: 'shared', host: 'shared.kube.test', paths: [{ service: 'web' }] }));
    // allSettled, so `after` stops whichever started even if the other did not.
    const started = await Promise.allSettled([start('replica-a'), start('replica-b')]);
    for (const each of started) if (each.status === 'fulfilled') replicas.push(each.value);
    for (const each of started) if (each.status === 'rejected') throw each.reason;
  });

  after(async () => {
    const codes = await Promise.all(replicas.map((r) => r.process.stop()));
    await backend?.close();
    await api?.close();
    assert.deepEqual(codes, [0, 0], 'both replicas ran and exited 0 on SIGTERM');
  });

  it('elects exactly one leader, named in the Lease, and both replicas serve', async () => {
    await until(async () => String(replicas.some(elected)), 'true', 15_000);
    // Long enough for the other candidate to retry at least twice (retry period 2 s, x1.2 jitter).
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    const leaders = replicas.filter(elected);
    assert.equal(leaders.length, 1, `exactly one replica logs "${ELECTED}"`);
    const [leader] = leaders;
    assert.ok(leader);
    const line = await leader.process.waitForLog((l) => l.msg === ELECTED);
    assert.equal(holder(api), line.identity, 'the Lease names the replica that says it leads');
    assert.match(String(line.identity), new RegExp(`^${leader.pod}_`), 'the identity starts with POD_NAME');
    for (const replica of replicas) {
      assert.equal(
        await routeOf(replica.process.httpPort, 'shared.kube.test'),
        'web',
        `${replica.pod} serves`,
      );
    }
  });

  it('the leader, and only the leader, writes status.loadBalancer from --publish-status-address', async () => {
    await api.waitFor((a) => statusIp(a, 'shared') === ADDRESS, 10_000);
    api.apply(ingressObject({ name: 'later', host: 'later.kube.test', paths: [{ service: 'web' }] }));
    await api.waitFor((a) => statusIp(a, 'later') === ADDRESS, 5_000);
    const [leader] = replicas.filter(elected);
    assert.ok(leader);
    await leader.process.waitForLog((l) => l.msg === STATUS_WRITTEN && l.ingress === 'default/later', 2_000);
    const writers = replicas.filter((r) => r.process.count(STATUS_WRITTEN) > 0);
    assert.deepEqual(
      writers.map((r) => r.pod),
      replicas.filter(elected).map((r) => r.pod),
      'status writes come from the leader only',
    );
  });

  it('when the leader stops (SIGTERM), the other replica takes over within a few seconds', async () => {
    const leader = replicas.find(elected);
    const follower = replicas.find((r) => !elected(r));
    assert.ok(leader && follower);
    const stoppedAt = Date.now();
    assert.equal(await leader.process.stop(), 0);
    const line = await follower.process.waitForLog((l) => l.msg === ELECTED, 8_000);
    const took = Date.now() - stoppedAt;
    assert.ok(took < 5_000, `took over after ${took} ms`);
    assert.equal(holder(api), line.identity, 'the Lease now names the new leader');
    // The new leader writes status for what appears from now on.
    api.apply(ingressObject({ name: 'newest', host: 'newest.kube.test', paths: [{ service: 'web' }] }));
    await api.waitFor((a) => statusIp(a, 'newest') === ADDRESS, 5_000);
    // The store changes before the writer sees the response, so wait for its log line.
    await follower.process.waitForLog(
      (l) => l.msg === STATUS_WRITTEN && l.ingress === 'default/newest',
      2_000,
    );
  });
});
