/**
 * What one accepted Ingress brings to the servers, before it meets other Ingresses: its
 * default backend, its per-route extras, its client-auth outcome and its valid, normalized
 * paths per rule, with the diagnostics about them. Memoized per AcceptedIngress (itself memoized
 * per Ingress object) and reused while the Secrets and Services it read are the same objects, so
 * an unchanged Ingress costs a WeakMap lookup per build.
 */
import type { ClientAuth } from '../annotations/types.ts';
import { type Diagnostic, diagnostic, objectRef } from '../diagnostics.ts';
import type { IngressBackend } from '../objects/schemas.ts';
import type { Backend, PathType } from '../table.ts';
import type { AcceptedIngress } from './accepted.ts';
import type { BackendResolver } from './backends.ts';
import type { CertificateStore } from './certificates.ts';
import { exact } from './exact.ts';
import { normalizePath, pathProblem } from './paths.ts';
import { clientAuth, type RouteExtras, routeExtras } from './route-extras.ts';
import { type ChangeTracker, type Checked, Scope } from './tracker.ts';

/** A path that passed validation; duplicates are settled per host (servers.ts). */
export interface PathEntry {
  /** `spec.rules[i].http.paths[j]`, for diagnostics. */
  readonly field: string;
  readonly path: string;
  readonly pathType: PathType;
  /** `${pathType} ${path}`: what makes two routes of one host the same route. */
  readonly key: string;
  readonly backend: IngressBackend;
}

export interface Contribution extends Checked {
  readonly item: AcceptedIngress;
  /** spec.defaultBackend resolved, or null. */
  readonly ingressDefault: Backend | null;
  readonly extras: RouteExtras;
  readonly auth: ClientAuth | null | 'denied';
  /** Per rule, its valid paths; undefined for a rule whose host is invalid (not served). */
  readonly paths: readonly (readonly PathEntry[] | undefined)[];
  readonly diagnostics: readonly Diagnostic[];
}

export class Contributions {
  readonly #memo = new WeakMap<AcceptedIngress, Contribution>();
  readonly #tracker: ChangeTracker;
  readonly #resolver: BackendResolver;
  readonly #store: CertificateStore;

  constructor(tracker: ChangeTracker, resolver: BackendResolver, store: CertificateStore) {
    this.#tracker = tracker;
    this.#resolver = resolver;
    this.#store = store;
  }

  of(item: AcceptedIngress): Contribution {
    const memo = this.#memo.get(item);
    if (memo !== undefined && this.#tracker.unchanged(memo)) return memo;
    const fresh = this.#compute(item);
    this.#memo.set(item, fresh);
    return fresh;
  }

  #compute(item: AcceptedIngress): Contribution {
    const scope = new Scope();
    const { ingress, ref } = item;
    let auth: Contribution['auth'] = null;
    let extras: RouteExtras | undefined;
    let ingressDefault: Backend | null = null;
    this.#store.within(scope, () => {
      auth = clientAuth(item, this.#store);
      extras = routeExtras(item, this.#store, auth === 'denied');
      if (ingress.spec.defaultBackend !== undefined) {
        const field = 'spec.defaultBackend';
        ingressDefault = this.#resolver.resolve(
          ingress.spec.defaultBackend,
          ref.namespace,
          ref.name,
          field,
          scope,
        );
      }
    });
    const paths = (ingress.spec.rules ?? []).map((rule, i) =>
      item.hosts[i] === undefined
        ? undefined
        : validPaths(item, rule.http?.paths ?? [], i, scope.diagnostics),
    );
    return {
      item,
      ingressDefault,
      extras: extras as unknown as RouteExtras,
      auth,
      paths,
      diagnostics: exact(scope.diagnostics),
      deps: exact(scope.deps),
      checkedAt: this.#tracker.generation,
    };
  }
}

type HttpPath = NonNullable<
  NonNullable<AcceptedIngress['ingress']['spec']['rules']>[number]['http']
>['paths'][number];

function validPaths(
  item: AcceptedIngress,
  paths: readonly HttpPath[],
  i: number,
  out: Diagnostic[],
): PathEntry[] {
  const entries: PathEntry[] = [];
  paths.forEach((p, j) => {
    const field = `spec.rules[${i}].http.paths[${j}]`;
    const raw = p.path ?? (p.pathType === 'ImplementationSpecific' ? '/' : '');
    const problem = raw === '' ? `pathType ${p.pathType} needs a path` : pathProblem(raw);
    if (problem !== null) {
      out.push(
        diagnostic(
          'InvalidPath',
          objectRef('Ingress', item.ref.namespace, item.ref.name, `${field}.path`),
          `${problem}; this path is not served`,
        ),
      );
      return;
    }
    const { path, pathType } = normalizePath(raw, p.pathType);
    entries.push({ field, path, pathType, key: `${pathType} ${path}`, backend: p.backend });
  });
  return entries;
}
