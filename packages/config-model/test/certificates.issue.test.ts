import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  FAKE_CERTIFICATE_COMMON_NAME,
  generateFakeCertificate,
  inspectKeyPair,
  issueCertificate,
  parseCaBundle,
} from '../src/certificates/index.ts';
import { objectRef } from '../src/diagnostics.ts';
import { at, certFixtures, GARBAGE_PEM, NOT_PEM, NOW } from './support/certs.ts';

const ref = objectRef('Secret', 'ns', 'ca');

describe('issueCertificate', () => {
  it('issues a self-signed certificate whose key matches', async () => {
    const pair = await issueCertificate({
      commonName: 'self.example.com',
      dnsNames: ['self.example.com'],
      keyType: 'ECDSA-P-256',
      notBefore: at(-1),
      notAfter: at(10),
    });
    const cert = new X509Certificate(pair.certPem);
    assert.equal(cert.subject, 'CN=self.example.com');
    assert.equal(cert.issuer, cert.subject);
    assert.ok(cert.verify(cert.publicKey));
    assert.equal(cert.ca, false);
    assert.equal(cert.validFromDate.getTime(), Math.floor(at(-1).getTime() / 1000) * 1000);
    assert.deepEqual(codes(inspectKeyPair(pair.certPem, pair.keyPem, ref, NOW)), []);
  });

  it('signs with the given CA, which a verifier then accepts', async () => {
    const { root, intermediate, leaf } = await certFixtures();
    const rootCert = new X509Certificate(root.certPem);
    const intermediateCert = new X509Certificate(intermediate.certPem);
    const leafCert = new X509Certificate(leaf.certPem);
    assert.ok(rootCert.ca && intermediateCert.ca);
    assert.ok(intermediateCert.verify(rootCert.publicKey));
    assert.ok(leafCert.verify(intermediateCert.publicKey));
    assert.ok(leafCert.checkIssued(intermediateCert));
    assert.equal(leafCert.checkHost('www.example.com'), '*.example.com');
  });

  it('writes keys in the requested PEM format', async () => {
    const headers = {
      pkcs1: await issueCertificate({
        keyType: 'RSA-2048',
        keyFormat: 'pkcs1',
        notBefore: at(-1),
        notAfter: at(1),
      }),
      sec1: await issueCertificate({
        keyType: 'ECDSA-P-384',
        keyFormat: 'sec1',
        notBefore: at(-1),
        notAfter: at(1),
      }),
      pkcs8: await issueCertificate({ keyType: 'ECDSA-P-256', notBefore: at(-1), notAfter: at(1) }),
    };
    assert.match(headers.pkcs1.keyPem, /^-----BEGIN RSA PRIVATE KEY-----\n/);
    assert.match(headers.sec1.keyPem, /^-----BEGIN EC PRIVATE KEY-----\n/);
    assert.match(headers.pkcs8.keyPem, /^-----BEGIN PRIVATE KEY-----\n/);
    assert.equal(
      inspectKeyPair(headers.sec1.certPem, headers.sec1.keyPem, ref, NOW).certificate?.facts.keyType,
      'ECDSA-P-384',
    );
  });
});

describe('generateFakeCertificate', () => {
  it("matches ingress-nginx's fake certificate: RSA 2048, Acme Co, ingress.local, one year", async () => {
    const pair = await generateFakeCertificate(NOW);
    const result = inspectKeyPair(pair.certPem, pair.keyPem, objectRef('Secret', '', 'fake'), NOW);
    assert.deepEqual(codes(result), []);
    const facts = result.certificate?.facts;
    assert.equal(facts?.subject, `CN=${FAKE_CERTIFICATE_COMMON_NAME}, O=Acme Co`);
    assert.equal(facts?.commonName, 'Kubernetes Ingress Controller Fake Certificate');
    assert.equal(facts?.issuer, facts?.subject);
    assert.deepEqual(facts?.dnsNames, ['ingress.local']);
    assert.equal(facts?.keyType, 'RSA-2048');
    assert.equal(facts?.notBefore, NOW.toISOString());
    assert.equal(facts?.notAfter, at(365).toISOString());
  });
});

describe('parseCaBundle', () => {
  it('returns the certificates of a bundle as normalized PEM', async () => {
    const { root, intermediate } = await certFixtures();
    const result = parseCaBundle(`# our CAs\n${root.certPem}\n\n${intermediate.certPem}`, ref);
    assert.deepEqual(result.diagnostics, []);
    assert.equal(result.pem, root.certPem + intermediate.certPem);
  });

  it('rejects text without certificates and unreadable certificates', async () => {
    const { root } = await certFixtures();
    for (const [pem, reason] of [
      [NOT_PEM, /no PEM certificate/],
      ['', /no PEM certificate/],
      [root.certPem + GARBAGE_PEM, /certificate 2 of 2 cannot be parsed/],
    ] as const) {
      const result = parseCaBundle(pem, ref);
      assert.equal(result.pem, null);
      assert.deepEqual(codes(result), ['CaCertificateInvalid']);
      assert.match(result.diagnostics[0]?.message ?? '', reason);
      assert.deepEqual(result.diagnostics[0]?.object, ref);
    }
  });
});

function codes(result: { diagnostics: readonly { code: string }[] }): string[] {
  return result.diagnostics.map((d) => d.code);
}
