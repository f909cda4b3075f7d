/**
 * Routes and servers: every rule host of every accepted Ingress becomes a server; paths become
 * routes. The oldest Ingress wins every conflict (same host+path, server-level annotations,
 * default backends), as in ingress-nginx's createServers.
 */
import { type Diagnostic, diagnostic, objectRef } from '../diagnostics.ts';
import type { Backend, Route, ServerTls } from '../table.ts';
import type { AcceptedIngress } from './accepted.ts';
import { type BackendResolver, defaultBackend } from './backends.ts';
import { compareRoutes, normalizePath, pathProblem } from './paths.ts';
import type { RouteExtras } from './route-extras.ts';

export const catchAllHost = '_';

export interface ServerDraft {
  readonly host: string;
  readonly routes: Route[];
  /** Per route: the identities it was made from (see TableFinisher). */
  readonly sources: Map<Route, string>;
  readonly compare: (a: Route, b: Route) => number;
  readonly routeOwners: Map<string, string>;
  fallback: Backend | null;
  tls: ServerTls | null;
  /** The Ingresses with rules for this host, oldest first. */
  readonly ingresses: AcceptedIngress[];
}

export function draftServers(
  accepted: readonly AcceptedIngress[],
  resolver: BackendResolver,
  extras: (ingress: AcceptedIngress) => RouteExtras,
  id: (object: object | null) => number,
  out: Diagnostic[],
): Map<string, ServerDraft> {
  const servers = new Map<string, ServerDraft>();
  const draft = (host: string): ServerDraft => {
    let server = servers.get(host);
    if (server === undefined) {
      server = {
        host,
        routes: [],
        sources: new Map(),
        compare: compareRoutes,
        routeOwners: new Map(),
        fallback: null,
        tls: null,
        ingresses: [],
      };
      servers.set(host, server);
    }
    return server;
  };
  draft(catchAllHost);

  for (const item of accepted) {
    const { ingress, ref } = item;
    const spec = ingress.spec;
    const routeExtras = extras(item);
    const ingressDefault =
      spec.defaultBackend === undefined
        ? null
        : resolver.resolve(spec.defaultBackend, ref.namespace, ref.name, 'spec.defaultBackend', out);
    // An Ingress with a default backend and no rules sets the catch-all's default backend.
    const catchAll = draft(catchAllHost);
    if ((spec.rules ?? []).length === 0 && ingressDefault !== null && catchAll.fallback === null) {
      catchAll.fallback = ingressDefault;
    }
    (spec.rules ?? []).forEach((rule, i) => {
      const host = item.hosts[i];
      if (host === undefined) return;
      const server = draft(host === '' ? catchAllHost : host);
      if (!server.ingresses.includes(item)) server.ingresses.push(item);
      if (host !== '' && server.fallback === null && ingressDefault !== null)
        server.fallback = ingressDefault;
      (rule.http?.paths ?? []).forEach((p, j) => {
        const field = `spec.rules[${i}].http.paths[${j}]`;
        const raw = p.path ?? (p.pathType === 'ImplementationSpecific' ? '/' : '');
        const problem = raw === '' ? `pathType ${p.pathType} needs a path` : pathProblem(raw);
        if (problem !== null) {
          out.push(
            diagnostic(
              'InvalidPath',
              objectRef('Ingress', ref.namespace, ref.name, `${field}.path`),
              `${problem}; this path is not served`,
            ),
          );
          return;
        }
        const { path, pathType } = normalizePath(raw, p.pathType);
        const key = `${pathType} ${path}`;
        const owner = server.routeOwners.get(key);
        if (owner !== undefined) {
          out.push(
            diagnostic(
              'DuplicateRoute',
              objectRef('Ingress', ref.namespace, ref.name, `${field}.path`),
              owner === `${ref.namespace}/${ref.name}`
                ? `${pathType} path "${path}" on host "${server.host}" is defined twice in this Ingress; the first one is served`
                : `${pathType} path "${path}" on host "${server.host}" is already defined by Ingress ${owner} (older); this one is ignored`,
            ),
          );
          return;
        }
        server.routeOwners.set(key, `${ref.namespace}/${ref.name}`);
        const backend = resolver.resolve(p.backend, ref.namespace, ref.name, `${field}.backend`, out);
        const route: Route = { path, pathType, ingress: ref, backend, ...routeExtras };
        server.routes.push(route);
        server.sources.set(route, `${id(ingress)}:${id(backend)}:${id(routeExtras)}:${pathType}:${path}`);
      });
    });
  }
  for (const server of servers.values()) server.fallback ??= defaultBackend;
  return servers;
}
