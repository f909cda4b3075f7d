import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type CertificateFacts, coversHost } from '../src/certificates/index.ts';

function facts(
  dnsNames: string[],
  commonName: string | null = null,
  ipAddresses: string[] = [],
): CertificateFacts {
  return {
    subject: commonName === null ? '' : `CN=${commonName}`,
    commonName,
    dnsNames,
    ipAddresses,
    issuer: 'CN=Test CA',
    serial: '01',
    notBefore: '2026-01-01T00:00:00.000Z',
    notAfter: '2027-01-01T00:00:00.000Z',
    keyType: 'ECDSA-P-256',
    fingerprint: '00',
    chain: [],
  };
}

// [SANs, CN, host, covered]
const cases: [string[], string | null, string, boolean][] = [
  [['example.com'], null, 'example.com', true],
  [['example.com'], null, 'EXAMPLE.com', true],
  [['example.com'], null, 'example.com.', true],
  [['example.com'], null, 'www.example.com', false],
  [['*.example.com'], null, 'a.example.com', true],
  [['*.example.com'], null, 'A.Example.Com', true],
  // RFC 6125 §6.4.3: the wildcard stands for exactly one label.
  [['*.example.com'], null, 'example.com', false],
  [['*.example.com'], null, 'a.b.example.com', false],
  [['*.example.com'], null, '.example.com', false],
  [['*.example.com'], null, 'aexample.com', false],
  // Wildcard Ingress hosts are covered by the same wildcard only.
  [['*.example.com'], null, '*.example.com', true],
  [['a.example.com'], null, '*.example.com', false],
  [['*.example.com'], null, '*.a.example.com', false],
  // Only a whole-label `*` is a wildcard.
  [['a*.example.com'], null, 'ab.example.com', false],
  [['*.example.com', 'example.com'], null, 'example.com', true],
  // RFC 6125 §6.4.4: the CN counts only without DNS SANs.
  [[], 'legacy.example.com', 'legacy.example.com', true],
  [[], '*.legacy.example.com', 'x.legacy.example.com', true],
  [['other.example.com'], 'legacy.example.com', 'legacy.example.com', false],
  [[], null, 'example.com', false],
  [['example.com'], null, '', false],
];

describe('coversHost', () => {
  for (const [sans, cn, host, covered] of cases) {
    it(`${JSON.stringify(sans)} CN=${cn ?? '-'} ${covered ? 'covers' : 'does not cover'} "${host}"`, () => {
      assert.equal(coversHost(facts(sans, cn), host), covered);
    });
  }

  it('matches IP address SANs literally', () => {
    assert.equal(coversHost(facts([], null, ['10.0.0.1']), '10.0.0.1'), true);
    assert.equal(coversHost(facts([], null, ['10.0.0.1']), '10.0.0.2'), false);
  });
});
