/**
 * The certificate served when nothing else fits, as ingress-nginx generates it at start-up
 * (internal/net/ssl GetFakeSSLCert): self-signed RSA 2048, O "Acme Co", CN "Kubernetes
 * Ingress Controller Fake Certificate", SAN ingress.local, valid for one year.
 */
import { type IssuedCertificate, issueCertificate } from './issue.ts';

export const FAKE_CERTIFICATE_COMMON_NAME = 'Kubernetes Ingress Controller Fake Certificate';

const ONE_YEAR_MS = 365 * 24 * 60 * 60 * 1000;

export function generateFakeCertificate(now: Date): Promise<IssuedCertificate> {
  return issueCertificate({
    commonName: FAKE_CERTIFICATE_COMMON_NAME,
    organization: 'Acme Co',
    dnsNames: ['ingress.local'],
    keyType: 'RSA-2048',
    notBefore: now,
    notAfter: new Date(now.getTime() + ONE_YEAR_MS),
  });
}
