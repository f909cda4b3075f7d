/**
 * Routes and servers: every rule host of every accepted Ingress becomes a server; paths become
 * routes. The oldest Ingress wins every conflict (same host+path, server-level annotations,
 * default backends), as in ingress-nginx's createServers.
 */
import { diagnostic, objectRef } from '../diagnostics.ts';
import type { Backend, Route, ServerTls } from '../table.ts';
import type { AcceptedIngress } from './accepted.ts';
import { type BackendResolver, defaultBackend } from './backends.ts';
import type { Contribution, PathEntry } from './contributions.ts';
import { compareRoutes } from './paths.ts';
import type { Scope } from './tracker.ts';

export const catchAllHost = '_';

export interface ServerDraft {
  readonly host: string;
  readonly routes: Route[];
  /** Per route: the objects and values it was made from (see TableFinisher.server). */
  readonly sources: Map<Route, readonly unknown[]>;
  readonly compare: (a: Route, b: Route) => number;
  readonly routeOwners: Map<string, string>;
  fallback: Backend | null;
  tls: ServerTls | null;
  /** The Ingresses with rules for this host, oldest first. */
  readonly ingresses: AcceptedIngress[];
}

/**
 * The server for one host from the Ingresses with rules for it (`members`, oldest first).
 * Members are walked in order and, within one, rule by rule, as ingress-nginx's createServers
 * walks all Ingresses: the first route for a path and the first default backend win. The
 * catch-all host takes the rules without host, and its default backend from the oldest
 * Ingress that has no rules at all.
 */
export function draftServer(
  host: string,
  members: readonly Contribution[],
  resolver: BackendResolver,
  scope: Scope,
): ServerDraft {
  const server: ServerDraft = {
    host,
    routes: [],
    sources: new Map(),
    compare: compareRoutes,
    routeOwners: new Map(),
    fallback: null,
    tls: null,
    ingresses: [],
  };
  for (const member of members) {
    const { item, ingressDefault } = member;
    const rules = item.ingress.spec.rules ?? [];
    if (host === catchAllHost && rules.length === 0 && ingressDefault !== null)
      server.fallback ??= ingressDefault;
    rules.forEach((_, i) => {
      const ruleHost = item.hosts[i];
      if (ruleHost === undefined || (ruleHost === '' ? catchAllHost : ruleHost) !== host) return;
      if (!server.ingresses.includes(item)) server.ingresses.push(item);
      if (ruleHost !== '' && ingressDefault !== null) server.fallback ??= ingressDefault;
      for (const entry of member.paths[i] ?? []) addRoute(server, member, entry, resolver, scope);
    });
  }
  server.fallback ??= defaultBackend;
  return server;
}

function addRoute(
  server: ServerDraft,
  member: Contribution,
  entry: PathEntry,
  resolver: BackendResolver,
  scope: Scope,
): void {
  const { ingress, ref } = member.item;
  const { path, pathType } = entry;
  const owner = server.routeOwners.get(entry.key);
  if (owner !== undefined) {
    scope.diagnostics.push(
      diagnostic(
        'DuplicateRoute',
        objectRef('Ingress', ref.namespace, ref.name, `${entry.field}.path`),
        owner === `${ref.namespace}/${ref.name}`
          ? `${pathType} path "${path}" on host "${server.host}" is defined twice in this Ingress; the first one is served`
          : `${pathType} path "${path}" on host "${server.host}" is already defined by Ingress ${owner} (older); this one is ignored`,
      ),
    );
    return;
  }
  server.routeOwners.set(entry.key, `${ref.namespace}/${ref.name}`);
  const field = `${entry.field}.backend`;
  const backend = resolver.resolve(entry.backend, ref.namespace, ref.name, field, scope);
  const { extras } = member;
  const route: Route = { path, pathType, ingress: ref, backend, ...extras };
  server.routes.push(route);
  server.sources.set(route, [ingress, backend, extras, pathType, path]);
}
