import assert from 'node:assert/strict';
import { createHash, X509Certificate } from 'node:crypto';
import { describe, it } from 'node:test';
import { inspectKeyPair, issueCertificate } from '../src/certificates/index.ts';
import { objectRef } from '../src/diagnostics.ts';
import { at, certFixtures, GARBAGE_PEM, leafCert, NOT_PEM, NOW } from './support/certs.ts';

const ref = objectRef('Secret', 'shop', 'web-tls');
const INTERMEDIATE = 'CN=Portcullis Test Intermediate CA, O=Portcullis Tests';
const ROOT = 'CN=Portcullis Test Root CA, O=Portcullis Tests';

function codes(result: { diagnostics: readonly { code: string }[] }): string[] {
  return result.diagnostics.map((d) => d.code);
}

describe('inspectKeyPair: facts', () => {
  it('reads subject, names, serial, dates, key type and fingerprint of the leaf', async () => {
    const { leaf } = await certFixtures();
    const result = inspectKeyPair(leaf.certPem, leaf.keyPem, ref, NOW);
    assert.deepEqual(result.diagnostics, []);
    const facts = result.certificate?.facts;
    assert.ok(facts);
    const node = new X509Certificate(leaf.certPem);
    assert.equal(facts.subject, 'CN=example.com');
    assert.equal(facts.commonName, 'example.com');
    assert.deepEqual(facts.dnsNames, ['example.com', '*.example.com']);
    assert.deepEqual(facts.ipAddresses, []);
    assert.equal(facts.issuer, INTERMEDIATE);
    assert.equal(facts.serial, node.serialNumber.toLowerCase().replace(/^00/, ''));
    assert.match(facts.serial, /^[0-9a-f]+$/);
    assert.equal(facts.notBefore, node.validFromDate.toISOString());
    assert.equal(facts.notAfter, node.validToDate.toISOString());
    assert.equal(facts.keyType, 'RSA-2048');
    assert.equal(facts.fingerprint, createHash('sha256').update(node.raw).digest('hex'));
    assert.deepEqual(facts.chain, [{ subject: 'CN=example.com', issuer: INTERMEDIATE }]);
  });

  it('writes the subject in RFC 4514 order (last RDN first) with escaping', async () => {
    const pair = await issueCertificate({
      commonName: 'a.example.com',
      organization: 'Acme, Inc. <R&D>',
      keyType: 'ECDSA-P-256',
      notBefore: at(-1),
      notAfter: at(30),
    });
    const facts = inspectKeyPair(pair.certPem, pair.keyPem, ref, NOW).certificate?.facts;
    assert.equal(facts?.subject, 'CN=a.example.com, O=Acme\\, Inc. \\<R&D\\>');
    assert.equal(facts?.issuer, facts?.subject);
    assert.equal(facts?.commonName, 'a.example.com');
  });

  it('lowercases DNS names and reads IP addresses', async () => {
    const pair = await issueCertificate({
      dnsNames: ['API.Example.COM'],
      ipAddresses: ['10.1.2.3', '::1', '2001:0db8:0:1:0:0:0:1', 'fe80:0:0:1:2:3:4:5'],
      keyType: 'ECDSA-P-256',
      notBefore: at(-1),
      notAfter: at(30),
    });
    const facts = inspectKeyPair(pair.certPem, pair.keyPem, ref, NOW).certificate?.facts;
    assert.deepEqual(facts?.dnsNames, ['api.example.com']);
    // IPv6 in RFC 5952 canonical form.
    assert.deepEqual(facts?.ipAddresses, ['10.1.2.3', '::1', '2001:db8:0:1::1', 'fe80::1:2:3:4:5']);
    assert.equal(facts?.commonName, null);
    assert.equal(facts?.subject, '');
  });

  for (const [keyType, expected] of [
    ['ECDSA-P-256', 'ECDSA-P-256'],
    ['ECDSA-P-384', 'ECDSA-P-384'],
    ['RSA-2048', 'RSA-2048'],
  ] as const) {
    it(`accepts ${keyType} keys and reports keyType ${expected}`, async () => {
      const pair = await leafCert(['kt.example.com'], { keyType });
      const result = inspectKeyPair(pair.certPem, pair.keyPem, ref, NOW);
      assert.deepEqual(codes(result), []);
      assert.equal(result.certificate?.facts.keyType, expected);
    });
  }

  for (const [keyType, keyFormat, header] of [
    ['RSA-2048', 'pkcs1', 'RSA PRIVATE KEY'],
    ['RSA-2048', 'pkcs8', 'PRIVATE KEY'],
    ['ECDSA-P-256', 'sec1', 'EC PRIVATE KEY'],
    ['ECDSA-P-256', 'pkcs8', 'PRIVATE KEY'],
  ] as const) {
    it(`reads ${keyType} keys in ${keyFormat} form (${header}) and serves the key as given`, async () => {
      const pair = await leafCert(['fmt.example.com'], { keyType, keyFormat });
      assert.ok(pair.keyPem.startsWith(`-----BEGIN ${header}-----`));
      const result = inspectKeyPair(pair.certPem, pair.keyPem, ref, NOW);
      assert.deepEqual(codes(result), []);
      assert.equal(result.certificate?.keyPem, pair.keyPem);
    });
  }
});

describe('inspectKeyPair: rejections', () => {
  it('rejects text without a PEM certificate', async () => {
    const { leaf } = await certFixtures();
    const result = inspectKeyPair(NOT_PEM, leaf.keyPem, ref, NOW);
    assert.equal(result.certificate, null);
    assert.deepEqual(codes(result), ['CertificateInvalid']);
    assert.match(result.diagnostics[0]?.message ?? '', /no PEM certificate/);
    assert.deepEqual(result.diagnostics[0]?.object, ref);
    assert.equal(result.diagnostics[0]?.severity, 'error');
  });

  it('rejects a PEM block that is not a certificate, naming which one', async () => {
    const { leaf } = await certFixtures();
    const result = inspectKeyPair(leaf.certPem + GARBAGE_PEM, leaf.keyPem, ref, NOW);
    assert.equal(result.certificate, null);
    assert.deepEqual(codes(result), ['CertificateInvalid']);
    assert.match(result.diagnostics[0]?.message ?? '', /^certificate 2 of 2 cannot be parsed/);
  });

  it('rejects a key that is not PEM, or not a key', async () => {
    const { leaf } = await certFixtures();
    for (const key of ['garbage', '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n']) {
      const result = inspectKeyPair(leaf.certPem, key, ref, NOW);
      assert.equal(result.certificate, null);
      assert.deepEqual(codes(result), ['PrivateKeyInvalid']);
    }
  });

  it('rejects a key that belongs to another certificate', async () => {
    const { leaf, wrongKey } = await certFixtures();
    const result = inspectKeyPair(leaf.certPem, wrongKey, ref, NOW);
    assert.equal(result.certificate, null);
    assert.deepEqual(codes(result), ['PrivateKeyMismatch']);
    assert.match(
      result.diagnostics[0]?.message ?? '',
      /private key does not match the certificate's public key/,
    );
    assert.match(result.diagnostics[0]?.message ?? '', /CN=example\.com/);
  });

  it('rejects an ECDSA key offered for an RSA certificate as a mismatch', async () => {
    const { leaf, ecdsaLeaf } = await certFixtures();
    assert.deepEqual(codes(inspectKeyPair(leaf.certPem, ecdsaLeaf.keyPem, ref, NOW)), ['PrivateKeyMismatch']);
  });

  it('rejects RSA keys under 2048 bits as weak', async () => {
    const { weakRsa } = await certFixtures();
    const result = inspectKeyPair(weakRsa.certPem, weakRsa.keyPem, ref, NOW);
    assert.equal(result.certificate, null);
    assert.deepEqual(codes(result), ['WeakKey']);
    assert.match(result.diagnostics[0]?.message ?? '', /1024 bits; at least 2048/);
  });

  it('rejects Ed25519, which browsers do not accept in server certificates', async () => {
    const { ed25519 } = await certFixtures();
    const result = inspectKeyPair(ed25519.certPem, ed25519.keyPem, ref, NOW);
    assert.equal(result.certificate, null);
    assert.deepEqual(codes(result), ['PrivateKeyInvalid']);
    assert.match(
      result.diagnostics[0]?.message ?? '',
      /Ed25519 keys are not accepted: browsers do not support/,
    );
  });
});

describe('inspectKeyPair: validity dates', () => {
  it('serves an expired certificate with a warning that states the date', async () => {
    const { expired } = await certFixtures();
    const result = inspectKeyPair(expired.certPem, expired.keyPem, ref, NOW);
    assert.ok(result.certificate);
    assert.deepEqual(codes(result), ['CertificateExpired']);
    assert.equal(result.diagnostics[0]?.severity, 'warning');
    assert.ok(result.diagnostics[0]?.message.includes(`expired on ${result.certificate.facts.notAfter}`));
  });

  it('serves a not-yet-valid certificate with a warning that states the date', async () => {
    const { notYetValid } = await certFixtures();
    const result = inspectKeyPair(notYetValid.certPem, notYetValid.keyPem, ref, NOW);
    assert.ok(result.certificate);
    assert.deepEqual(codes(result), ['CertificateNotYetValid']);
    assert.ok(
      result.diagnostics[0]?.message.includes(`not valid before ${result.certificate.facts.notBefore}`),
    );
  });

  it('judges validity against the given clock, not the wall clock', async () => {
    const { leaf } = await certFixtures();
    assert.deepEqual(codes(inspectKeyPair(leaf.certPem, leaf.keyPem, ref, at(91))), ['CertificateExpired']);
    assert.deepEqual(codes(inspectKeyPair(leaf.certPem, leaf.keyPem, ref, at(-2))), [
      'CertificateNotYetValid',
    ]);
  });
});

describe('inspectKeyPair: chain facts', () => {
  it('lists subject and issuer of every served certificate, leaf first', async () => {
    const { chain, leaf } = await certFixtures();
    const result = inspectKeyPair(chain, leaf.keyPem, ref, NOW);
    assert.deepEqual(codes(result), []);
    assert.deepEqual(result.certificate?.facts.chain, [
      { subject: 'CN=example.com', issuer: INTERMEDIATE },
      { subject: INTERMEDIATE, issuer: ROOT },
      { subject: ROOT, issuer: ROOT },
    ]);
  });
});
