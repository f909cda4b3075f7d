/**
 * Client certificates (auth-tls-*), per host as nginx does them.
 *
 * The CA travels with the SNI context (Node copies its store and CA names into the socket on the
 * swap). Asking for a certificate is a per-socket OpenSSL verify mode that Node only exposes as a
 * server option; nginx flips it in its servername callback, and so does requestClientCertificate
 * from inside SNICallback (Node calls it with the TLSSocket as `this`). The handshake never fails
 * on a bad certificate: like nginx, the request stage answers 400 (clientCertificateStatus).
 */
import { X509Certificate } from 'node:crypto';
import type { ClientAuth } from '@portcullis/config-model';

export interface ClientCertificateStatus {
  readonly ok: boolean;
  readonly status?: number;
  readonly reason?: string;
  /** The client's leaf certificate (PEM) when one was sent, for pass-certificate-to-upstream. */
  readonly certPem?: string;
}

/** The CA a full handshake verified against; absent on resumed sessions. */
const verifiedWith = Symbol('portcullis.clientCa');

interface SocketInternals {
  _requestCert?: boolean;
  _rejectUnauthorized?: boolean;
  _handle?: { setVerifyMode?(request: boolean, reject: boolean): void; verifyError?(): Error | null } | null;
  [verifiedWith]?: string;
}

/**
 * Called from SNICallback with its `this`. Returns false when this Node no longer offers the
 * hook: hosts with verifyClient 'on' then answer 400 (fail closed), never serve unauthenticated.
 */
export function requestClientCertificate(socket: unknown, auth: ClientAuth): boolean {
  const s = socket as SocketInternals | undefined;
  if (typeof s?._handle?.setVerifyMode !== 'function') return false;
  // Request, never reject in the handshake: nginx reports a bad certificate with a 400 page.
  s._handle.setVerifyMode(true, false);
  s._requestCert = true; // makes Node fill socket.authorized / authorizationError
  s._rejectUnauthorized = false;
  s[verifiedWith] = auth.caPem;
  return true;
}

interface PeerSocket {
  servername?: string | false | null;
  authorized?: boolean;
  authorizationError?: Error | string | null;
  isSessionReused?(): boolean;
  getPeerX509Certificate?(): X509Certificate | undefined;
}

const noCertificate = { ok: false, status: 400, reason: 'No required SSL certificate was sent' } as const;
const certificateError = { ok: false, status: 400, reason: 'The SSL certificate error' } as const;
/** nginx answers 421 when the Host's server needs client verification the SNI's did not do. */
const misdirected = { ok: false, status: 421, reason: 'Misdirected Request' } as const;

/**
 * nginx's ssl_verify_client outcomes for the server that serves the request: `on` needs a
 * verified certificate, `optional` verifies one if sent, `optional_no_ca` takes any certificate.
 */
export function clientCertificateStatus(
  socket: unknown,
  clientAuth: ClientAuth | null,
): ClientCertificateStatus {
  if (clientAuth === null || clientAuth.verifyClient === 'off') return { ok: true };
  const peer = socket as PeerSocket & SocketInternals;
  const askedWith = peer[verifiedWith];
  const resumed = peer.isSessionReused?.() === true;
  // nginx: a Host whose server verifies clients, reached over a handshake made for another
  // server (SNI), is 421 Misdirected Request (RFC 9110 §15.5.20); the client retries correctly.
  if (askedWith !== undefined ? askedWith !== clientAuth.caPem : !resumed && Boolean(peer.servername)) {
    return misdirected;
  }
  const cert = peer.getPeerX509Certificate?.();
  if (cert === undefined) return clientAuth.verifyClient === 'on' ? noCertificate : { ok: true };
  const certPem = cert.toString();
  if (clientAuth.verifyClient === 'optional_no_ca') return { ok: true, certPem };
  // Resumed session (no SNICallback ran): the stored verdict may be for another host's CA.
  if (askedWith === undefined && !issuedByBundle(cert, clientAuth.caPem)) return { ...misdirected, certPem };
  if (verifyError(peer) !== null) return { ...certificateError, certPem };
  if (intermediates(cert, clientAuth.caPem) > clientAuth.verifyDepth) return { ...certificateError, certPem };
  return { ok: true, certPem };
}

function verifyError(peer: PeerSocket & SocketInternals): unknown {
  if (peer.authorized === true) return null;
  if (peer.authorizationError != null) return peer.authorizationError;
  const handle = peer._handle;
  return typeof handle?.verifyError === 'function' ? handle.verifyError() : 'unverified';
}

/**
 * CA certificates between the leaf and the trust anchor, as OpenSSL counts verify depth
 * (SSL_CTX_set_verify_depth: depth N allows N intermediates). Node exposes no per-socket verify
 * depth and, on the server, not the chain the client sent, so this counts from the CA bundle:
 * exact when the bundle holds every CA of the chain; a leaf issued by an intermediate the client
 * sent counts as one (a lower bound for longer chains: OpenSSL still verified the whole chain).
 */
function intermediates(leaf: X509Certificate, caPem: string): number {
  const bundle = parseBundle(caPem);
  let count = 0;
  let current = leaf;
  for (let steps = 0; steps <= bundle.length; steps++) {
    const issuer = bundle.find((ca) => issued(current, ca));
    if (issuer === undefined) return current === leaf ? 1 : count;
    if (issued(issuer, issuer)) return count;
    count++;
    current = issuer;
  }
  return count;
}

function issued(cert: X509Certificate, by: X509Certificate): boolean {
  try {
    return cert.checkIssued(by) && cert.verify(by.publicKey);
  } catch {
    return false;
  }
}

function parseBundle(caPem: string): X509Certificate[] {
  const blocks = caPem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  return blocks.flatMap((pem) => {
    try {
      return [new X509Certificate(pem)];
    } catch {
      return [];
    }
  });
}

/** True when a certificate of the CA bundle issued and signed this leaf and it is in date. */
function issuedByBundle(cert: X509Certificate, caPem: string): boolean {
  const now = Date.now();
  if (Date.parse(cert.validFrom) > now || Date.parse(cert.validTo) < now) return false;
  return parseBundle(caPem).some((ca) => issued(cert, ca));
}
