/** build() properties the golden files do not show: determinism, freezing, memoization, lookups. */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { generateFakeCertificate } from '../src/certificates/index.ts';
import { issueCertificate } from '../src/certificates/issue.ts';
import {
  type BuildOptions,
  build,
  createBuilder,
  defaultOptions,
  lookupCertificate,
  lookupPassthrough,
  lookupServer,
  type Snapshot,
  snapshotFromObjects,
} from '../src/index.ts';
import { endpointSlice, ingress, service } from './support/objects.ts';

const now = new Date('2026-06-01T00:00:00Z');
let options: BuildOptions;
let objects: unknown[];

function tlsSecret(name: string, pair: { certPem: string; keyPem: string }, resourceVersion = '1'): unknown {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace: 'default', uid: `uid-${name}`, resourceVersion },
    data: {
      'tls.crt': Buffer.from(pair.certPem).toString('base64'),
      'tls.key': Buffer.from(pair.keyPem).toString('base64'),
    },
  };
}

before(async () => {
  options = {
    ...defaultOptions,
    fakeCertificate: await generateFakeCertificate(now),
    now,
    watchIngressWithoutClass: true,
    enableSslPassthrough: true,
  };
  const validity = {
    notBefore: new Date('2026-01-01'),
    notAfter: new Date('2027-01-01'),
    keyType: 'ECDSA-P-256' as const,
  };
  const a = await issueCertificate({ dnsNames: ['a.example.com'], ...validity });
  const wild = await issueCertificate({ dnsNames: ['*.example.org'], ...validity });
  objects = [
    ingress('a', {
      created: '2026-01-02T00:00:00Z',
      tls: [{ hosts: ['a.example.com'], secretName: 'a-tls' }],
      rules: [{ host: 'a.example.com', paths: [{ path: '/' }] }],
    }),
    ingress('wild', {
      created: '2026-01-01T00:00:00Z',
      tls: [{ hosts: ['*.example.org'], secretName: 'wild-tls' }],
      rules: [{ host: '*.example.org', paths: [{ path: '/' }] }],
    }),
    ingress('pt', {
      annotations: { 'nginx.ingress.kubernetes.io/ssl-passthrough': 'true' },
      rules: [{ host: '*.pass.example.net', paths: [{ path: '/', service: 'vault', port: 8200 }] }],
    }),
    tlsSecret('a-tls', a),
    tlsSecret('wild-tls', wild),
    service('web', [{ port: 80, targetPort: 8080 }]),
    service('vault', [{ port: 8200 }]),
    endpointSlice('web', [{ ip: '10.0.0.1' }], [{ port: 8080 }]),
  ];
});

const snap = (list: unknown[]): Snapshot => snapshotFromObjects(list).snapshot;

describe('build()', () => {
  it('deep-freezes the table', () => {
    const { table } = build(snap(objects), options);
    assert.ok(Object.isFrozen(table));
    assert.ok(Object.isFrozen(table.servers['a.example.com']?.routes[0]?.backend));
    assert.throws(() => {
      (table.servers as Record<string, unknown>)['evil.example.com'] = {};
    }, TypeError);
  });

  it('is deterministic: input order does not change the table or its hash', () => {
    const one = build(snap(objects), options);
    const two = build(snap([...objects].reverse()), options);
    assert.equal(one.table.hash, two.table.hash);
    assert.deepEqual(one.table, two.table);
    assert.deepEqual(one.diagnostics, two.diagnostics);
  });

  it('changes the hash when a certificate rotates, and keeps it for an equal rebuild', async () => {
    const builder = createBuilder();
    const first = builder.build(snap(objects), options).table;
    assert.equal(builder.build(snap(objects), options).table.hash, first.hash);
    const rotated = await issueCertificate({
      dnsNames: ['a.example.com'],
      notBefore: new Date('2026-01-01'),
      notAfter: new Date('2027-02-01'),
      keyType: 'ECDSA-P-256',
    });
    const next = objects.map((o) =>
      (o as { metadata: { name: string } }).metadata.name === 'a-tls' ? tlsSecret('a-tls', rotated, '2') : o,
    );
    const second = builder.build(snap(next), options).table;
    assert.notEqual(second.hash, first.hash);
    assert.equal(second.certificates['default/a-tls']?.facts.notAfter, '2027-02-01T00:00:00.000Z');
  });

  it('memoized rebuilds equal fresh builds', () => {
    const builder = createBuilder();
    builder.build(snap(objects), options);
    const changed = [
      ...objects.slice(1),
      ingress('a', {
        created: '2026-01-02T00:00:00Z',
        rules: [{ host: 'a.example.com', paths: [{ path: '/v2' }] }],
      }),
    ];
    assert.deepEqual(builder.build(snap(changed), options), build(snap(changed), options));
  });
});

describe('lookups', () => {
  it('serves SNI by exact name, one-label wildcard, then the default certificate', () => {
    const { table } = build(snap(objects), options);
    assert.equal(lookupCertificate(table, 'A.Example.com.').certificate.id, 'default/a-tls');
    assert.equal(lookupCertificate(table, 'x.example.org').certificate.id, 'default/wild-tls');
    const deep = lookupCertificate(table, 'x.y.example.org');
    assert.equal(deep.certificate.id, 'fake');
    assert.equal(deep.matched, false);
    assert.equal(lookupCertificate(table, null).certificate.id, 'fake');
  });

  it('finds passthrough targets by exact or wildcard SNI', () => {
    const { table } = build(snap(objects), options);
    assert.deepEqual(
      { ...lookupPassthrough(table, 'db.pass.example.net') },
      {
        host: '*.pass.example.net',
        ingress: { namespace: 'default', name: 'pt' },
        namespace: 'default',
        service: 'vault',
        address: '10.96.0.10',
        port: 8200,
      },
    );
    assert.equal(lookupPassthrough(table, 'pass.example.net'), null);
    assert.equal(lookupPassthrough(table, null), null);
  });

  it('sends unknown hosts to the catch-all server', () => {
    const { table } = build(snap(objects), options);
    assert.equal(lookupServer(table, 'nobody.example.com').host, '_');
    assert.deepEqual(lookupServer(table, 'nobody.example.com').fallback, { type: 'default' });
  });
});
