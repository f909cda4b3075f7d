/**
 * Host -> certificate, as ingress-nginx assigns it: Ingresses oldest first; for each rule host
 * not yet assigned, a tls entry listing the host decides (no secretName: default certificate);
 * failing that, a tls entry whose certificate covers the host by SAN (ingress-nginx's
 * extractTLSSecretName fallback). A host listed in tls stays TLS-enabled (for redirects) even
 * when its Secret is missing or broken: it is served with the default certificate.
 */
import { coversHost } from '../certificates/index.ts';
import { type Diagnostic, diagnostic, objectRef } from '../diagnostics.ts';
import type { Certificate, ServerTls } from '../table.ts';
import type { AcceptedIngress } from './accepted.ts';
import type { CertificateStore } from './certificates.ts';
import type { ServerDraft } from './servers.ts';

/** Sets server.tls and returns the certificate it serves, or null for a plain-HTTP server. */
export function assignCertificate(
  server: ServerDraft,
  store: CertificateStore,
  defaultCertificate: Certificate,
  clientAuthOf: (item: AcceptedIngress) => ServerTls['clientAuth'] | 'denied',
  out: Diagnostic[],
): Certificate | null {
  for (const item of server.ingresses) {
    const certificate = certificateFor(server.host, item, store, defaultCertificate, out);
    if (certificate === undefined) continue;
    server.tls = serverTls(server, item, store.use(certificate), clientAuthOf);
    return certificate;
  }
  return null;
}

function certificateFor(
  host: string,
  item: AcceptedIngress,
  store: CertificateStore,
  fallback: Certificate,
  out: Diagnostic[],
): Certificate | undefined {
  const tls = item.ingress.spec.tls ?? [];
  const { namespace, name } = item.ref;
  const index = tls.findIndex((entry) => (entry.hosts ?? []).some((h) => h.toLowerCase() === host));
  const entry = tls[index];
  if (entry !== undefined) {
    if (!entry.secretName) return fallback;
    const field = `spec.tls[${index}].secretName`;
    const certificate = store.load(namespace, entry.secretName, objectRef('Ingress', namespace, name, field));
    if (certificate === null) return fallback;
    if (!coversHost(certificate.facts, host)) {
      out.push(
        diagnostic(
          'CertificateHostMismatch',
          objectRef('Ingress', namespace, name, field),
          `certificate in Secret ${certificate.id} does not cover host "${host}" (SANs: ${
            certificate.facts.dnsNames.join(', ') || `none; CN ${certificate.facts.commonName ?? 'none'}`
          }); the default certificate is served instead`,
        ),
      );
      return fallback;
    }
    return certificate;
  }
  // Not listed: use a certificate of this Ingress that covers the host anyway.
  for (const candidate of tls) {
    if (!candidate.secretName || store.secret(namespace, candidate.secretName) === undefined) continue;
    const certificate = store.load(namespace, candidate.secretName, objectRef('Ingress', namespace, name));
    if (certificate !== null && coversHost(certificate.facts, host)) return certificate;
  }
  return undefined;
}

/** Server-level annotations come from the oldest Ingress of the host that sets them. */
function serverTls(
  server: ServerDraft,
  owner: AcceptedIngress,
  certificate: string,
  clientAuthOf: (item: AcceptedIngress) => ServerTls['clientAuth'] | 'denied',
): ServerTls {
  const first = <T>(pick: (item: AcceptedIngress) => T | null): T | null => {
    for (const item of server.ingresses) {
      const value = pick(item);
      if (value !== null) return value;
    }
    return null;
  };
  const auth = first((item) => (item.annotations.authTls === null ? null : clientAuthOf(item)));
  return Object.freeze({
    certificate,
    ingress: owner.ref,
    ciphers: first((item) => item.annotations.sslCiphers),
    preferServerCiphers: first((item) => item.annotations.sslPreferServerCiphers),
    clientAuth: auth === 'denied' ? null : auth,
  });
}
