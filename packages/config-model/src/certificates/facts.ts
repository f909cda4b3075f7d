/** CertificateFacts for a served chain: names, SANs and dates from the DER (names.ts, strict.ts). */
import { hash } from 'node:crypto';
import { serialHex } from './der.ts';
import { decodeAltNames } from './names.ts';
import type { ParsedCertificate } from './pem.ts';
import type { CertificateFacts } from './types.ts';

export function certificateFacts(chain: readonly ParsedCertificate[], keyType: string): CertificateFacts {
  const leaf = chain[0];
  if (leaf === undefined) throw new Error('certificateFacts needs at least the leaf');
  const parts = leaf.parts;
  const subject = leaf.subjectName;
  const altNames = decodeAltNames(parts.subjectAltName);
  return {
    subject: subject.text,
    commonName: subject.commonName,
    dnsNames: altNames.dnsNames,
    ipAddresses: altNames.ipAddresses,
    issuer: leaf.issuerName.text,
    serial: serialHex(parts.serial),
    notBefore: new Date(leaf.notBefore).toISOString(),
    notAfter: new Date(leaf.notAfter).toISOString(),
    keyType,
    fingerprint: hash('sha256', leaf.der, 'hex'),
    chain: chain.map(describe),
  };
}

/** `subject` and `issuer` as they appear in CertificateFacts.chain (and in diagnostics). */
export function describe(cert: ParsedCertificate): { subject: string; issuer: string } {
  return { subject: cert.subjectName.text, issuer: cert.issuerName.text };
}
