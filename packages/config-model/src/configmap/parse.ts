/**
 * The controller ConfigMap (--configmap) -> Settings. Only the TLS/HTTPS keys portcullis
 * implements are read; every other key gets one UnknownConfigMapKey info diagnostic so operators
 * see what is ignored. A bad value falls back to ingress-nginx's default with an
 * InvalidConfigMapValue warning naming the key, the value and what is used instead.
 */
import type { Diagnostic, ObjectRef } from '../diagnostics.ts';
import {
  parseGoInt,
  parseTimeoutSeconds,
  parseUnsignedInt,
  quote,
  splitList,
  timeoutExpected,
} from '../values.ts';
import { isIpOrCidr } from './cidr.ts';
import { defaultSettings, hstsHeader } from './defaults.ts';
import { describeDropped, KeyReader, showNumber } from './reader.ts';
import { readTlsSettings } from './tls-keys.ts';
import type { HstsSettings, HttpSettings, Settings } from './types.ts';

export { defaultSettings } from './defaults.ts';

/** The keys read here, for the README coverage table and the unknown-key check. */
export const supportedConfigMapKeys: readonly string[] = Object.freeze([
  'ssl-protocols',
  'ssl-ciphers',
  'ssl-ecdh-curve',
  'ssl-session-cache',
  'ssl-session-cache-size',
  'ssl-session-timeout',
  'ssl-session-tickets',
  'ssl-session-ticket-key',
  'ssl-reject-handshake',
  'use-http2',
  'hsts',
  'hsts-max-age',
  'hsts-include-subdomains',
  'hsts-preload',
  'ssl-redirect',
  'force-ssl-redirect',
  'preserve-trailing-slash',
  'use-port-in-redirects',
  'http-redirect-code',
  'no-tls-redirect-locations',
  'use-forwarded-headers',
  'compute-full-forwarded-for',
  'use-proxy-protocol',
  'proxy-real-ip-cidr',
  'proxy-connect-timeout',
  'proxy-read-timeout',
  'proxy-send-timeout',
  'client-header-timeout',
]);

const supported = new Set(supportedConfigMapKeys);

export function parseSettings(
  data: Readonly<Record<string, string>> | undefined,
  source: ObjectRef | null,
): { settings: Settings; diagnostics: Diagnostic[] } {
  if (data === undefined) return { settings: defaultSettings, diagnostics: [] };
  const r = new KeyReader(data, source);
  const settings: Settings = {
    tls: readTlsSettings(r),
    http: readHttpSettings(r),
    hsts: readHsts(r),
    redirect: {
      sslRedirect: r.bool('ssl-redirect', defaultSettings.redirect.sslRedirect),
      forceSslRedirect: r.bool('force-ssl-redirect', defaultSettings.redirect.forceSslRedirect),
      preserveTrailingSlash: r.bool(
        'preserve-trailing-slash',
        defaultSettings.redirect.preserveTrailingSlash,
      ),
      usePortInRedirects: r.bool('use-port-in-redirects', defaultSettings.redirect.usePortInRedirects),
    },
  };
  for (const key of r.keys()) if (!supported.has(key)) r.unknown(key);
  return { settings, diagnostics: r.diagnostics };
}

/** hsts-max-age is RFC 6797 §6.1.1 delta-seconds: digits only. */
function readHsts(r: KeyReader): HstsSettings {
  const d = defaultSettings.hsts;
  const hsts = {
    enabled: r.bool('hsts', d.enabled),
    maxAge: r.value(
      'hsts-max-age',
      d.maxAge,
      parseUnsignedInt,
      'a non-negative number of seconds',
      showNumber,
    ),
    includeSubdomains: r.bool('hsts-include-subdomains', d.includeSubdomains),
    preload: r.bool('hsts-preload', d.preload),
  };
  return { ...hsts, header: hstsHeader(hsts) };
}

// ingress-nginx's ReadConfig accepts only these for http-redirect-code and logs + keeps 308
// for anything else.
const redirectCodes = new Set([301, 302, 307, 308]);

function readHttpSettings(r: KeyReader): HttpSettings {
  const d = defaultSettings.http;
  return {
    redirectCode: r.value(
      'http-redirect-code',
      d.redirectCode,
      (s) => {
        const code = parseGoInt(s);
        return code !== undefined && redirectCodes.has(code) ? code : undefined;
      },
      '301, 302, 307 or 308',
      showNumber,
    ),
    noTlsRedirectLocations: readNoTlsRedirectLocations(r),
    useForwardedHeaders: r.bool('use-forwarded-headers', d.useForwardedHeaders),
    computeFullForwardedFor: r.bool('compute-full-forwarded-for', d.computeFullForwardedFor),
    useProxyProtocol: r.bool('use-proxy-protocol', d.useProxyProtocol),
    proxyRealIpCidr: readProxyRealIpCidr(r),
    proxyTimeouts: {
      connect: readSeconds(r, 'proxy-connect-timeout', 5),
      read: readSeconds(r, 'proxy-read-timeout', 60),
      send: readSeconds(r, 'proxy-send-timeout', 60),
    },
    clientHeaderTimeout: readSeconds(r, 'client-header-timeout', 60),
  };
}

/**
 * A timeout in whole seconds (ingress-nginx's Go int fields; nginx gets "<n>s"). Unset stays null
 * (the data plane's default, which is ingress-nginx's); a bad value falls back to that default.
 */
function readSeconds(r: KeyReader, key: string, ingressNginxDefault: number): number | null {
  const value = r.raw(key);
  if (value === undefined) return null;
  const seconds = parseTimeoutSeconds(value);
  if (seconds !== undefined) return seconds;
  r.invalid(key, value, `expected ${timeoutExpected}`, `the default ${ingressNginxDefault}`);
  return null;
}

/**
 * no-tls-redirect-locations: comma separated path prefixes. ingress-nginx compares them with
 * strings.HasPrefix against location paths, so an entry not starting with '/' never matches
 * anything; it is dropped with a warning instead of silently doing nothing.
 */
function readNoTlsRedirectLocations(r: KeyReader): readonly string[] {
  const key = 'no-tls-redirect-locations';
  const value = r.raw(key);
  if (value === undefined) return defaultSettings.http.noTlsRedirectLocations;
  const items = splitList(value);
  const kept = items.filter((item) => item.startsWith('/'));
  const dropped = items.filter((item) => !item.startsWith('/'));
  if (dropped.length > 0) {
    r.invalid(key, value, describeDropped(dropped, "a path starting with '/'"), quote(kept.join(',')));
  }
  return kept;
}

/**
 * proxy-real-ip-cidr: comma separated addresses/CIDRs trusted to set forwarded headers. Invalid
 * entries are dropped. Deliberately NOT "fall back to the default" when nothing valid is left:
 * the default 0.0.0.0/0 trusts every client, so a typo in a restriction would open it up. An
 * empty list trusts no one (as an empty value does in ingress-nginx).
 */
function readProxyRealIpCidr(r: KeyReader): readonly string[] {
  const key = 'proxy-real-ip-cidr';
  const value = r.raw(key);
  if (value === undefined) return defaultSettings.http.proxyRealIpCidr;
  const items = splitList(value);
  const kept = items.filter(isIpOrCidr);
  const dropped = items.filter((item) => !isIpOrCidr(item));
  if (dropped.length > 0) {
    const used =
      kept.length > 0 ? quote(kept.join(',')) : 'no trusted addresses (forwarded headers are not trusted)';
    r.invalid(key, value, describeDropped(dropped, 'an IP address or CIDR'), used);
  }
  return kept;
}
