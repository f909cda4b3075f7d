/**
 * The strict DER reading (strict.ts) and the issuer check built on it (issued.ts) against
 * node:crypto: whatever strict.ts reads, X509Certificate must read too, with the same validity
 * dates, and issuedBy must agree with checkIssued whenever it answers. Mutated DER (flipped
 * bytes, truncations) probes the edges; a seeded generator keeps failures reproducible.
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { describe, it } from 'node:test';
import { certificateParts } from '../src/certificates/der.ts';
import { issuedBy } from '../src/certificates/issued.ts';
import { type ParsedCertificate, parseCertificates } from '../src/certificates/pem.ts';
import { strictCertificate } from '../src/certificates/strict.ts';
import { certFixtures, leafCert, rootCa } from './support/certs.ts';

function parsed(pem: string): ParsedCertificate[] {
  const result = parseCertificates(pem);
  if (!result.ok) throw new Error(result.message);
  return result.certificates;
}

function derOf(pem: string): Buffer {
  return Buffer.from(pem.replace(/-----[A-Z ]+-----|\s/g, ''), 'base64');
}

async function samples(): Promise<ParsedCertificate[]> {
  const f = await certFixtures();
  const p384 = await leafCert(['p384.example.com'], { keyType: 'ECDSA-P-384', issuer: await rootCa() });
  const pems = [f.root, f.intermediate, f.leaf, f.ecdsaLeaf, f.expired, f.stranger, p384];
  return pems.flatMap((p) => parsed(p.certPem));
}

/** Mulberry32: small, seeded, good enough to pick bytes. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function readByNode(der: Buffer): X509Certificate | null {
  try {
    return new X509Certificate(der);
  } catch {
    return null;
  }
}

describe('strict certificate reading', () => {
  it('reads the generated certificates, with node:crypto dates and checkIssued verdicts', async () => {
    const certs = await samples();
    for (const cert of certs) {
      assert.notEqual(cert.strict, null, cert.x509.subject);
      assert.equal(cert.notBefore, cert.x509.validFromDate.getTime());
      assert.equal(cert.notAfter, cert.x509.validToDate.getTime());
    }
    let answered = 0;
    for (const child of certs) {
      for (const issuer of certs) {
        const mine = issuedBy(child, issuer);
        if (mine === undefined) continue;
        answered++;
        assert.equal(
          mine,
          child.x509.checkIssued(issuer.x509),
          `${child.x509.subject} by ${issuer.x509.subject}`,
        );
      }
    }
    assert.equal(answered, certs.length ** 2);
  });

  it('never reads what node:crypto refuses, and agrees with it on what both read', async () => {
    const certs = await samples();
    const next = random(20261125);
    let strictMutants = 0;
    for (let round = 0; round < 4000; round++) {
      const base = certs[round % certs.length] as ParsedCertificate;
      const mutant = Buffer.from(base.der);
      for (let flips = 1 + Math.floor(next() * 3); flips > 0; flips--)
        mutant[Math.floor(next() * mutant.length)] = Math.floor(next() * 256);
      let parts: ReturnType<typeof certificateParts>;
      try {
        parts = certificateParts(mutant);
      } catch {
        continue;
      }
      const strict = strictCertificate(mutant, parts);
      if (strict === null) continue;
      strictMutants++;
      const node = readByNode(mutant);
      assert.ok(node !== null, `strict.ts read DER node:crypto refuses: ${mutant.toString('base64')}`);
      assert.equal(strict.notBefore, node.validFromDate.getTime());
      assert.equal(strict.notAfter, node.validToDate.getTime());
      const [mutated] = parsed(
        `-----BEGIN CERTIFICATE-----\n${mutant.toString('base64')}\n-----END CERTIFICATE-----\n`,
      );
      for (const other of certs) {
        const mine = issuedBy(mutated as ParsedCertificate, other);
        if (mine !== undefined) assert.equal(mine, node.checkIssued(other.x509));
        const theirs = issuedBy(other, mutated as ParsedCertificate);
        if (theirs !== undefined) assert.equal(theirs, other.x509.checkIssued(node));
      }
    }
    // Most flips land in signatures, keys and names that stay readable: the path is exercised.
    assert.ok(strictMutants > 500, `${strictMutants} mutants read strictly`);
  });

  it('leaves DER it does not read strictly to node:crypto, whose message is kept', async () => {
    const [leaf] = await samples().then((c) => c.slice(2, 3));
    const truncated = (leaf as ParsedCertificate).der.subarray(0, 300);
    const pem = `-----BEGIN CERTIFICATE-----\n${truncated.toString('base64')}\n-----END CERTIFICATE-----\n`;
    let expected = '';
    try {
      new X509Certificate(derOf(pem));
    } catch (error) {
      expected = (error as Error).message;
    }
    assert.notEqual(expected, '');
    assert.deepEqual(parseCertificates(pem), {
      ok: false,
      message: `the certificate cannot be parsed: ${expected}`,
    });
  });
});
