/**
 * Kubernetes mode's object source: informers for the six kinds build() reads, coalesced ticks,
 * and a complete snapshot sorted by namespace/name. Unchanged objects keep their references from
 * one snapshot to the next (and unchanged buckets keep their arrays), so build()'s identity
 * memos make a rebuild after one change cost one object's work.
 *
 * Secrets: every Secret in the watched namespaces is watched except Helm release records
 * (`type!=helm.sh/release.v1`, as ingress-nginx filters them: large, numerous, never TLS), but
 * only referenced ones enter the snapshot (secret-refs.ts). A per-name field selector would need
 * an informer restart whenever an Ingress starts naming a new Secret, and the table would be
 * built without that Secret until the new list landed.
 */
import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import type { Diagnostic, Snapshot } from '@portcullis/config-model';
import type { BackoffOptions } from './backoff.ts';
import { createCoalescer } from './coalesce.ts';
import { createResourceInformer, type ResourceInformer } from './informer.ts';
import type { KubeLog, NamespacedName } from './log.ts';
import { type ResourceName, resourceKinds } from './resources.ts';
import { referencedSecrets, secretKey } from './secret-refs.ts';

export interface KubeSourceOptions {
  readonly kubeConfig: KubeConfig;
  /** --watch-namespace: limits the namespaced kinds (IngressClass is cluster-scoped). */
  readonly watchNamespace?: string;
  readonly log: KubeLog;
  /** Called once per burst of changes after start() resolved; then read snapshot(). */
  readonly onTick: () => void;
  /** Coalescing window (default 75 ms). */
  readonly tickMs?: number;
  /** --configmap: watched by name, in its own namespace even outside --watch-namespace. */
  readonly configMap?: NamespacedName;
  /** --default-ssl-certificate: watched by name when outside --watch-namespace. */
  readonly defaultSslCertificate?: NamespacedName;
  /** Restart backoff for failed informers (tests shorten it). */
  readonly backoff?: BackoffOptions;
}

export interface KubeSource {
  /** Starts every informer; resolves once each has listed once. Rejects if stop() comes first. */
  start(): Promise<void>;
  snapshot(): { snapshot: Snapshot; diagnostics: Diagnostic[] };
  synced(): boolean;
  /** The uid of a cached object (Events need it to show in `kubectl describe`). */
  uidOf(kind: string, namespace: string, name: string): string | undefined;
  stop(): void;
}

const helmReleases = 'type!=helm.sh/release.v1';

export function createKubeSource(options: KubeSourceOptions): KubeSource {
  const { log, watchNamespace } = options;
  let started = false;
  let stopped = false;
  const ticker = createCoalescer(options.tickMs ?? 75, () => {
    if (!stopped) options.onTick();
  });
  // Changes before start() resolves are part of the first snapshot; no tick for them.
  const onChange = (): void => {
    if (started && !stopped) ticker.signal();
  };
  const informer = (
    name: ResourceName,
    label: string,
    namespace: string | undefined,
    fieldSelector?: string,
  ) =>
    createResourceInformer({
      config: options.kubeConfig,
      resource: resourceKinds[name],
      scope: { namespace, fieldSelector, labelSelector: undefined },
      label,
      log,
      onChange,
      ...(options.backoff === undefined ? {} : { backoff: options.backoff }),
    });

  const buckets: Record<ResourceName, ResourceInformer[]> = {
    ingressClasses: [informer('ingressClasses', 'IngressClass', undefined)],
    ingresses: [informer('ingresses', 'Ingress', watchNamespace)],
    secrets: [informer('secrets', 'Secret', watchNamespace, helmReleases)],
    services: [informer('services', 'Service', watchNamespace)],
    endpointSlices: [informer('endpointSlices', 'EndpointSlice', watchNamespace)],
    configMaps: [],
  };
  const cert = options.defaultSslCertificate;
  if (cert !== undefined && watchNamespace !== undefined && cert.namespace !== watchNamespace) {
    const label = `Secret ${cert.namespace}/${cert.name} (default certificate)`;
    buckets.secrets.push(informer('secrets', label, cert.namespace, `metadata.name=${cert.name}`));
  }
  const cm = options.configMap;
  if (cm !== undefined) {
    const label = `ConfigMap ${cm.namespace}/${cm.name}`;
    buckets.configMaps.push(informer('configMaps', label, cm.namespace, `metadata.name=${cm.name}`));
  }
  const all = Object.values(buckets).flat();
  const assemble = createAssembler(buckets, cert);
  let abort: (error: Error) => void = () => {};

  return {
    async start() {
      const aborted = new Promise<never>((_, reject) => {
        abort = reject;
      });
      for (const each of all) each.start();
      await Promise.race([Promise.all(all.map((each) => each.synced)), aborted]);
      started = true;
      log.info('informers synced', { informers: all.map((each) => each.label) });
    },
    snapshot: () => ({ snapshot: assemble(), diagnostics: [] }),
    synced: () => all.every((each) => each.isSynced()),
    uidOf(kind, namespace, name) {
      const entry = Object.entries(resourceKinds).find(([, resource]) => resource.kind === kind);
      if (entry === undefined) return undefined;
      for (const each of buckets[entry[0] as ResourceName]) {
        const uid = each.get(namespace, name)?.metadata?.uid;
        if (uid !== undefined) return uid;
      }
      return undefined;
    },
    stop() {
      if (stopped) return;
      stopped = true;
      ticker.cancel();
      for (const each of all) each.stop();
      abort(new Error('kube source stopped before its informers synced'));
    },
  };
}

/** Builds snapshots, reusing each bucket's sorted array (and the snapshot) while nothing changed. */
function createAssembler(
  buckets: Record<ResourceName, ResourceInformer[]>,
  defaultCertificate: NamespacedName | undefined,
): () => Snapshot {
  const cache = new Map<string, { version: number; items: readonly unknown[] }>();
  let last: Snapshot | undefined;

  const sorted = (name: ResourceName): readonly unknown[] => {
    const informers = buckets[name];
    const version = informers.reduce((sum, each) => sum + each.version(), 0);
    const hit = cache.get(name);
    if (hit !== undefined && hit.version === version) return hit.items;
    const items = informers.flatMap((each) => each.list()).sort(byNamespaceName);
    cache.set(name, { version, items });
    return items;
  };

  const secrets = (ingresses: readonly unknown[], all: readonly unknown[]): readonly unknown[] => {
    const refs = referencedSecrets(ingresses, defaultCertificate);
    const kept = all.filter((secret) => {
      const meta = (secret as KubernetesObject).metadata;
      return refs.has(secretKey(meta?.namespace ?? '', meta?.name ?? ''));
    });
    const previous = cache.get('referencedSecrets')?.items;
    if (previous !== undefined && sameItems(previous, kept)) return previous;
    cache.set('referencedSecrets', { version: 0, items: kept });
    return kept;
  };

  return () => {
    const ingresses = sorted('ingresses');
    const next: Snapshot = {
      ingresses,
      ingressClasses: sorted('ingressClasses'),
      secrets: secrets(ingresses, sorted('secrets')),
      services: sorted('services'),
      endpointSlices: sorted('endpointSlices'),
      configMaps: sorted('configMaps'),
    };
    if (last !== undefined && sameBuckets(last, next)) return last;
    last = Object.freeze(next);
    return last;
  };
}

function byNamespaceName(a: KubernetesObject, b: KubernetesObject): number {
  const left = `${a.metadata?.namespace ?? ''}\u0000${a.metadata?.name ?? ''}`;
  const right = `${b.metadata?.namespace ?? ''}\u0000${b.metadata?.name ?? ''}`;
  return left < right ? -1 : left > right ? 1 : 0;
}

function sameItems(a: readonly unknown[], b: readonly unknown[]): boolean {
  return a.length === b.length && a.every((item, i) => item === b[i]);
}

function sameBuckets(a: Snapshot, b: Snapshot): boolean {
  return (Object.keys(a) as (keyof Snapshot)[]).every((key) => a[key] === b[key]);
}
