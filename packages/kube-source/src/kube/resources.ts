/**
 * The kinds kube-source lists and watches: where each lives in the API and how to list it with
 * client-node's typed clients (which bring the kubeconfig's authentication and TLS).
 */
import {
  CoreV1Api,
  DiscoveryV1Api,
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
  NetworkingV1Api,
} from '@kubernetes/client-node';
import { listItemJson } from './api-json.ts';

export type ResourceName =
  | 'ingressClasses'
  | 'ingresses'
  | 'secrets'
  | 'services'
  | 'endpointSlices'
  | 'configMaps';

export interface ResourceKind {
  readonly name: ResourceName;
  readonly kind: string;
  readonly apiVersion: string;
  readonly plural: string;
  readonly namespaced: boolean;
}

export const resourceKinds: Readonly<Record<ResourceName, ResourceKind>> = {
  ingressClasses: kind('ingressClasses', 'IngressClass', 'networking.k8s.io/v1', 'ingressclasses', false),
  ingresses: kind('ingresses', 'Ingress', 'networking.k8s.io/v1', 'ingresses', true),
  secrets: kind('secrets', 'Secret', 'v1', 'secrets', true),
  services: kind('services', 'Service', 'v1', 'services', true),
  endpointSlices: kind('endpointSlices', 'EndpointSlice', 'discovery.k8s.io/v1', 'endpointslices', true),
  configMaps: kind('configMaps', 'ConfigMap', 'v1', 'configmaps', true),
};

function kind(
  name: ResourceName,
  kindName: string,
  apiVersion: string,
  plural: string,
  namespaced: boolean,
): ResourceKind {
  return { name, kind: kindName, apiVersion, plural, namespaced };
}

/** The collection's URL path (what the watch requests), e.g. /api/v1/namespaces/ns/secrets. */
export function collectionPath(resource: ResourceKind, namespace: string | undefined): string {
  const root = resource.apiVersion === 'v1' ? '/api/v1' : `/apis/${resource.apiVersion}`;
  const scope = resource.namespaced && namespace !== undefined ? `/namespaces/${namespace}` : '';
  return `${root}${scope}/${resource.plural}`;
}

export interface ListScope {
  /** undefined: every namespace (or a cluster-scoped kind). */
  readonly namespace: string | undefined;
  readonly fieldSelector: string | undefined;
  readonly labelSelector: string | undefined;
}

export type Lister = () => Promise<KubernetesListObject<KubernetesObject>>;

type Query = { fieldSelector?: string; labelSelector?: string };
type ListCall = (
  namespace: string | undefined,
  query: Query,
) => Promise<{ metadata?: unknown; items: unknown[] }>;

/** A list function for ListWatch whose items are plain API JSON with apiVersion and kind set. */
export function lister(config: KubeConfig, resource: ResourceKind, scope: ListScope): Lister {
  const call = listCall(config, resource.name);
  const query: Query = {};
  if (scope.fieldSelector !== undefined) query.fieldSelector = scope.fieldSelector;
  if (scope.labelSelector !== undefined) query.labelSelector = scope.labelSelector;
  return async () => {
    const list = await call(scope.namespace, query);
    const metadata = (list.metadata ?? {}) as { resourceVersion?: string };
    const items = list.items.map((item) => listItemJson(item, resource.apiVersion, resource.kind));
    const listMeta =
      metadata.resourceVersion === undefined ? {} : { resourceVersion: metadata.resourceVersion };
    return { metadata: listMeta, items: items as unknown as KubernetesObject[] };
  };
}

function listCall(config: KubeConfig, name: ResourceName): ListCall {
  const core = config.makeApiClient(CoreV1Api);
  const networking = config.makeApiClient(NetworkingV1Api);
  const discovery = config.makeApiClient(DiscoveryV1Api);
  switch (name) {
    case 'ingressClasses':
      return (_ns, q) => networking.listIngressClass(q);
    case 'ingresses':
      return (ns, q) =>
        ns === undefined
          ? networking.listIngressForAllNamespaces(q)
          : networking.listNamespacedIngress({ ...q, namespace: ns });
    case 'secrets':
      return (ns, q) =>
        ns === undefined
          ? core.listSecretForAllNamespaces(q)
          : core.listNamespacedSecret({ ...q, namespace: ns });
    case 'services':
      return (ns, q) =>
        ns === undefined
          ? core.listServiceForAllNamespaces(q)
          : core.listNamespacedService({ ...q, namespace: ns });
    case 'endpointSlices':
      return (ns, q) =>
        ns === undefined
          ? discovery.listEndpointSliceForAllNamespaces(q)
          : discovery.listNamespacedEndpointSlice({ ...q, namespace: ns });
    case 'configMaps':
      return (ns, q) =>
        ns === undefined
          ? core.listConfigMapForAllNamespaces(q)
          : core.listNamespacedConfigMap({ ...q, namespace: ns });
  }
}
