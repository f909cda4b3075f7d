/**
 * The Kubernetes API calls the controller makes, as RBAC grants: the deploy tests require the
 * chart's and the kustomize base's ClusterRole + Role to grant exactly these, nothing more.
 * When kube-source's Kubernetes client gains or drops a call, change this list with it.
 *
 * - list/watch (informers) and get on the six kinds build() reads (DESIGN.md), cluster-wide;
 * - update/patch on ingresses/status (the load-balancer addresses, leader only);
 * - create/patch on core Events (diagnostics as Events; client-go's recorder patches repeats);
 * - get/create/update on the --election-id Lease in the controller's namespace.
 */
import type { Manifest } from './deploy-render.ts';

export const clusterCalls: readonly string[] = [
  ...['configmaps', 'secrets', 'services'].flatMap((r) =>
    ['get', 'list', 'watch'].map((v) => `core/${r}:${v}`),
  ),
  ...['get', 'list', 'watch'].map((v) => `discovery.k8s.io/endpointslices:${v}`),
  ...['ingresses', 'ingressclasses'].flatMap((r) =>
    ['get', 'list', 'watch'].map((v) => `networking.k8s.io/${r}:${v}`),
  ),
  'networking.k8s.io/ingresses/status:update',
  'networking.k8s.io/ingresses/status:patch',
  'core/events:create',
  'core/events:patch',
].sort();

export const namespaceCalls: readonly string[] = [
  'coordination.k8s.io/leases:create',
  'coordination.k8s.io/leases:get',
  'coordination.k8s.io/leases:update',
].sort();

export interface Grant {
  readonly key: string;
  readonly resourceNames: readonly string[];
}

/** Each rule's (group/resource:verb) grants; wildcards are kept as `*` so they fail the match. */
export function grants(role: Manifest): Grant[] {
  return (role.rules as Manifest[]).flatMap((rule) =>
    (rule.apiGroups as string[]).flatMap((group) =>
      (rule.resources as string[]).flatMap((resource) =>
        (rule.verbs as string[]).map((verb) => ({
          key: `${group === '' ? 'core' : group}/${resource}:${verb}`,
          resourceNames: (rule.resourceNames as string[] | undefined) ?? [],
        })),
      ),
    ),
  );
}

export function grantKeys(role: Manifest): string[] {
  return [...new Set(grants(role).map((g) => g.key))].sort();
}
