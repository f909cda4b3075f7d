/**
 * Which certificate a handshake gets, by SNI, as ingress-nginx picks it: the exact host's, else a
 * wildcard host's (one label deep, RFC 6125 §6.4.3), else the default certificate, which is
 * also what a hello without SNI gets. --default-ssl-certificate replaces the generated fake one,
 * and ssl-reject-handshake (ConfigMap) refuses unknown and missing names instead.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type EchoBackend, serviceYaml, startEchoBackend, tlsSecretYaml } from './support/backend.ts';
import { type Portcullis, startPortcullis } from './support/portcullis.ts';
import {
  configMapYaml,
  fingerprintOf,
  handshake,
  httpsGet,
  type IssuedCertificate,
  ingressYaml,
  issue,
  rewriteAndApply,
} from './support/tls-kit.ts';

const FAKE_CN = 'Kubernetes Ingress Controller Fake Certificate';

let backend: EchoBackend;
let exact: IssuedCertificate;
let wildcard: IssuedCertificate;
let custom: IssuedCertificate;

function sitesYaml(): string {
  return [
    serviceYaml('echo', backend.port),
    ingressYaml({
      name: 'exact',
      hosts: ['exact.e2e.test'],
      tls: [{ hosts: ['exact.e2e.test'], secretName: 'exact' }],
      service: 'echo',
    }),
    tlsSecretYaml('exact', exact),
    ingressYaml({
      name: 'wild',
      hosts: ['*.wild.e2e.test'],
      tls: [{ hosts: ['*.wild.e2e.test'], secretName: 'wild' }],
      service: 'echo',
    }),
    tlsSecretYaml('wild', wildcard),
    ingressYaml({
      name: 'broken',
      hosts: ['broken.e2e.test'],
      tls: [{ hosts: ['broken.e2e.test'], secretName: 'absent' }],
      service: 'echo',
    }),
  ].join('---\n');
}

before(async () => {
  backend = await startEchoBackend('echo');
  exact = await issue({ dnsNames: ['exact.e2e.test'] });
  wildcard = await issue({ dnsNames: ['*.wild.e2e.test'] });
  custom = await issue({ commonName: 'custom default', dnsNames: ['default.e2e.test'], keyType: 'RSA-2048' });
});

after(() => backend.close());

describe('SNI with the generated default certificate', () => {
  let portcullis: Portcullis;
  before(async () => {
    portcullis = await startPortcullis({ manifests: { 'sites.yaml': sitesYaml() } });
  });
  after(async () => assert.equal(await portcullis.stop(), 0));

  it('an exact host gets its own certificate, and is routed', async () => {
    const shake = await handshake(portcullis.httpsPort, { servername: 'exact.e2e.test' });
    assert.equal(shake.fingerprint, await fingerprintOf(exact.certPem));
    const res = await httpsGet(portcullis.httpsPort, 'exact.e2e.test', '/x');
    assert.equal(res.status, 200);
  });

  it('a wildcard host covers exactly one label', async () => {
    const wild = await fingerprintOf(wildcard.certPem);
    const one = await handshake(portcullis.httpsPort, { servername: 'a.wild.e2e.test' });
    assert.equal(one.fingerprint, wild);
    assert.equal((await httpsGet(portcullis.httpsPort, 'shop.wild.e2e.test', '/')).status, 200);
    const two = await handshake(portcullis.httpsPort, { servername: 'a.b.wild.e2e.test' });
    assert.equal(two.cert.subject.CN, FAKE_CN);
    const bare = await handshake(portcullis.httpsPort, { servername: 'wild.e2e.test' });
    assert.equal(bare.cert.subject.CN, FAKE_CN);
  });

  it('no SNI and an unknown name get the default (fake) certificate', async () => {
    assert.equal((await handshake(portcullis.httpsPort)).cert.subject.CN, FAKE_CN);
    const unknown = await handshake(portcullis.httpsPort, { servername: 'unknown.e2e.test' });
    assert.equal(unknown.cert.subject.CN, FAKE_CN);
    assert.equal(unknown.cert.subject.O, 'Acme Co');
  });
});

describe('--default-ssl-certificate and ssl-reject-handshake', () => {
  let portcullis: Portcullis;
  before(async () => {
    portcullis = await startPortcullis({
      manifests: {
        'sites.yaml': sitesYaml(),
        'default.yaml': tlsSecretYaml('custom-default', custom, 'ingress'),
        'config.yaml': configMapYaml({}),
      },
      flags: ['--default-ssl-certificate', 'ingress/custom-default', '--configmap', 'default/portcullis'],
    });
  });
  after(async () => assert.equal(await portcullis.stop(), 0));

  it('serves the given default certificate without SNI, for unknown names and broken Secrets', async () => {
    const expected = await fingerprintOf(custom.certPem);
    assert.equal((await handshake(portcullis.httpsPort)).fingerprint, expected);
    for (const servername of ['unknown.e2e.test', 'broken.e2e.test', 'a.b.wild.e2e.test']) {
      const shake = await handshake(portcullis.httpsPort, { servername });
      assert.equal(shake.fingerprint, expected, servername);
    }
    assert.equal((await httpsGet(portcullis.httpsPort, 'broken.e2e.test', '/')).status, 200);
    const own = await handshake(portcullis.httpsPort, { servername: 'exact.e2e.test' });
    assert.equal(own.fingerprint, await fingerprintOf(exact.certPem));
  });

  it('ssl-reject-handshake: unknown names and no SNI are refused, known hosts still served', async () => {
    await rewriteAndApply(portcullis, 'config.yaml', configMapYaml({ 'ssl-reject-handshake': 'true' }));

    await assert.rejects(handshake(portcullis.httpsPort, { servername: 'unknown.e2e.test' }), isAlert);
    await assert.rejects(handshake(portcullis.httpsPort), isAlert);
    const own = await handshake(portcullis.httpsPort, { servername: 'exact.e2e.test' });
    assert.equal(own.fingerprint, await fingerprintOf(exact.certPem));
    const wild = await handshake(portcullis.httpsPort, { servername: 'a.wild.e2e.test' });
    assert.equal(wild.fingerprint, await fingerprintOf(wildcard.certPem));
    assert.equal((await httpsGet(portcullis.httpsPort, 'exact.e2e.test', '/')).status, 200);
  });
});

/** A refused handshake ends with a TLS alert (not a timeout, not a bare reset). */
function isAlert(error: unknown): boolean {
  const e = error as NodeJS.ErrnoException;
  assert.match(`${e.code} ${e.message}`, /ALERT|alert/, `expected a TLS alert, got ${e.code}: ${e.message}`);
  return true;
}
