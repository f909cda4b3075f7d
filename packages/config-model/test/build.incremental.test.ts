/**
 * Incremental rebuilds: a builder reuses what did not change (whole Server objects) and still
 * produces exactly what a fresh build() produces, hash and diagnostics included.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { generateFakeCertificate } from '../src/certificates/index.ts';
import { issueCertificate } from '../src/certificates/issue.ts';
import {
  type Builder,
  type BuildOptions,
  type BuildResult,
  build,
  createBuilder,
  defaultOptions,
  type Snapshot,
} from '../src/index.ts';
import { endpointSlice, ingress, service } from './support/objects.ts';

const now = new Date('2026-06-01T00:00:00Z');
const count = 40;
let options: BuildOptions;
let pairs: { certPem: string; keyPem: string }[];

const host = (i: number) => `app-${i}.example.com`;

function secret(i: number, pair: { certPem: string; keyPem: string }, version = '1'): unknown {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: `tls-${i}`, namespace: 'default', uid: `uid-${i}`, resourceVersion: version },
    data: {
      'tls.crt': Buffer.from(pair.certPem).toString('base64'),
      'tls.key': Buffer.from(pair.keyPem).toString('base64'),
    },
  };
}

function app(i: number, path = '/', created = i): unknown {
  return ingress(`app-${i}`, {
    created: new Date(Date.UTC(2026, 0, 1) + created * 1000).toISOString(),
    rules: [{ host: host(i), paths: [{ path, service: `svc-${i}` }] }],
    tls: [{ hosts: [host(i)], secretName: `tls-${i}` }],
  });
}

function snapshot(): Snapshot & Record<'ingresses' | 'secrets' | 'services' | 'endpointSlices', unknown[]> {
  return {
    ingresses: pairs.map((_, i) => app(i)),
    ingressClasses: [],
    secrets: pairs.map((p, i) => secret(i, p)),
    services: pairs.map((_, i) => service(`svc-${i}`, [{ port: 80, targetPort: 8080 }])),
    endpointSlices: pairs.map((_, i) =>
      endpointSlice(`svc-${i}`, [{ ip: `10.0.0.${i + 1}` }], [{ port: 8080 }]),
    ),
    configMaps: [],
  };
}

/** Rebuilds with `builder` and checks the result against a fresh build of the same snapshot. */
function rebuild(builder: Builder, snap: Snapshot, opts = options): BuildResult {
  const result = builder.build(snap, opts);
  assert.deepEqual(result, build(snap, opts));
  return result;
}

/** Hosts whose Server object is not the one of the previous result. */
function remade(before: BuildResult, after: BuildResult): string[] {
  return Object.keys(after.table.servers).filter((h) => after.table.servers[h] !== before.table.servers[h]);
}

before(async () => {
  options = {
    ...defaultOptions,
    fakeCertificate: await generateFakeCertificate(now),
    now,
    watchIngressWithoutClass: true,
  };
  pairs = await Promise.all(
    Array.from({ length: count + 1 }, (_, i) =>
      issueCertificate({
        dnsNames: [host(i)],
        keyType: 'ECDSA-P-256',
        notBefore: new Date('2026-01-01T00:00:00Z'),
        notAfter: new Date('2026-07-01T00:00:00Z'),
      }),
    ),
  );
  pairs.pop(); // the spare one is issued but not served: rotation below uses pairs[i + 1]
});

describe('incremental build()', () => {
  it('after one Ingress changes, remakes only its server and equals a fresh build', () => {
    const builder = createBuilder();
    const snap = snapshot();
    const first = rebuild(builder, snap);
    snap.ingresses[7] = app(7, '/v2');
    const second = rebuild(builder, snap);
    assert.deepEqual(remade(first, second), [host(7)]);
    assert.notEqual(second.table.hash, first.table.hash);
    assert.equal(second.table.catchAll, first.table.catchAll);
    assert.equal(second.table.certificates, first.table.certificates);
  });

  it('after a Secret rotates, remakes the server that serves it and nothing else', () => {
    const builder = createBuilder();
    const snap = snapshot();
    const first = rebuild(builder, snap);
    snap.secrets[3] = secret(3, pairs[4] as { certPem: string; keyPem: string }, '2');
    const second = rebuild(builder, snap);
    // The Secret now holds app-4's certificate: host mismatch, served with the default certificate.
    assert.deepEqual(remade(first, second), [host(3)]);
    assert.equal(second.table.servers[host(3)]?.tls?.certificate, 'fake');
    assert.ok(second.diagnostics.some((d) => d.code === 'CertificateHostMismatch'));
    snap.secrets[3] = secret(3, pairs[3] as { certPem: string; keyPem: string }, '3');
    const third = rebuild(builder, snap);
    assert.deepEqual(third.table.servers, first.table.servers);
  });

  it('after a Service or its EndpointSlice changes, remakes the servers routing to it', () => {
    const builder = createBuilder();
    const snap = snapshot();
    const first = rebuild(builder, snap);
    snap.endpointSlices[5] = endpointSlice('svc-5', [{ ip: '10.9.9.9' }], [{ port: 8080 }]);
    const second = rebuild(builder, snap);
    assert.deepEqual(remade(first, second), [host(5)]);
    snap.services.splice(9, 1);
    const third = rebuild(builder, snap);
    assert.deepEqual(remade(second, third), [host(9)]);
    assert.ok(third.diagnostics.some((d) => d.code === 'ServiceNotFound'));
  });

  it('hands a shared host to the next-oldest Ingress when the oldest goes', () => {
    const builder = createBuilder();
    const snap = snapshot();
    // app-40 (newer) also routes host(2), on its own path and on "/" (a duplicate of app-2's).
    snap.ingresses.push(
      ingress('late', {
        created: '2026-02-01T00:00:00Z',
        rules: [
          {
            host: host(2),
            paths: [
              { path: '/', service: 'svc-2' },
              { path: '/late', service: 'svc-2' },
            ],
          },
        ],
      }),
    );
    const first = rebuild(builder, snap);
    assert.ok(first.diagnostics.some((d) => d.code === 'DuplicateRoute'));
    snap.ingresses.splice(2, 1);
    const second = rebuild(builder, snap);
    assert.deepEqual(remade(first, second), [host(2)]);
    assert.ok(!second.diagnostics.some((d) => d.code === 'DuplicateRoute'));
    assert.equal(second.table.servers[host(2)]?.routes[1]?.ingress.name, 'late');
  });

  it('judges certificate validity at each build’s clock, with servers reused', () => {
    const builder = createBuilder();
    const snap = snapshot();
    const first = rebuild(builder, snap);
    assert.ok(!first.diagnostics.some((d) => d.code === 'CertificateExpired'));
    const later = { ...options, now: new Date('2026-08-01T00:00:00Z') };
    const second = rebuild(builder, snap, later);
    assert.deepEqual(remade(first, second), []);
    const expired = second.diagnostics.filter((d) => d.code === 'CertificateExpired');
    assert.equal(expired.length, count);
    assert.equal(expired[0]?.message, `the certificate for ${host(0)} expired on 2026-07-01T00:00:00.000Z`);
    const third = rebuild(builder, snap);
    assert.deepEqual(third.diagnostics, first.diagnostics);
  });

  it('treats one Ingress object listed twice as two Ingresses, as a fresh build does', () => {
    const builder = createBuilder();
    const snap = snapshot();
    rebuild(builder, snap);
    snap.ingresses.push(snap.ingresses[0]);
    const second = rebuild(builder, snap);
    assert.ok(second.diagnostics.some((d) => d.code === 'DuplicateRoute'));
  });
});
