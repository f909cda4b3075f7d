/**
 * auth-tls at request time. The TLS layer asks for and verifies the certificate per host
 * (tls/client-auth.ts); its clientCertificateStatus gives nginx's verdict for the server that
 * serves this request (400 for a missing/bad certificate, 421 when the handshake's host had
 * other client-auth settings). Here that verdict becomes the reply and the headers nginx.tmpl
 * passes upstream when auth-tls is configured: ssl-client-verify ($ssl_client_verify),
 * ssl-client-subject-dn, ssl-client-issuer-dn, and ssl-client-cert ($ssl_client_escaped_cert)
 * with auth-tls-pass-certificate-to-upstream.
 */
import { X509Certificate } from 'node:crypto';
import type { ClientAuth } from '@portcullis/config-model';
import { clientCertificateStatus } from '../tls/index.ts';

export interface ClientCertificateOutcome {
  /** The status to answer instead of serving the request, or null to serve it. */
  readonly rejectWith: number | null;
  readonly headers: Readonly<Record<string, string>>;
}

const none: ClientCertificateOutcome = { rejectWith: null, headers: {} };

export function clientCertificate(socket: unknown, auth: ClientAuth | null): ClientCertificateOutcome {
  if (auth === null || auth.verifyClient === 'off') return none;
  const status = clientCertificateStatus(socket, auth);
  if (!status.ok) return { rejectWith: status.status ?? 400, headers: {} };
  if (status.certPem === undefined) return { rejectWith: null, headers: { 'ssl-client-verify': 'NONE' } };
  return { rejectWith: null, headers: certificateHeaders(status.certPem, auth, verifyResult(socket)) };
}

/**
 * $ssl_client_verify: SUCCESS, or FAILED:<reason> for a certificate that optional_no_ca let
 * through unverified (the backend decides; nginx passes the reason the same way).
 */
function verifyResult(socket: unknown): string {
  const s = socket as { authorized?: boolean; authorizationError?: unknown } | null;
  if (s?.authorized === true || s?.authorizationError == null) return 'SUCCESS';
  return `FAILED:${String(s.authorizationError)}`;
}

function certificateHeaders(certPem: string, auth: ClientAuth, verify: string): Record<string, string> {
  const cert = new X509Certificate(certPem);
  const headers: Record<string, string> = {
    'ssl-client-verify': verify,
    'ssl-client-subject-dn': rfc2253(cert.subject),
    'ssl-client-issuer-dn': rfc2253(cert.issuer),
  };
  if (auth.passCertificateToUpstream) headers['ssl-client-cert'] = encodeURIComponent(certPem);
  return headers;
}

/** node prints one RDN per line, most significant first; RFC 2253 lists them reversed, comma-joined. */
function rfc2253(name: string): string {
  return name.split('\n').filter(Boolean).reverse().join(',');
}
