/** A snapshot is every object build() may read, as raw (unvalidated) JSON values. */
export interface Snapshot {
  readonly ingresses: readonly unknown[];
  readonly ingressClasses: readonly unknown[];
  readonly secrets: readonly unknown[];
  readonly services: readonly unknown[];
  readonly endpointSlices: readonly unknown[];
  readonly configMaps: readonly unknown[];
}

export const emptySnapshot: Snapshot = Object.freeze({
  ingresses: [],
  ingressClasses: [],
  secrets: [],
  services: [],
  endpointSlices: [],
  configMaps: [],
});

type SnapshotKey = keyof Snapshot;

/** apiVersion/kind -> snapshot bucket. Core kinds need apiVersion v1. */
const kinds: Record<string, SnapshotKey> = {
  'networking.k8s.io/v1/Ingress': 'ingresses',
  'networking.k8s.io/v1/IngressClass': 'ingressClasses',
  'v1/Secret': 'secrets',
  'v1/Service': 'services',
  'discovery.k8s.io/v1/EndpointSlice': 'endpointSlices',
  'v1/ConfigMap': 'configMaps',
};

/** Where an object of this apiVersion/kind goes in a snapshot, or undefined if build() ignores it. */
export function snapshotKey(apiVersion: unknown, kind: unknown): SnapshotKey | undefined {
  if (typeof apiVersion !== 'string' || typeof kind !== 'string') return undefined;
  return kinds[`${apiVersion}/${kind}`];
}

/**
 * Sorts raw objects into a snapshot. Returns the objects it does not know (e.g. Deployments in
 * a manifests directory) so the caller can report them; `List` kinds are flattened.
 */
export function snapshotFromObjects(objects: Iterable<unknown>): { snapshot: Snapshot; ignored: unknown[] } {
  const buckets: Record<SnapshotKey, unknown[]> = {
    ingresses: [],
    ingressClasses: [],
    secrets: [],
    services: [],
    endpointSlices: [],
    configMaps: [],
  };
  const ignored: unknown[] = [];
  const visit = (object: unknown): void => {
    if (typeof object !== 'object' || object === null) {
      ignored.push(object);
      return;
    }
    const { apiVersion, kind, items } = object as Record<string, unknown>;
    if (typeof kind === 'string' && kind.endsWith('List') && Array.isArray(items)) {
      for (const item of items) visit(item);
      return;
    }
    const key = snapshotKey(apiVersion, kind);
    if (key === undefined) ignored.push(object);
    else buckets[key].push(object);
  };
  for (const object of objects) visit(object);
  return { snapshot: buckets, ignored };
}
