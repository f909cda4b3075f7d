/**
 * ingress-nginx's defaults for the ConfigMap keys portcullis honours (internal/ingress/
 * controller/config/config.go NewDefault), and the Strict-Transport-Security value its template
 * renders from the hsts-* keys.
 */
import { deepFreeze } from '../deep-freeze.ts';
import type { HstsSettings, Settings } from './types.ts';

/** ingress-nginx's default ssl-ciphers (Mozilla "intermediate", TLS <= 1.2 only). */
export const defaultSslCiphers = [
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
  'DHE-RSA-AES256-GCM-SHA384',
  'DHE-RSA-AES128-GCM-SHA256',
].join(':');

/**
 * The header exactly as ingress-nginx's nginx.tmpl writes it:
 * `max-age=N[; includeSubDomains][; preload]`, and no header at all when hsts is false.
 */
export function hstsHeader(hsts: Omit<HstsSettings, 'header'>): string | null {
  if (!hsts.enabled) return null;
  const subdomains = hsts.includeSubdomains ? '; includeSubDomains' : '';
  const preload = hsts.preload ? '; preload' : '';
  return `max-age=${hsts.maxAge}${subdomains}${preload}`;
}

const defaultHsts = { enabled: true, maxAge: 31536000, includeSubdomains: true, preload: false } as const;

export const defaultSettings: Settings = deepFreeze({
  tls: {
    protocols: ['TLSv1.2', 'TLSv1.3'],
    ciphers: defaultSslCiphers,
    ecdhCurve: 'auto',
    sessionCache: true,
    sessionCacheSize: 10 * 1024 * 1024,
    sessionTimeout: 600,
    sessionTickets: false,
    sessionTicketKey: null,
    rejectHandshake: false,
    useHttp2: true,
  },
  http: {
    redirectCode: 308,
    noTlsRedirectLocations: ['/.well-known/acme-challenge'],
    useForwardedHeaders: false,
    computeFullForwardedFor: false,
    useProxyProtocol: false,
    proxyRealIpCidr: ['0.0.0.0/0'],
    proxyTimeouts: { connect: null, read: null, send: null },
    clientHeaderTimeout: null,
  },
  hsts: { ...defaultHsts, header: hstsHeader(defaultHsts) },
  redirect: {
    sslRedirect: true,
    forceSslRedirect: false,
    preserveTrailingSlash: false,
    usePortInRedirects: false,
  },
});
