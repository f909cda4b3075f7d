/**
 * The server-level SecureContext options: what OpenSSL takes from the listener's own context and
 * not from the one SNICallback returns (protocol range, ciphers, groups, options, session cache
 * and tickets), plus the default certificate served to clients that send no SNI.
 */
import { constants, createHash } from 'node:crypto';
import type { SecureContextOptions } from 'node:tls';
import type { Certificate, TlsSettings } from '@portcullis/config-model';
import { protocolOptions } from './protocols.ts';
import { ticketKeyFrom } from './sessions.ts';
import type { TlsWarning } from './warnings.ts';

export type TlsServerOptions = SecureContextOptions & { ticketKeys?: Buffer; sessionTimeout: number };

export interface SessionSettings {
  /** ssl-session-cache: resume TLS <= 1.2 session IDs from the listener's cache. False when the
      protocol range has no version that resumes by session ID (see sessions.ts). */
  readonly cache: boolean;
  readonly cacheSize: number;
  readonly timeout: number;
  /** ssl-session-tickets: issue stateless tickets (RFC 5077 / RFC 8446 §4.6.1). */
  readonly tickets: boolean;
  /** True when ssl-session-ticket-key fixed the key; otherwise a swap keeps the running key. */
  readonly fixedTicketKey: boolean;
}

/**
 * One constant session-id context on every context: OpenSSL checks a resumed session's context
 * against the listener's before SNI is processed, and stores new TLS 1.3 tickets with the SNI
 * context's, so they must agree (and agree across replicas sharing a ticket key).
 */
export const sessionIdContext = 'portcullis';

export function buildServerOptions(
  settings: TlsSettings,
  defaultCert: Certificate,
  warnings: TlsWarning[],
): { options: TlsServerOptions; key: string; session: SessionSettings } {
  const protocols = protocolOptions(settings, warnings);
  const ticketKeys = settings.sessionTickets ? ticketKeyFrom(settings.sessionTicketKey, warnings) : undefined;
  const options: TlsServerOptions = {
    minVersion: protocols.minVersion,
    maxVersion: protocols.maxVersion,
    ciphers: protocols.ciphers,
    ecdhCurve: protocols.ecdhCurve,
    // ssl-session-tickets off: SSL_OP_NO_TICKET, as nginx's ssl_session_tickets off sets it.
    secureOptions: protocols.secureOptions | (settings.sessionTickets ? 0 : constants.SSL_OP_NO_TICKET),
    // ingress-nginx's ssl-prefer-server-ciphers defaults to on: the operator's order wins.
    honorCipherOrder: true,
    sessionIdContext,
    sessionTimeout: settings.sessionTimeout,
    // With ssl-reject-handshake the listener has no certificate at all, so a ClientHello without
    // SNI fails with handshake_failure like nginx's default server; SNI contexts bring their own.
    ...(settings.rejectHandshake ? {} : { cert: defaultCert.certPem, key: defaultCert.keyPem }),
    ...(ticketKeys === undefined ? {} : { ticketKeys }),
  };
  const session: SessionSettings = {
    // TLS 1.3 only: the cache could never hit, and keeping it on would hold every handshake for
    // a JS session lookup and hand each of OpenSSL's two TLS 1.3 tickets to JS, for nothing.
    cache: settings.sessionCache && protocols.minVersion !== 'TLSv1.3',
    cacheSize: settings.sessionCacheSize,
    timeout: settings.sessionTimeout,
    tickets: settings.sessionTickets,
    fixedTicketKey: ticketKeys !== undefined,
  };
  const key = JSON.stringify({
    ...protocols,
    reject: settings.rejectHandshake,
    cert: defaultCert.revision,
    timeout: settings.sessionTimeout,
    tickets: settings.sessionTickets,
    ticketKey: ticketKeys === undefined ? null : createHash('sha256').update(ticketKeys).digest('hex'),
  });
  return { options, key, session };
}
