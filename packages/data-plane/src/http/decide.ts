/**
 * What to do with one request, decided against one routing table. The order is nginx's phases:
 * 400 for a target nginx cannot parse; the www twin server (its own server block); the client
 * certificate (checked before any location); then in the location, the `return` directives
 * (denied -> 503, permanent/temporal-redirect) run before lua_ingress's HTTPS redirect; then
 * the default backend's 404, the balancer's 503 without endpoints, and finally proxying.
 */
import type { IncomingHttpHeaders } from 'node:http';
import {
  lookupServer,
  matchRoute,
  type Route,
  type RoutingTable,
  type Server,
  type UpstreamPolicy,
} from '@portcullis/config-model';
import { plainUpstream } from '../proxy/policy.ts';
import { type ConnectionFacts, clientView } from './client.ts';
import { clientCertificate } from './client-cert.ts';
import type { Labels } from './observe.ts';
import { httpsLocation, needsHttpsRedirect, wwwLocation } from './redirect.ts';
import { parseRequestTarget } from './request-target.ts';
import { type LocalReply, reply } from './responses.ts';
import type { ForwardTarget, UpstreamHeaders } from './types.ts';
import { upstreamHeaders } from './upstream-headers.ts';

export interface RequestFacts {
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  /** The TLS socket on the HTTPS listener (client certificate); anything on plain HTTP. */
  readonly socket: unknown;
  readonly requestId: string;
  readonly upgrade: boolean;
}

export type Decision =
  | { readonly kind: 'reply'; readonly reply: LocalReply; readonly labels: Labels }
  | {
      readonly kind: 'forward';
      readonly target: ForwardTarget;
      readonly headers: UpstreamHeaders;
      readonly labels: Labels;
    };

/** nginx.tmpl only sets these when auth-tls is configured; then a client cannot supply them. */
const clientCertHeaders = [
  'ssl-client-verify',
  'ssl-client-subject-dn',
  'ssl-client-issuer-dn',
  'ssl-client-cert',
];

export function decide(table: RoutingTable, conn: ConnectionFacts, req: RequestFacts): Decision {
  const target = parseRequestTarget(req.url, req.headers);
  if (target === null) return local(reply(400), labelsFor(''));
  const www = table.wwwRedirects[target.host];
  if (www !== undefined) {
    const location = wwwLocation(www, conn.scheme, target, conn.httpsPort);
    return local(reply(table.http.redirectCode, location), labelsFor(target.host));
  }
  const server = lookupServer(table, target.host);
  const clientAuth = conn.scheme === 'https' ? (server.tls?.clientAuth ?? null) : null;
  const cert = clientCertificate(req.socket, clientAuth);
  if (cert.rejectWith !== null) return local(reply(cert.rejectWith), labelsFor(target.host));
  // A request no path matches goes to the server's root location, which carries the policy of
  // the host's Ingress (see rootLocation), so it is redirected/denied the same way.
  const route = matchRoute(server, target.path) ?? rootLocation(table, server);
  const client = clientView(table.http, conn, target, req.headers);
  const labels = labelsFor(target.host, route);
  if (route.denied !== null) return local(reply(503), labels);
  if (route.fixedRedirect !== null)
    return local(reply(route.fixedRedirect.code, route.fixedRedirect.url), labels);
  if (needsHttpsRedirect(table.http, server, route, client)) {
    const location = httpsLocation(route, client, target, conn.httpsPort);
    return local(reply(table.http.redirectCode, location), labels);
  }
  const backend = route.backend;
  if (backend.type === 'default') return local(reply(404), labels);
  // ingress-nginx's balancer answers 503 when the Service has no ready endpoint.
  if (backend.endpoints.length === 0) return local(reply(503), labels);
  const headers = upstreamHeaders(req.headers, client, table.http, req.requestId, req.upgrade);
  if (clientAuth !== null) for (const name of clientCertHeaders) delete headers[name];
  Object.assign(headers, cert.headers);
  return { kind: 'forward', target: { backend, upstream: route.upstream, route }, headers, labels };
}

function local(localReply: LocalReply, labels: Labels): Decision {
  return { kind: 'reply', reply: localReply, labels };
}

function labelsFor(host: string, route?: Route): Labels {
  if (route === undefined) return { host, path: '', namespace: '', ingress: '', service: '' };
  const service = route.backend.type === 'service' ? route.backend.service : '';
  return { host, path: route.path, namespace: route.ingress.namespace, ingress: route.ingress.name, service };
}

/** Per server: its root location, and the ConfigMap-derived policy it was built with. */
const rootLocations = new WeakMap<Server, { readonly route: Route; readonly plain: UpstreamPolicy }>();

/**
 * ingress-nginx's createServers gives every host server a root location `/` on the default
 * backend (or the Ingress's spec.defaultBackend) and applies the annotations of the Ingress
 * that created the server (locationApplyAnnotations: ssl-redirect, permanent-redirect, denied,
 * backend-protocol...). The catch-all server's keeps no redirect policy ("skip for now" there).
 * The table has no field for that Ingress, so its policy is borrowed from a route: the one of
 * the Ingress that owns the host's TLS section, else the host's last (shortest) route.
 * A server object can outlive a ConfigMap change (the table reuses unchanged servers), so the
 * memo is also keyed by the plain policy, which carries the ConfigMap's proxy timeouts.
 */
function rootLocation(table: RoutingTable, server: Server): Route {
  const plain = plainUpstream(table);
  const memo = rootLocations.get(server);
  if (memo !== undefined && memo.plain === plain) return memo.route;
  const owner = server === table.catchAll ? undefined : policyOwner(server);
  const route: Route = Object.freeze({
    path: '/',
    pathType: 'Prefix',
    ingress: owner?.ingress ?? noIngress,
    backend: server.fallback,
    redirect: owner?.redirect ?? noRedirect,
    upstream: owner?.upstream ?? plain,
    fixedRedirect: owner?.fixedRedirect ?? null,
    denied: owner?.denied ?? null,
  } satisfies Route);
  rootLocations.set(server, { route, plain });
  return route;
}

function policyOwner(server: Server): Route | undefined {
  const tlsOwner = server.tls?.ingress;
  const owned = server.routes.find(
    (r) =>
      tlsOwner !== undefined &&
      r.ingress.namespace === tlsOwner.namespace &&
      r.ingress.name === tlsOwner.name,
  );
  return owned ?? server.routes.at(-1);
}

const noIngress = Object.freeze({ namespace: '', name: '' });
const noRedirect = Object.freeze({
  sslRedirect: false,
  forceSslRedirect: false,
  preserveTrailingSlash: false,
  usePortInRedirects: false,
});
