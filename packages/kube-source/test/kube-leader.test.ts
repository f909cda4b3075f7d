import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createLeaderElector, type LeaderElector } from '../src/index.ts';
import { type FakeApi, startFakeApi } from './kube-fake-api.ts';
import { eventually, recordingLog, sleep } from './kube-helpers.ts';

let api: FakeApi;
before(async () => {
  api = await startFakeApi();
});
after(() => api.close());

function elector(identity: string, name: string) {
  const events: string[] = [];
  const created: LeaderElector = createLeaderElector({
    kubeConfig: api.kubeConfig(),
    namespace: 'ingress',
    name,
    identity,
    leaseDurationSeconds: 1,
    renewDeadlineSeconds: 0.6,
    retryPeriodSeconds: 0.1,
    onStartedLeading: () => events.push('started'),
    onStoppedLeading: () => events.push('stopped'),
    log: recordingLog(),
  });
  return { elector: created, events };
}

const holder = (name: string) =>
  (api.get('Lease', 'ingress', name)?.spec as { holderIdentity?: string } | undefined)?.holderIdentity;

describe('createLeaderElector', () => {
  it('elects exactly one of two replicas and hands over when the leader stops', async () => {
    const a = elector('pod-a', 'election-1');
    const b = elector('pod-b', 'election-1');
    a.elector.start();
    b.elector.start();
    const first = await eventually('a leader', () =>
      a.elector.isLeader() ? a : b.elector.isLeader() ? b : undefined,
    );
    const second = first === a ? b : a;
    await sleep(1500); // longer than the lease: the leader keeps renewing, the other keeps waiting
    assert.equal(first.elector.isLeader(), true);
    assert.equal(second.elector.isLeader(), false);
    assert.deepEqual(first.events, ['started']);
    assert.deepEqual(second.events, []);
    assert.equal(holder('election-1'), first === a ? 'pod-a' : 'pod-b');

    await first.elector.stop();
    assert.deepEqual(first.events, ['started', 'stopped']);
    // A released Lease (empty holder) is taken without waiting for it to expire.
    await eventually('the other replica to lead', () => second.elector.isLeader(), 800);
    assert.deepEqual(second.events, ['started']);
    const spec = api.get('Lease', 'ingress', 'election-1')?.spec as Record<string, unknown>;
    assert.equal(spec.holderIdentity, first === a ? 'pod-b' : 'pod-a');
    assert.match(String(spec.renewTime), /\.\d{6}Z$/, 'MicroTime, as kube-apiserver parses it');
    await second.elector.stop();
  });

  it('takes over a Lease whose holder stopped renewing, after the lease duration', async () => {
    api.apply({
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'election-2', namespace: 'ingress' },
      spec: {
        holderIdentity: 'crashed-pod',
        leaseDurationSeconds: 1,
        renewTime: new Date().toISOString(),
        leaseTransitions: 3,
      },
    });
    const c = elector('pod-c', 'election-2');
    const startedAt = Date.now();
    c.elector.start();
    await eventually('pod-c to lead', () => c.elector.isLeader(), 3000);
    assert.ok(Date.now() - startedAt >= 1000, 'waited out the lease first');
    assert.equal(
      (api.get('Lease', 'ingress', 'election-2')?.spec as { leaseTransitions?: number } | undefined)
        ?.leaseTransitions,
      4,
    );
    await c.elector.stop();
  });

  it('stops leading when renewals fail past the renew deadline', async () => {
    const d = elector('pod-d', 'election-3');
    d.elector.start();
    await eventually('pod-d to lead', () => d.elector.isLeader());
    api.intercept = (r) => (r.path.includes('/leases/') ? 500 : undefined);
    await eventually('pod-d to step down', () => d.events.includes('stopped'), 2000);
    assert.equal(d.elector.isLeader(), false);
    api.intercept = undefined;
    await eventually('pod-d to lead again', () => d.elector.isLeader(), 3000);
    assert.deepEqual(d.events, ['started', 'stopped', 'started']);
    await d.elector.stop();
  });
});
