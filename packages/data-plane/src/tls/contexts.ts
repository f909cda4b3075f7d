/**
 * SecureContexts per certificate revision (and client-CA variant), reused across generations,
 * and the per-generation view the HTTPS listener reads at handshake time.
 */
import { createHash } from 'node:crypto';
import { createSecureContext, type SecureContext } from 'node:tls';
import {
  type Certificate,
  type ClientAuth,
  findServer,
  lookupCertificate,
  normalizeHost,
  type RoutingTable,
  type Server,
} from '@portcullis/config-model';
import {
  buildServerOptions,
  type SessionSettings,
  sessionIdContext,
  type TlsServerOptions,
} from './options.ts';
import type { TlsWarning } from './warnings.ts';

export interface TlsGeneration {
  /** For SNICallback: the context for this SNI (null SNI -> default cert), or null to reject
      the handshake (ssl-reject-handshake with an unknown name, or with no name at all). */
  contextFor(serverName: string | null): SecureContext | null;
  /** auth-tls-* of the server this SNI selects; null when it asks for no client certificate. */
  clientAuthFor(serverName: string | null): ClientAuth | null;
  /** ALPN choice honouring use-http2 for this generation. */
  alpn(offered: readonly string[]): string | undefined;
  /** Options for tls/http2 server creation and for server.setSecureContext on a swap
      (protocol range, ciphers, groups, default certificate, session settings). */
  readonly serverOptions: TlsServerOptions;
  /** Equal keys: serverOptions are equivalent, so a swap needs no setSecureContext. */
  readonly serverKey: string;
  readonly session: SessionSettings;
  /** Settings applied differently from how they were written; log them. */
  readonly warnings: readonly TlsWarning[];
}

/** Lives for the process: owns every SecureContext built for a certificate. */
export class TlsContexts {
  #contexts = new Map<string, SecureContext>();
  readonly #create: (cert: Certificate, auth: ClientAuth | null) => SecureContext;

  constructor(create: (cert: Certificate, auth: ClientAuth | null) => SecureContext = buildContext) {
    this.#create = create;
  }

  /** Contexts whose key is unchanged are reused; the rest are dropped with the old map. */
  prepare(table: RoutingTable): TlsGeneration {
    const warnings: TlsWarning[] = [];
    const next = new Map<string, SecureContext>();
    const contextOf = (cert: Certificate, auth: ClientAuth | null): SecureContext | undefined => {
      const key = variantKey(cert, auth);
      const known = next.get(key) ?? this.#contexts.get(key);
      try {
        const ctx = known ?? this.#create(cert, auth);
        next.set(key, ctx);
        return ctx;
      } catch (error) {
        warnings.push({ key: cert.id, message: `certificate not loadable: ${String(error)}` });
        return undefined;
      }
    };
    const defaultCert = table.certificates[table.defaultCertificate];
    const defaultCtx = defaultCert === undefined ? undefined : contextOf(defaultCert, null);
    if (defaultCert === undefined || defaultCtx === undefined) {
      throw new Error(`default certificate ${table.defaultCertificate} cannot be served`);
    }
    const byCert = new Map<string, SecureContext>();
    for (const cert of Object.values(table.certificates)) {
      const ctx = contextOf(cert, null);
      if (ctx !== undefined) byCert.set(cert.id, ctx);
    }
    const byServer = new Map<Server, SecureContext>();
    for (const server of Object.values(table.servers)) {
      const cert = server.tls === null ? undefined : table.certificates[server.tls.certificate];
      const ctx = cert === undefined ? undefined : contextOf(cert, server.tls?.clientAuth ?? null);
      if (ctx !== undefined) byServer.set(server, ctx);
    }
    this.#contexts = next;
    warnings.push(...unsupportedPerHostSettings(table));
    const { options, key, session } = buildServerOptions(table.tls, defaultCert, warnings);
    return new Generation(table, defaultCtx, byCert, byServer, options, key, session, warnings);
  }

  /** Number of cached contexts (for tests and a gauge). */
  get size(): number {
    return this.#contexts.size;
  }
}

class Generation implements TlsGeneration {
  readonly #table: RoutingTable;
  readonly #defaultCtx: SecureContext;
  readonly #byCert: ReadonlyMap<string, SecureContext>;
  readonly #byServer: ReadonlyMap<Server, SecureContext>;
  readonly serverOptions: TlsServerOptions;
  readonly serverKey: string;
  readonly session: SessionSettings;
  readonly warnings: readonly TlsWarning[];

  constructor(
    table: RoutingTable,
    defaultCtx: SecureContext,
    byCert: ReadonlyMap<string, SecureContext>,
    byServer: ReadonlyMap<Server, SecureContext>,
    serverOptions: TlsServerOptions,
    serverKey: string,
    session: SessionSettings,
    warnings: readonly TlsWarning[],
  ) {
    this.#table = table;
    this.#defaultCtx = defaultCtx;
    this.#byCert = byCert;
    this.#byServer = byServer;
    this.serverOptions = serverOptions;
    this.serverKey = serverKey;
    this.session = session;
    this.warnings = warnings;
  }

  contextFor(serverName: string | null): SecureContext | null {
    const reject = this.#table.tls.rejectHandshake;
    // nginx's ssl_reject_handshake sits in the default server, which also catches no-SNI hellos.
    if (!serverName) return reject ? null : this.#defaultCtx;
    const server = findServer(this.#table, serverName);
    const serverCtx = server === undefined ? undefined : this.#byServer.get(server);
    if (serverCtx !== undefined) return serverCtx;
    const { certificate, matched } = lookupCertificate(this.#table, serverName);
    // ingress-nginx gives every known host a server block; one without spec.tls still gets the
    // default certificate there. Only names no server block knows reach the default server.
    if (!matched && reject && server === undefined && !this.#redirects(serverName)) return null;
    return this.#byCert.get(certificate.id) ?? this.#defaultCtx;
  }

  #redirects(serverName: string): boolean {
    return this.#table.wwwRedirects[normalizeHost(serverName)] !== undefined;
  }

  clientAuthFor(serverName: string | null): ClientAuth | null {
    if (!serverName) return null;
    return findServer(this.#table, serverName)?.tls?.clientAuth ?? null;
  }

  alpn(offered: readonly string[]): string | undefined {
    if (this.#table.tls.useHttp2 && offered.includes('h2')) return 'h2';
    // No overlap: undefined makes Node send no_application_protocol (RFC 7301 §3.2), as nginx does.
    return offered.includes('http/1.1') ? 'http/1.1' : undefined;
  }
}

/**
 * Only the certificate and the client CA matter here: OpenSSL ignores an SNI context's ciphers,
 * versions and groups. The shared session-id context keeps resumption working after the swap.
 */
function buildContext(cert: Certificate, auth: ClientAuth | null): SecureContext {
  return createSecureContext({
    cert: cert.certPem,
    key: cert.keyPem,
    sessionIdContext,
    ...(auth === null || auth.verifyClient === 'off' ? {} : { ca: auth.caPem }),
  });
}

function variantKey(cert: Certificate, auth: ClientAuth | null): string {
  if (auth === null || auth.verifyClient === 'off') return cert.revision;
  return `${cert.revision}|ca:${createHash('sha256').update(auth.caPem).digest('hex')}`;
}

/**
 * ssl-ciphers / ssl-prefer-server-ciphers per Ingress cannot work in Node: the cipher list and
 * SSL_OP_CIPHER_SERVER_PREFERENCE are copied into the SSL object at accept, before the SNI is
 * known, and Node exposes no per-socket SSL_set_cipher_list. Those hosts use the global list.
 */
function unsupportedPerHostSettings(table: RoutingTable): TlsWarning[] {
  const hosts = Object.values(table.servers)
    .filter((s) => s.tls !== null && (s.tls.ciphers !== null || s.tls.preferServerCiphers !== null))
    .map((s) => s.host);
  if (hosts.length === 0) return [];
  const message = `per-host ssl-ciphers/ssl-prefer-server-ciphers cannot be applied in Node; ${hosts.join(', ')} use the ConfigMap's`;
  return [{ key: 'nginx.ingress.kubernetes.io/ssl-ciphers', message }];
}
