import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { certificateFromSecret, createCertificateCache } from '../src/certificates/index.ts';
import type { Secret } from '../src/objects/schemas.ts';
import { at, base64, certFixtures, NOW, tlsSecret } from './support/certs.ts';

describe('certificateFromSecret', () => {
  it('builds a Certificate with id namespace/name, a revision and the Secret reference', async () => {
    const { chain, leaf } = await certFixtures();
    const { certificate, diagnostics } = certificateFromSecret(
      tlsSecret('shop', 'web-tls', chain, leaf.keyPem),
      NOW,
    );
    assert.deepEqual(diagnostics, []);
    assert.ok(certificate);
    assert.equal(certificate.id, 'shop/web-tls');
    assert.deepEqual(certificate.secret, { namespace: 'shop', name: 'web-tls' });
    assert.match(certificate.revision, /^[0-9a-f]{16}$/);
    assert.equal(certificate.certPem, chain);
    assert.equal(certificate.keyPem, leaf.keyPem);
    assert.deepEqual(certificate.facts.dnsNames, ['example.com', '*.example.com']);
    assert.ok(Object.isFrozen(certificate) && Object.isFrozen(certificate.facts.dnsNames));
  });

  it('gives the same revision for the same content and another for another key pair', async () => {
    const { leaf, ecdsaLeaf } = await certFixtures();
    const a = certificateFromSecret(tlsSecret('ns', 'a', leaf.certPem, leaf.keyPem), NOW).certificate;
    const b = certificateFromSecret(tlsSecret('ns', 'b', leaf.certPem, leaf.keyPem), NOW).certificate;
    const c = certificateFromSecret(
      tlsSecret('ns', 'a', ecdsaLeaf.certPem, ecdsaLeaf.keyPem),
      NOW,
    ).certificate;
    assert.equal(a?.revision, b?.revision);
    assert.notEqual(a?.revision, c?.revision);
  });

  it('reads stringData, and prefers it over data as the API server does', async () => {
    const { leaf, ecdsaLeaf } = await certFixtures();
    const secret: Secret = {
      ...tlsSecret('ns', 'plain', ecdsaLeaf.certPem, ecdsaLeaf.keyPem),
      stringData: { 'tls.crt': leaf.certPem, 'tls.key': leaf.keyPem },
    };
    const { certificate, diagnostics } = certificateFromSecret(secret, NOW);
    assert.deepEqual(diagnostics, []);
    assert.equal(certificate?.facts.subject, 'CN=example.com');
  });

  it('does not check the Secret type', async () => {
    const { leaf } = await certFixtures();
    const secret = { ...tlsSecret('ns', 'opaque', leaf.certPem, leaf.keyPem), type: 'Opaque' };
    assert.ok(certificateFromSecret(secret, NOW).certificate);
  });

  it('names each missing key', () => {
    const secret: Secret = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { namespace: 'ns', name: 'empty' },
      data: {},
    };
    const { certificate, diagnostics } = certificateFromSecret(secret, NOW);
    assert.equal(certificate, null);
    assert.deepEqual(
      diagnostics.map((d) => [d.code, d.object.field, d.message]),
      [
        ['SecretMissingKey', 'tls.crt', 'the Secret has no tls.crt key'],
        ['SecretMissingKey', 'tls.key', 'the Secret has no tls.key key'],
      ],
    );
    assert.deepEqual(
      {
        kind: diagnostics[0]?.object.kind,
        namespace: diagnostics[0]?.object.namespace,
        name: diagnostics[0]?.object.name,
      },
      { kind: 'Secret', namespace: 'ns', name: 'empty' },
    );
  });

  it('reports bad base64 in tls.crt as CertificateInvalid', async () => {
    const { leaf } = await certFixtures();
    const secret = tlsSecret('ns', 'b64', leaf.certPem, leaf.keyPem);
    const broken: Secret = { ...secret, data: { ...secret.data, 'tls.crt': 'not base64!' } };
    const { certificate, diagnostics } = certificateFromSecret(broken, NOW);
    assert.equal(certificate, null);
    assert.deepEqual(
      diagnostics.map((d) => [d.code, d.object.field, d.message]),
      [['CertificateInvalid', 'tls.crt', 'data.tls.crt is not valid base64']],
    );
  });

  it('accepts base64 wrapped over several lines', async () => {
    const { leaf } = await certFixtures();
    const secret = tlsSecret('ns', 'wrapped', leaf.certPem, leaf.keyPem);
    const wrapped = (base64(leaf.certPem).match(/.{1,76}/g) ?? []).join('\n');
    assert.ok(
      certificateFromSecret({ ...secret, data: { ...secret.data, 'tls.crt': wrapped } }, NOW).certificate,
    );
  });

  it('passes inspection diagnostics through with the Secret as the object', async () => {
    const { leaf, wrongKey } = await certFixtures();
    const { certificate, diagnostics } = certificateFromSecret(
      tlsSecret('ns', 'mismatch', leaf.certPem, wrongKey),
      NOW,
    );
    assert.equal(certificate, null);
    assert.deepEqual(
      diagnostics.map((d) => [d.code, d.object]),
      [['PrivateKeyMismatch', { kind: 'Secret', namespace: 'ns', name: 'mismatch' }]],
    );
  });
});

describe('certificateFromSecret with a CertificateCache', () => {
  it('reuses the inspection for the same uid and resourceVersion without parsing again', async () => {
    const { leaf, ecdsaLeaf } = await certFixtures();
    const cache = createCertificateCache();
    const meta = { uid: 'u-1', resourceVersion: '10' };
    const first = certificateFromSecret(tlsSecret('ns', 's', leaf.certPem, leaf.keyPem, meta), NOW, cache);
    // Same uid + resourceVersion but other content: a hit returns the stored result untouched,
    // which shows the content was not read (the API server never does this; it proves the skip).
    const second = certificateFromSecret(
      tlsSecret('ns', 's', ecdsaLeaf.certPem, ecdsaLeaf.keyPem, meta),
      NOW,
      cache,
    );
    assert.equal(second.certificate, first.certificate);
    const bumped = certificateFromSecret(
      tlsSecret('ns', 's', ecdsaLeaf.certPem, ecdsaLeaf.keyPem, { ...meta, resourceVersion: '11' }),
      NOW,
      cache,
    );
    assert.equal(bumped.certificate?.facts.subject, 'CN=ecdsa.example.com');
    assert.equal(cache.size, 2);
  });

  it('keys by content when uid or resourceVersion is missing', async () => {
    const { leaf, ecdsaLeaf } = await certFixtures();
    const cache = createCertificateCache();
    const a = certificateFromSecret(tlsSecret('ns', 's', leaf.certPem, leaf.keyPem), NOW, cache);
    const b = certificateFromSecret(
      tlsSecret('ns', 's', leaf.certPem, leaf.keyPem, { uid: 'u-2' }),
      NOW,
      cache,
    );
    const other = certificateFromSecret(
      tlsSecret('ns', 's', ecdsaLeaf.certPem, ecdsaLeaf.keyPem),
      NOW,
      cache,
    );
    const renamed = certificateFromSecret(tlsSecret('ns', 'copy', leaf.certPem, leaf.keyPem), NOW, cache);
    assert.equal(b.certificate, a.certificate);
    assert.equal(other.certificate?.facts.subject, 'CN=ecdsa.example.com');
    assert.equal(renamed.certificate?.id, 'ns/copy');
  });

  it('recomputes expiry warnings from the clock on a cache hit', async () => {
    const { leaf } = await certFixtures();
    const cache = createCertificateCache();
    const secret = tlsSecret('ns', 's', leaf.certPem, leaf.keyPem, { uid: 'u-3', resourceVersion: '1' });
    assert.deepEqual(certificateFromSecret(secret, NOW, cache).diagnostics, []);
    const later = certificateFromSecret(secret, at(100), cache);
    assert.deepEqual(
      later.diagnostics.map((d) => d.code),
      ['CertificateExpired'],
    );
    assert.deepEqual(certificateFromSecret(secret, NOW, cache).diagnostics, []);
  });

  it('caches failures too, with their diagnostics', async () => {
    const { leaf, wrongKey } = await certFixtures();
    const cache = createCertificateCache();
    const secret = tlsSecret('ns', 'bad', leaf.certPem, wrongKey, { uid: 'u-4', resourceVersion: '1' });
    certificateFromSecret(secret, NOW, cache);
    const again = certificateFromSecret(secret, NOW, cache);
    assert.equal(again.certificate, null);
    assert.deepEqual(
      again.diagnostics.map((d) => d.code),
      ['PrivateKeyMismatch'],
    );
  });

  it('sweep drops entries of Secrets not looked up since the previous sweep', async () => {
    const { leaf, ecdsaLeaf } = await certFixtures();
    const cache = createCertificateCache();
    const kept = tlsSecret('ns', 'kept', leaf.certPem, leaf.keyPem, { uid: 'k', resourceVersion: '1' });
    const gone = tlsSecret('ns', 'gone', ecdsaLeaf.certPem, ecdsaLeaf.keyPem, {
      uid: 'g',
      resourceVersion: '1',
    });
    certificateFromSecret(kept, NOW, cache);
    certificateFromSecret(gone, NOW, cache);
    assert.equal(cache.sweep(), 0); // build 1 used both
    const before = certificateFromSecret(kept, NOW, cache).certificate; // build 2 uses only `kept`
    assert.equal(cache.sweep(), 1);
    assert.equal(cache.size, 1);
    assert.equal(certificateFromSecret(kept, NOW, cache).certificate, before);
  });
});
