import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { type Diagnostic, diagnostic, objectRef } from '@portcullis/config-model';
import { createEventRecorder, type EventRecorderOptions } from '../src/index.ts';
import { type FakeApi, startFakeApi } from './kube-fake-api.ts';
import { recordingLog } from './kube-helpers.ts';

let api: FakeApi;
before(async () => {
  api = await startFakeApi();
});
after(() => api.close());
beforeEach(() => {
  for (const event of api.list('Event'))
    api.remove('Event', String(event.metadata.namespace), event.metadata.name);
  api.requests.length = 0;
  api.intercept = undefined;
});

const recorder = (options: Partial<EventRecorderOptions> = {}) =>
  createEventRecorder({ kubeConfig: api.kubeConfig(), log: recordingLog(), instance: 'pod-1', ...options });

const missing = (name: string, message = 'Secret web/tls not found'): Diagnostic =>
  diagnostic('SecretNotFound', objectRef('Ingress', 'web', name, 'spec.tls[0].secretName'), message);

describe('createEventRecorder', () => {
  it('creates a Warning Event on the object, with reason = code and the object uid', async () => {
    const events = recorder({
      uidOf: (kind, ns, name) => (kind === 'Ingress' ? `uid-${ns}-${name}` : undefined),
    });
    events.record([
      missing('shop'),
      diagnostic(
        'UnknownConfigMapKey',
        objectRef('ConfigMap', 'ingress', 'portcullis', 'foo'),
        'unknown key foo',
      ),
      diagnostic('IngressClassNotFound', objectRef('IngressClass', '', 'nginx'), 'no such class'),
    ]);
    await events.flush();
    const stored = api.list('Event');
    assert.equal(stored.length, 3);
    const shop = stored.find((e) => (e.involvedObject as { name: string }).name === 'shop');
    assert.ok(shop);
    assert.equal(shop.metadata.namespace, 'web');
    assert.equal(shop.type, 'Warning');
    assert.equal(shop.reason, 'SecretNotFound');
    assert.equal(shop.count, 1);
    assert.deepEqual(shop.involvedObject, {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      name: 'shop',
      namespace: 'web',
      uid: 'uid-web-shop',
      fieldPath: 'spec.tls[0].secretName',
    });
    assert.deepEqual(shop.source, { component: 'portcullis', host: 'pod-1' });
    const info = stored.find((e) => e.reason === 'UnknownConfigMapKey');
    assert.equal(info?.type, 'Normal');
    const cluster = stored.find((e) => e.reason === 'IngressClassNotFound');
    assert.equal(cluster?.metadata.namespace, 'default', 'cluster-scoped objects report into default');
  });

  it('bumps the count of a repeated Event with a merge patch instead of creating another', async () => {
    const events = recorder({ repeatIntervalMs: 0 });
    events.record([missing('cart')]);
    events.record([missing('cart')]);
    events.record([missing('cart')]);
    events.record([missing('cart', 'a different message')]);
    await events.flush();
    const stored = api.list('Event');
    assert.equal(stored.length, 2);
    assert.deepEqual(stored.map((e) => e.count).sort(), [1, 3]);
    assert.equal(api.requests.filter((r) => r.method === 'PATCH').length, 2);
    assert.equal(api.requests.filter((r) => r.method === 'POST').length, 2);
  });

  it('writes a repeat at most once per repeat interval, carrying the repeats in between', async () => {
    const events = recorder({ repeatIntervalMs: 60_000 });
    for (let i = 0; i < 5; i += 1) events.record([missing('quiet')]);
    await events.flush();
    assert.equal(api.requests.length, 1, 'one create, no patches within the interval');
    assert.equal(api.list('Event')[0]?.count, 1);
  });

  it('recreates an Event that expired on the server', async () => {
    const events = recorder({ repeatIntervalMs: 0 });
    events.record([missing('old')]);
    await events.flush();
    const first = api.list('Event')[0];
    assert.ok(first);
    api.remove('Event', 'web', first.metadata.name);
    events.record([missing('old')]);
    await events.flush();
    const again = api.list('Event');
    assert.equal(again.length, 1);
    assert.equal(again[0]?.count, 2);
  });

  it('rate-limits with a token bucket and never throws or blocks on API errors', async () => {
    const events = recorder({ ratePerSecond: 1, burst: 5 });
    const many = Array.from({ length: 40 }, (_, i) => missing(`ing-${i}`));
    const started = performance.now();
    events.record(many);
    assert.ok(performance.now() - started < 50, 'record() returns at once');
    await events.flush();
    assert.equal(api.list('Event').length, 5, 'the burst, then nothing until tokens refill');

    api.intercept = () => 500;
    const log = recordingLog();
    const failing = createEventRecorder({ kubeConfig: api.kubeConfig(), log });
    assert.doesNotThrow(() => failing.record([missing('down')]));
    await failing.flush();
    assert.ok(log.lines.some((l) => l.level === 'warn' && /500/.test(String(l.fields.error))));
  });
});
