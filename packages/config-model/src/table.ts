/**
 * The routing table: everything the data plane needs, built by build() and deep-frozen.
 * Plain objects and arrays only (no Map/Set), so it serializes for golden files, for the
 * config hash and across worker threads.
 */

import type { BackendProtocol, ClientAuth, ProxySsl } from './annotations/types.ts';
import type { CertificateFacts } from './certificates/types.ts';
import type { HstsSettings, HttpSettings, ProxyTimeouts, TlsSettings } from './configmap/types.ts';

export interface RoutingTable {
  /** sha256 of the canonical JSON of everything below; equal tables have equal hashes. */
  readonly hash: string;
  readonly tls: TlsSettings;
  readonly http: HttpSettings;
  readonly hsts: HstsSettings;
  /** Certificates by id; ids are stable across builds for unchanged Secrets. */
  readonly certificates: Readonly<Record<string, Certificate>>;
  /** Id (key of `certificates`) of the certificate served when nothing else fits. */
  readonly defaultCertificate: string;
  /** Servers by lowercase host name; wildcard servers are keyed `*.example.com`. */
  readonly servers: Readonly<Record<string, Server>>;
  /** server-alias names -> the host (key of `servers`) that serves them. */
  readonly aliases: Readonly<Record<string, string>>;
  /** Host names that redirect to another (from-to-www-redirect), lowercase. */
  readonly wwwRedirects: Readonly<Record<string, WwwRedirect>>;
  /** The catch-all server (`_`): requests whose Host matches no server. */
  readonly catchAll: Server;
  /** SSL passthrough targets by lowercase SNI host (exact or `*.` wildcard). */
  readonly passthrough: Readonly<Record<string, PassthroughTarget>>;
}

export interface Certificate {
  /** `namespace/name` of the Secret, or `fake` for the generated default certificate. */
  readonly id: string;
  /** Changes whenever the served chain or key changes: a cache key for SecureContexts. */
  readonly revision: string;
  /** The Secret it came from; absent for the generated fake certificate. */
  readonly secret?: { readonly namespace: string; readonly name: string };
  /** PEM chain as served: leaf, then intermediates, then (if present) the root. */
  readonly certPem: string;
  readonly keyPem: string;
  readonly facts: CertificateFacts;
}

export interface Server {
  readonly host: string;
  /** null when no Ingress lists this host under spec.tls. */
  readonly tls: ServerTls | null;
  /** In match order: longest path first, Exact before Prefix on a tie. */
  readonly routes: readonly Route[];
  /** Where a request goes when no route matches (an Ingress's spec.defaultBackend or the 404). */
  readonly fallback: Backend;
}

export interface ServerTls {
  /** Key of RoutingTable.certificates to serve for this host. */
  readonly certificate: string;
  /** The Ingress whose tls section decided the certificate (the oldest one). */
  readonly ingress: IngressRef;
  /** ssl-ciphers annotation (per server in ingress-nginx), else null: use the ConfigMap's. */
  readonly ciphers: string | null;
  readonly preferServerCiphers: boolean | null;
  readonly clientAuth: ClientAuth | null;
}

export interface IngressRef {
  readonly namespace: string;
  readonly name: string;
}

export type PathType = 'Exact' | 'Prefix';

export interface Route {
  /** Normalized: Prefix paths have no trailing slash except `/` itself. */
  readonly path: string;
  readonly pathType: PathType;
  readonly ingress: IngressRef;
  readonly backend: Backend;
  readonly redirect: RedirectPolicy;
  readonly upstream: UpstreamPolicy;
  /** permanent-redirect / temporal-redirect: answer with a redirect instead of proxying. */
  readonly fixedRedirect: FixedRedirect | null;
  /**
   * Set when an annotation this route depends on for security (auth-tls, proxy-ssl) could not be
   * applied: ingress-nginx denies such a location (503) rather than serve it unprotected.
   */
  readonly denied: string | null;
}

export interface RedirectPolicy {
  readonly sslRedirect: boolean;
  readonly forceSslRedirect: boolean;
  readonly preserveTrailingSlash: boolean;
  readonly usePortInRedirects: boolean;
}

export interface FixedRedirect {
  readonly url: string;
  readonly code: number;
}

export interface UpstreamPolicy {
  readonly protocol: BackendProtocol;
  readonly proxySsl: ProxySsl | null;
  /** proxy-*-timeout annotations, else the ConfigMap's keys, else null (the data plane's default). */
  readonly timeouts: ProxyTimeouts;
}

export interface WwwRedirect {
  readonly to: string;
  readonly code: number;
  /** The target server's certificate when it also covers this name, so HTTPS redirects too. */
  readonly certificate: string | null;
}

export type Backend = ServiceBackend | DefaultBackend;

/** The built-in 404 (ingress-nginx's default backend). */
export interface DefaultBackend {
  readonly type: 'default';
}

export interface ServiceBackend {
  readonly type: 'service';
  readonly namespace: string;
  readonly service: string;
  /** The Service port as the Ingress referenced it (number or name). */
  readonly port: number | string;
  /** Ready endpoints with the target port resolved; for ExternalName, the external name. */
  readonly endpoints: readonly Endpoint[];
  readonly externalName: boolean;
}

export interface Endpoint {
  readonly address: string;
  readonly port: number;
}

export interface PassthroughTarget {
  readonly host: string;
  readonly ingress: IngressRef;
  readonly namespace: string;
  readonly service: string;
  /** The Service's clusterIP (or the ExternalName) and port number. */
  readonly address: string;
  readonly port: number;
}
