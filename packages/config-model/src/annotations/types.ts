import type { ProxyTimeouts } from '../configmap/types.ts';

/** What the nginx.ingress.kubernetes.io/ annotations of one Ingress say, after validation. */
export interface IngressAnnotations {
  readonly sslRedirect: boolean;
  readonly forceSslRedirect: boolean;
  readonly preserveTrailingSlash: boolean;
  readonly usePortInRedirects: boolean;
  readonly sslPassthrough: boolean;
  readonly backendProtocol: BackendProtocol;
  readonly sslCiphers: string | null;
  readonly sslPreferServerCiphers: boolean | null;
  /** server-alias: extra host names (lowercase) served like the Ingress's hosts. */
  readonly serverAliases: readonly string[];
  readonly fromToWwwRedirect: boolean;
  readonly permanentRedirect: { readonly url: string; readonly code: number } | null;
  readonly temporalRedirect: { readonly url: string; readonly code: number } | null;
  /** proxy-ssl-*: TLS to the backend; secret resolved later by build(). */
  readonly proxySsl: ProxySslAnnotation | null;
  /** auth-tls-*: client certificate authentication; secret resolved later by build(). */
  readonly authTls: AuthTlsAnnotation | null;
  /** proxy-*-timeout, each falling back to the ConfigMap's value. */
  readonly proxyTimeouts: ProxyTimeouts;
}

export type BackendProtocol = 'HTTP' | 'HTTPS' | 'AUTO_HTTP' | 'GRPC' | 'GRPCS';

export interface SecretRef {
  readonly namespace: string;
  readonly name: string;
}

export interface ProxySslAnnotation {
  readonly secret: SecretRef | null;
  readonly verify: boolean;
  /** proxy-ssl-name: name to verify (and send as SNI when serverName). */
  readonly name: string | null;
  /** proxy-ssl-server-name: send SNI to the backend. */
  readonly serverName: boolean;
}

export type VerifyClient = 'on' | 'off' | 'optional' | 'optional_no_ca';

export interface AuthTlsAnnotation {
  readonly secret: SecretRef;
  readonly verifyClient: VerifyClient;
  readonly verifyDepth: number;
  readonly passCertificateToUpstream: boolean;
}

/** Resolved proxy-ssl settings as the table carries them (PEM material inlined). */
export interface ProxySsl {
  readonly verify: boolean;
  readonly name: string | null;
  readonly serverName: boolean;
  /** CA bundle (ca.crt) to verify the backend with, or null for the system store. */
  readonly caPem: string | null;
  /** Client certificate to present to the backend (tls.crt/tls.key), or null. */
  readonly certPem: string | null;
  readonly keyPem: string | null;
}

/** Resolved auth-tls settings as the table carries them. */
export interface ClientAuth {
  readonly caPem: string;
  readonly verifyClient: VerifyClient;
  readonly verifyDepth: number;
  readonly passCertificateToUpstream: boolean;
}
