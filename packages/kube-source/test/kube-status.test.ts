import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { createStatusWriter, type StatusWriter } from '../src/index.ts';
import { type FakeApi, startFakeApi } from './kube-fake-api.ts';
import { recordingLog } from './kube-helpers.ts';

let api: FakeApi;
let writer: StatusWriter;
before(async () => {
  api = await startFakeApi();
  writer = createStatusWriter({ kubeConfig: api.kubeConfig(), log: recordingLog() });
});
after(() => api.close());
beforeEach(() => {
  api.intercept = undefined;
  api.requests.length = 0;
});

const ingress = (name: string, status?: unknown) =>
  api.apply({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name, namespace: 'st' },
    spec: { rules: [{ host: `${name}.example` }] },
    ...(status === undefined ? {} : { status }),
  });
const statusOf = (name: string) => api.get('Ingress', 'st', name)?.status;
const writes = () => api.requests.filter((r) => r.method === 'PUT');

describe('createStatusWriter', () => {
  it('writes status.loadBalancer.ingress through /status, sorted as ingress-nginx sorts', async () => {
    ingress('one');
    const result = await writer.update(
      [{ namespace: 'st', name: 'one' }],
      [{ ip: '192.0.2.9' }, { hostname: 'lb.example' }, { ip: '192.0.2.1' }],
    );
    assert.deepEqual(result, { updated: 1, unchanged: 0, failed: 0 });
    assert.deepEqual(statusOf('one'), {
      loadBalancer: { ingress: [{ ip: '192.0.2.1' }, { ip: '192.0.2.9' }, { hostname: 'lb.example' }] },
    });
    assert.deepEqual(
      writes().map((r) => r.path),
      ['/apis/networking.k8s.io/v1/namespaces/st/ingresses/one/status'],
    );
  });

  it('skips Ingresses that already show the addresses, in any order', async () => {
    ingress('same', { loadBalancer: { ingress: [{ hostname: 'lb.example' }, { ip: '192.0.2.1' }] } });
    const result = await writer.update(
      [{ namespace: 'st', name: 'same' }],
      [{ ip: '192.0.2.1' }, { hostname: 'lb.example' }],
    );
    assert.deepEqual(result, { updated: 0, unchanged: 1, failed: 0 });
    assert.equal(writes().length, 0);
  });

  it('re-reads and re-applies on 409 Conflict', async () => {
    ingress('busy');
    let conflicts = 0;
    api.intercept = (r) => {
      if (r.method === 'PUT' && conflicts < 2) {
        conflicts += 1;
        return 409;
      }
      return undefined;
    };
    const result = await writer.update([{ namespace: 'st', name: 'busy' }], [{ ip: '192.0.2.7' }]);
    assert.deepEqual(result, { updated: 1, unchanged: 0, failed: 0 });
    assert.equal(api.requests.filter((r) => r.method === 'GET').length, 3, 'one read per attempt');
    assert.deepEqual(statusOf('busy'), { loadBalancer: { ingress: [{ ip: '192.0.2.7' }] } });
  });

  it('gives up after three conflicts and reports the failure without throwing', async () => {
    ingress('stuck');
    api.intercept = (r) => (r.method === 'PUT' ? 409 : undefined);
    const result = await writer.update(
      [
        { namespace: 'st', name: 'stuck' },
        { namespace: 'st', name: 'missing' },
      ],
      [{ ip: '192.0.2.7' }],
    );
    assert.deepEqual(result, { updated: 0, unchanged: 1, failed: 1 });
    assert.equal(writes().length, 3);
  });

  it('resolves publish addresses as ingress-nginx does', async () => {
    const svc = (name: string, spec: object, status?: object) =>
      api.apply({
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name, namespace: 'ingress' },
        spec,
        ...(status ? { status } : {}),
      });
    svc(
      'lb',
      { type: 'LoadBalancer', clusterIP: '10.0.0.1', externalIPs: ['198.51.100.2'] },
      { loadBalancer: { ingress: [{ ip: '203.0.113.5' }, { hostname: 'elb.example' }] } },
    );
    svc('np', { type: 'NodePort', clusterIP: '10.0.0.2' });
    svc('ext', { type: 'ExternalName', externalName: 'proxy.example' });
    const from = (name: string) =>
      writer.publishAddresses({ publishService: { namespace: 'ingress', name } });
    assert.deepEqual(await from('lb'), [
      { ip: '198.51.100.2' },
      { ip: '203.0.113.5' },
      { hostname: 'elb.example' },
    ]);
    assert.deepEqual(await from('np'), [{ ip: '10.0.0.2' }]);
    assert.deepEqual(await from('ext'), [{ hostname: 'proxy.example' }]);
    assert.equal(await from('absent'), null, 'unknown now: callers keep the current status');
    const fixed = await writer.publishAddresses({
      publishService: { namespace: 'ingress', name: 'lb' },
      publishStatusAddress: ['192.0.2.3', ' edge.example'],
    });
    assert.deepEqual(
      fixed,
      [{ ip: '192.0.2.3' }, { hostname: 'edge.example' }],
      '--publish-status-address wins',
    );
  });
});
