/**
 * Matching, as Kubernetes documents it for Ingress v1 and as the data plane needs it per
 * request and per handshake. Host names: case-insensitive, one trailing dot ignored, a
 * `*.example.com` wildcard covers exactly one label. Paths: Exact is string equality; Prefix
 * matches element-wise (`/foo` matches `/foo` and `/foo/bar`, not `/foobar`).
 */
import type { Certificate, PassthroughTarget, Route, RoutingTable, Server } from './table.ts';

/** Lowercase, without one trailing dot; the form table keys use. */
export function normalizeHost(host: string): string {
  const lower = host.toLowerCase();
  return lower.endsWith('.') ? lower.slice(0, -1) : lower;
}

/** The `*.rest` key that could cover this host, or undefined for a single-label name. */
export function wildcardOf(host: string): string | undefined {
  const dot = host.indexOf('.');
  return dot <= 0 ? undefined : `*${host.slice(dot)}`;
}

/** Exact server, then alias, then the one-label wildcard; undefined when none. */
export function findServer(table: RoutingTable, rawHost: string): Server | undefined {
  const host = normalizeHost(rawHost);
  const exact = table.servers[host] ?? aliasTarget(table, host);
  if (exact !== undefined) return exact;
  const wildcard = wildcardOf(host);
  return wildcard === undefined ? undefined : (table.servers[wildcard] ?? aliasTarget(table, wildcard));
}

/** The server for a Host header value (without port); the catch-all when nothing matches. */
export function lookupServer(table: RoutingTable, host: string): Server {
  return findServer(table, host) ?? table.catchAll;
}

/**
 * The certificate for an SNI name: the matching TLS server's (exact, then wildcard), else the
 * default certificate. `matched` is false when only the default fits (ssl-reject-handshake uses it).
 */
export function lookupCertificate(
  table: RoutingTable,
  serverName: string | null | undefined,
): { certificate: Certificate; matched: boolean } {
  if (serverName) {
    const server = findServer(table, serverName);
    const id = server?.tls?.certificate;
    const certificate = id === undefined ? undefined : table.certificates[id];
    if (certificate !== undefined) return { certificate, matched: true };
    const redirect = table.wwwRedirects[normalizeHost(serverName)];
    const redirectCert = redirect?.certificate == null ? undefined : table.certificates[redirect.certificate];
    if (redirectCert !== undefined) return { certificate: redirectCert, matched: true };
  }
  const fallback = table.certificates[table.defaultCertificate];
  if (fallback === undefined) throw new Error('routing table has no default certificate');
  return { certificate: fallback, matched: false };
}

/** SSL passthrough target for an SNI name: exact, then one-label wildcard. */
export function lookupPassthrough(
  table: RoutingTable,
  serverName: string | null | undefined,
): PassthroughTarget | null {
  if (!serverName) return null;
  const host = normalizeHost(serverName);
  const exact = table.passthrough[host];
  if (exact !== undefined) return exact;
  const wildcard = wildcardOf(host);
  return (wildcard === undefined ? undefined : table.passthrough[wildcard]) ?? null;
}

/** The first route (routes are in match order) that matches a request path. */
export function matchRoute(server: Server, path: string): Route | undefined {
  for (const route of server.routes) if (pathMatches(route.pathType, route.path, path)) return route;
  return undefined;
}

export function pathMatches(pathType: 'Exact' | 'Prefix', routePath: string, path: string): boolean {
  if (pathType === 'Exact') return path === routePath;
  if (routePath === '/') return true;
  return (
    path.startsWith(routePath) &&
    (path.length === routePath.length || path.charCodeAt(routePath.length) === 47)
  );
}

function aliasTarget(table: RoutingTable, name: string): Server | undefined {
  const host = table.aliases[name];
  return host === undefined ? undefined : table.servers[host];
}
