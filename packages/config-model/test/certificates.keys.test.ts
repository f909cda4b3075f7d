/**
 * Key matching from DER (keys.ts leafForKey): it must pick the certificate node:crypto's
 * checkPrivateKey picks, and defer to node:crypto whenever DER alone cannot decide.
 */
import assert from 'node:assert/strict';
import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { describe, it } from 'node:test';
import { isOnCurve } from '../src/certificates/curves.ts';
import { leafForKey } from '../src/certificates/keys.ts';
import { parseCertificates } from '../src/certificates/pem.ts';
import { embeddedPublicKey } from '../src/certificates/private-key.ts';
import { leafCert } from './support/certs.ts';

function certificates(pem: string) {
  const parsed = parseCertificates(pem);
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.certificates;
}

describe('leafForKey', () => {
  for (const [keyType, keyFormat] of [
    ['RSA-2048', 'pkcs8'],
    ['RSA-2048', 'pkcs1'],
    ['ECDSA-P-256', 'pkcs8'],
    ['ECDSA-P-256', 'sec1'],
    ['ECDSA-P-384', 'sec1'],
  ] as const) {
    it(`finds the leaf of a ${keyType} ${keyFormat} key where node:crypto does`, async () => {
      const mine = await leafCert(['mine.example.com'], { keyType, keyFormat });
      const other = await leafCert(['other.example.com'], { keyType, variant: 'other' });
      const bundle = certificates(other.certPem + mine.certPem);
      const expected = bundle.find((c) => c.x509.checkPrivateKey(createPrivateKey(mine.keyPem)));
      assert.equal(leafForKey(bundle, mine.keyPem), expected);
      assert.equal(expected, bundle[1]);
    });
  }

  it('leaves a key that matches no certificate to node:crypto', async () => {
    const mine = await leafCert(['mine.example.com'], { keyType: 'ECDSA-P-256' });
    const other = await leafCert(['other.example.com'], { keyType: 'ECDSA-P-256', variant: 'x' });
    assert.equal(leafForKey(certificates(other.certPem), mine.keyPem), undefined);
  });

  it('leaves encrypted, Ed25519 and multi-block keys to node:crypto', () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;
    const encrypted = ec.export({ format: 'pem', type: 'pkcs8', cipher: 'aes-256-cbc', passphrase: 'x' });
    const ed = generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' });
    const plain = ec.export({ format: 'pem', type: 'sec1' }) as string;
    assert.equal(embeddedPublicKey(encrypted as string), null);
    assert.equal(embeddedPublicKey(ed as string), null);
    assert.equal(
      embeddedPublicKey(
        `-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n${plain}`,
      ),
      null,
    );
    assert.notEqual(embeddedPublicKey(plain), null);
  });

  it('refuses an EC key whose public point is not on its curve, as OpenSSL does', () => {
    const key = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;
    const der = key.export({ format: 'der', type: 'sec1' });
    const point = embeddedPublicKey(key.export({ format: 'pem', type: 'sec1' }) as string);
    assert.ok(point?.type === 'ec' && isOnCurve('P-256', point.point));
    der[der.length - 1] = (der[der.length - 1] as number) ^ 1; // last byte of Y
    const pem = `-----BEGIN EC PRIVATE KEY-----\n${der.toString('base64')}\n-----END EC PRIVATE KEY-----\n`;
    assert.throws(() => createPrivateKey(pem));
    assert.equal(embeddedPublicKey(pem), null);
  });
});
