/**
 * Redirects decided before proxying, each matching an ingress-nginx code path:
 * - HTTPS redirect: lua_ingress.lua redirect_to_https() + rewrite();
 * - from-to-www-redirect: nginx.tmpl's RedirectServers block (`set_by_lua_block $redirect_to`).
 */
import type { HttpSettings, Route, Server, WwwRedirect } from '@portcullis/config-model';
import type { ClientView } from './client.ts';
import type { RequestTarget } from './request-target.ts';

/**
 * redirect_to_https(): never for no-tls-redirect-locations (ingress-nginx tests the LOCATION's
 * path with strings.HasPrefix, so cert-manager's /.well-known/acme-challenge/<token> Ingress is
 * exempt, not arbitrary request paths); force-ssl-redirect whenever the client used plain HTTP;
 * ssl-redirect only when the host has a certificate. "Plain HTTP" is $pass_access_scheme, i.e.
 * X-Forwarded-Proto when forwarded headers are trusted, compared verbatim like the lua does.
 */
export function needsHttpsRedirect(
  http: HttpSettings,
  server: Server,
  route: Route,
  client: ClientView,
): boolean {
  // A plain loop: no closure per request on the hot path.
  for (const location of http.noTlsRedirectLocations) if (route.path.startsWith(location)) return false;
  if (route.redirect.forceSslRedirect && client.scheme === 'http') return true;
  if (client.scheme !== 'http') return false;
  return route.redirect.sslRedirect && server.tls !== null;
}

/**
 * rewrite(): `https://<host><request_uri>`, where host is $best_http_host up to the first ':'
 * and one trailing '/' of the URI is dropped unless preserve-trailing-slash (so `/` becomes
 * `https://host`, and `/a/?q` keeps its slash because the URI ends with the query).
 * use-port-in-redirects always writes the HTTPS listen port, 443 included.
 */
export function httpsLocation(
  route: Route,
  client: ClientView,
  target: RequestTarget,
  httpsPort: number,
): string {
  let uri = target.uri;
  if (!route.redirect.preserveTrailingSlash && uri.endsWith('/')) uri = uri.slice(0, -1);
  const host = redirectHost(client.host);
  return route.redirect.usePortInRedirects ? `https://${host}:${httpsPort}${uri}` : `https://${host}${uri}`;
}

/**
 * The www twin: same scheme ($scheme: the listener's, not X-Forwarded-Proto), the target host,
 * the HTTPS port when it is not 443 (the template adds it for both schemes), the URI without
 * one trailing '/'. The status is http-redirect-code (`return {{ HTTPRedirectCode }}`).
 */
export function wwwLocation(
  redirect: WwwRedirect,
  scheme: 'http' | 'https',
  target: RequestTarget,
  httpsPort: number,
): string {
  const uri = target.uri.endsWith('/') ? target.uri.slice(0, -1) : target.uri;
  const port = httpsPort === 443 ? '' : `:${httpsPort}`;
  return `${scheme}://${redirect.to}${port}${uri}`;
}

/**
 * ngx_re_split($best_http_host, ":")[1], except that an IPv6 literal (`[::1]:80`) keeps its
 * brackets instead of being cut at its first ':' (a broken Location in ingress-nginx).
 */
function redirectHost(bestHttpHost: string): string {
  if (bestHttpHost.startsWith('[')) return bestHttpHost.slice(0, bestHttpHost.indexOf(']') + 1);
  return bestHttpHost.split(':')[0] ?? '';
}
