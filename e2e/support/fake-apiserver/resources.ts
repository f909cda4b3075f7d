/**
 * The resource types the fake serves and the discovery documents describing them, shaped like
 * kube-apiserver's /api, /apis and APIResourceList responses (API conventions, "Discovery").
 */

export interface ResourceType {
  /** '' for the core (legacy) group served under /api. */
  readonly group: string;
  readonly version: string;
  /** Plural, lower case: the URL segment. */
  readonly resource: string;
  readonly singular: string;
  readonly kind: string;
  readonly namespaced: boolean;
  /** Has a /status subresource: writes to the main resource keep status, /status keeps the rest. */
  readonly status: boolean;
  readonly shortNames?: readonly string[];
}

const types: readonly ResourceType[] = [
  {
    group: '',
    version: 'v1',
    resource: 'secrets',
    singular: 'secret',
    kind: 'Secret',
    namespaced: true,
    status: false,
  },
  {
    group: '',
    version: 'v1',
    resource: 'services',
    singular: 'service',
    kind: 'Service',
    namespaced: true,
    status: true,
    shortNames: ['svc'],
  },
  {
    group: '',
    version: 'v1',
    resource: 'configmaps',
    singular: 'configmap',
    kind: 'ConfigMap',
    namespaced: true,
    status: false,
    shortNames: ['cm'],
  },
  {
    group: '',
    version: 'v1',
    resource: 'events',
    singular: 'event',
    kind: 'Event',
    namespaced: true,
    status: false,
    shortNames: ['ev'],
  },
  {
    group: 'networking.k8s.io',
    version: 'v1',
    resource: 'ingresses',
    singular: 'ingress',
    kind: 'Ingress',
    namespaced: true,
    status: true,
    shortNames: ['ing'],
  },
  {
    group: 'networking.k8s.io',
    version: 'v1',
    resource: 'ingressclasses',
    singular: 'ingressclass',
    kind: 'IngressClass',
    namespaced: false,
    status: false,
  },
  {
    group: 'discovery.k8s.io',
    version: 'v1',
    resource: 'endpointslices',
    singular: 'endpointslice',
    kind: 'EndpointSlice',
    namespaced: true,
    status: false,
  },
  {
    group: 'coordination.k8s.io',
    version: 'v1',
    resource: 'leases',
    singular: 'lease',
    kind: 'Lease',
    namespaced: true,
    status: false,
  },
];

export const resourceTypes = types;

export function groupVersion(type: ResourceType): string {
  return type.group === '' ? type.version : `${type.group}/${type.version}`;
}

/** `ingresses.networking.k8s.io`, as kube-apiserver names a resource in Status messages. */
export function qualifiedResource(type: ResourceType): string {
  return type.group === '' ? type.resource : `${type.resource}.${type.group}`;
}

export function typeByResource(group: string, version: string, resource: string): ResourceType | undefined {
  return types.find((t) => t.group === group && t.version === version && t.resource === resource);
}

/** Test controls name kinds (`Ingress`) rather than resources; plural or lower case works too. */
export function typeByKind(kind: string): ResourceType {
  const k = kind.toLowerCase();
  const type = types.find((t) => t.kind.toLowerCase() === k || t.resource === k);
  if (type === undefined) throw new Error(`fake-apiserver does not serve kind ${kind}`);
  return type;
}

const verbs = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'];

function resourceEntries(type: ResourceType): object[] {
  const main = {
    name: type.resource,
    singularName: type.singular,
    namespaced: type.namespaced,
    kind: type.kind,
    verbs,
    ...(type.shortNames === undefined ? {} : { shortNames: type.shortNames }),
  };
  if (!type.status) return [main];
  const status = {
    name: `${type.resource}/status`,
    singularName: '',
    namespaced: type.namespaced,
    kind: type.kind,
    verbs: ['get', 'patch', 'update'],
  };
  return [main, status];
}

/** GET /api/v1 or /apis/GROUP/VERSION; undefined for a group version the fake does not serve. */
export function apiResourceList(group: string, version: string): object | undefined {
  const served = types.filter((t) => t.group === group && t.version === version);
  if (served.length === 0) return undefined;
  const gv = group === '' ? version : `${group}/${version}`;
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: gv,
    resources: served.flatMap(resourceEntries),
  };
}

/** GET /api: the legacy group's versions. */
export function apiVersions(serverAddress: string): object {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

/** GET /apis: every named group with its (single, preferred) version. */
export function apiGroupList(): object {
  const groups = [...new Set(types.filter((t) => t.group !== '').map((t) => t.group))];
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: groups.map((name) => {
      const gv = { groupVersion: `${name}/v1`, version: 'v1' };
      return { name, versions: [gv], preferredVersion: gv };
    }),
  };
}

/** GET /apis/GROUP. */
export function apiGroup(group: string): object | undefined {
  if (!types.some((t) => t.group === group && group !== '')) return undefined;
  const gv = { groupVersion: `${group}/v1`, version: 'v1' };
  return { kind: 'APIGroup', apiVersion: 'v1', name: group, versions: [gv], preferredVersion: gv };
}

export const versionInfo = {
  major: '1',
  minor: '33',
  gitVersion: 'v1.33.0-portcullis-fake',
  gitCommit: '0000000000000000000000000000000000000000',
  gitTreeState: 'clean',
  buildDate: '2026-01-01T00:00:00Z',
  goVersion: 'go1.24.0',
  compiler: 'gc',
  platform: 'linux/amd64',
};
