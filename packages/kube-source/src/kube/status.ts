/**
 * Writes status.loadBalancer.ingress of the Ingresses portcullis serves, as ingress-nginx's
 * status sync does: compare in a normalized order and skip Ingresses already showing the
 * addresses (no write, no resourceVersion churn for every watcher), otherwise read, set and
 * update through the /status subresource. A 409 Conflict means the Ingress changed between
 * read and write: read again and re-apply, a few times. Failures are logged, never thrown.
 */
import { type KubeConfig, NetworkingV1Api, type V1Ingress } from '@kubernetes/client-node';
import {
  type LoadBalancerAddress,
  normalizeAddresses,
  type PublishOptions,
  resolvePublishAddresses,
} from './addresses.ts';
import { describeError, isConflict, isNotFound } from './errors.ts';
import type { KubeLog, NamespacedName } from './log.ts';

export interface StatusWriterOptions {
  readonly kubeConfig: KubeConfig;
  readonly log: KubeLog;
  /** Attempts per Ingress when updates conflict (default 3). */
  readonly conflictAttempts?: number;
}

export interface StatusUpdateResult {
  readonly updated: number;
  readonly unchanged: number;
  readonly failed: number;
}

export interface StatusWriter {
  update(
    ingresses: readonly NamespacedName[],
    addresses: readonly LoadBalancerAddress[],
  ): Promise<StatusUpdateResult>;
  /** null when the publish Service cannot be read now: keep the current status then. */
  publishAddresses(options: PublishOptions): Promise<LoadBalancerAddress[] | null>;
}

/** ingress-nginx updates at most 10 Ingresses at once (a bounded pool). */
const concurrency = 10;

type Outcome = 'updated' | 'unchanged' | 'failed';

export function createStatusWriter(options: StatusWriterOptions): StatusWriter {
  const { log } = options;
  const api = options.kubeConfig.makeApiClient(NetworkingV1Api);
  const attempts = options.conflictAttempts ?? 3;

  const updateOne = async (ref: NamespacedName, wanted: LoadBalancerAddress[]): Promise<Outcome> => {
    const id = `${ref.namespace}/${ref.name}`;
    for (let attempt = 1; attempt <= attempts; attempt += 1) {
      let ingress: V1Ingress;
      try {
        ingress = await api.readNamespacedIngress(ref);
      } catch (error) {
        if (isNotFound(error)) return 'unchanged'; // deleted meanwhile: nothing to report on
        log.warn('cannot read Ingress for a status update', { ingress: id, error: describeError(error) });
        return 'failed';
      }
      if (sameAddresses(currentAddresses(ingress), wanted)) return 'unchanged';
      ingress.status = { ...ingress.status, loadBalancer: { ingress: wanted.map((a) => ({ ...a })) } };
      try {
        await api.replaceNamespacedIngressStatus({ ...ref, body: ingress });
        log.info('updated Ingress status', { ingress: id, addresses: wanted.map((a) => a.ip ?? a.hostname) });
        return 'updated';
      } catch (error) {
        if (isConflict(error) && attempt < attempts) continue;
        log.warn('cannot update Ingress status', { ingress: id, error: describeError(error), attempt });
        return 'failed';
      }
    }
    return 'failed';
  };

  return {
    async update(ingresses, addresses) {
      const wanted = normalizeAddresses(addresses);
      const counts = { updated: 0, unchanged: 0, failed: 0 };
      const queue = [...ingresses];
      const worker = async () => {
        for (let ref = queue.shift(); ref !== undefined; ref = queue.shift()) {
          counts[await updateOne(ref, wanted)] += 1;
        }
      };
      await Promise.all(Array.from({ length: Math.min(concurrency, queue.length) }, worker));
      return counts;
    },
    publishAddresses: (publish) => resolvePublishAddresses(options.kubeConfig, log, publish),
  };
}

function currentAddresses(ingress: V1Ingress): LoadBalancerAddress[] {
  return normalizeAddresses(
    (ingress.status?.loadBalancer?.ingress ?? []).map((entry) => ({
      ...(entry.ip === undefined ? {} : { ip: entry.ip }),
      ...(entry.hostname === undefined ? {} : { hostname: entry.hostname }),
    })),
  );
}

function sameAddresses(a: readonly LoadBalancerAddress[], b: readonly LoadBalancerAddress[]): boolean {
  return a.length === b.length && a.every((x, i) => x.ip === b[i]?.ip && x.hostname === b[i]?.hostname);
}
