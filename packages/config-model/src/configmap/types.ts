/** Settings read from the controller ConfigMap (--configmap), with ingress-nginx's defaults. */
export interface Settings {
  readonly tls: TlsSettings;
  readonly http: HttpSettings;
  readonly hsts: HstsSettings;
  /** Defaults for the per-Ingress redirect annotations. */
  readonly redirect: {
    readonly sslRedirect: boolean;
    readonly forceSslRedirect: boolean;
    readonly preserveTrailingSlash: boolean;
    readonly usePortInRedirects: boolean;
  };
}

export type TlsProtocol = 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';

export interface TlsSettings {
  /** ssl-protocols, in ascending order, deduplicated. Default TLSv1.2 TLSv1.3. */
  readonly protocols: readonly TlsProtocol[];
  /** ssl-ciphers: OpenSSL cipher list for TLS <= 1.2. */
  readonly ciphers: string;
  /** ssl-ecdh-curve: 'auto' or a colon-separated group list. */
  readonly ecdhCurve: string;
  /** ssl-session-cache (true) and its size from ssl-session-cache-size ("10m" -> bytes). */
  readonly sessionCache: boolean;
  readonly sessionCacheSize: number;
  /** ssl-session-timeout in seconds ("10m" default). */
  readonly sessionTimeout: number;
  /** ssl-session-tickets (false). */
  readonly sessionTickets: boolean;
  /** ssl-session-ticket-key: base64 of 48 or 80 bytes, or null. */
  readonly sessionTicketKey: string | null;
  /** ssl-reject-handshake (false): refuse TLS for unknown SNI instead of the default cert. */
  readonly rejectHandshake: boolean;
  /** use-http2 (true): offer ALPN h2. */
  readonly useHttp2: boolean;
}

export interface HttpSettings {
  /** http-redirect-code: 301, 302, 307 or 308 (default 308). */
  readonly redirectCode: number;
  /** no-tls-redirect-locations: path prefixes never redirected to HTTPS. */
  readonly noTlsRedirectLocations: readonly string[];
  readonly useForwardedHeaders: boolean;
  readonly computeFullForwardedFor: boolean;
  readonly useProxyProtocol: boolean;
  /** proxy-real-ip-cidr: trusted sources of forwarded headers (default 0.0.0.0/0). */
  readonly proxyRealIpCidr: readonly string[];
  /** proxy-connect-timeout, proxy-read-timeout, proxy-send-timeout: defaults for every route. */
  readonly proxyTimeouts: ProxyTimeouts;
  /**
   * client-header-timeout in seconds: a client that has not sent its whole request head by then
   * is cut off. null when the ConfigMap does not set it: the data plane's default (60, as
   * ingress-nginx) applies.
   */
  readonly clientHeaderTimeout: number | null;
}

/**
 * Upstream timeouts in seconds, as ingress-nginx's proxy-*-timeout keys and annotations. null:
 * not configured, the data plane's default applies (ingress-nginx's: connect 5, read 60, send 60).
 * - connect: TCP connect (and TLS handshake) to one endpoint;
 * - read: wait for the response head, and between two reads of the response body;
 * - send: longest stall while sending the request body.
 */
export interface ProxyTimeouts {
  readonly connect: number | null;
  readonly read: number | null;
  readonly send: number | null;
}

export interface HstsSettings {
  readonly enabled: boolean;
  readonly maxAge: number;
  readonly includeSubdomains: boolean;
  readonly preload: boolean;
  /** The Strict-Transport-Security value to send, or null when disabled. */
  readonly header: string | null;
}
