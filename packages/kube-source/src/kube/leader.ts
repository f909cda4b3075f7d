/**
 * Leader election on a coordination.k8s.io/v1 Lease, with client-go's leaderelection semantics
 * (what ingress-nginx uses for its election-id): create the Lease if absent; take it when its
 * holder is empty or has not renewed for leaseDuration; renew it every retryPeriod while
 * leading; give up leading when no renewal succeeded for renewDeadline (< leaseDuration, so the
 * old leader stops before another can start). Expiry is judged by when this process last saw the
 * record change, on its own clock, never by the timestamps in it: clocks across nodes disagree.
 * Writes carry the read resourceVersion, so of two racing candidates one gets 409 and waits.
 */
import { CoordinationV1Api, type KubeConfig, type V1Lease, V1MicroTime } from '@kubernetes/client-node';
import { toApiJson } from './api-json.ts';
import { describeError, isConflict, isNotFound } from './errors.ts';
import type { KubeLog } from './log.ts';

export interface LeaderElectorOptions {
  readonly kubeConfig: KubeConfig;
  readonly namespace: string;
  /** --election-id: the Lease's name. */
  readonly name: string;
  /** Unique per replica: pod name (or host name) plus a random suffix. */
  readonly identity: string;
  readonly leaseDurationSeconds?: number;
  readonly renewDeadlineSeconds?: number;
  readonly retryPeriodSeconds?: number;
  readonly onStartedLeading: () => void;
  readonly onStoppedLeading: () => void;
  readonly log: KubeLog;
}

export interface LeaderElector {
  start(): void;
  /** Stops campaigning; a leader releases the Lease so another replica takes over at once. */
  stop(): Promise<void>;
  isLeader(): boolean;
}

export function createLeaderElector(options: LeaderElectorOptions): LeaderElector {
  const { log, identity, namespace, name } = options;
  const api = options.kubeConfig.makeApiClient(CoordinationV1Api);
  const leaseMs = (options.leaseDurationSeconds ?? 15) * 1000;
  const renewDeadlineMs = (options.renewDeadlineSeconds ?? 10) * 1000;
  const retryMs = (options.retryPeriodSeconds ?? 2) * 1000;
  let running = false;
  let leading = false;
  let lastRenew = 0;
  let timer: NodeJS.Timeout | null = null;
  let observed = { record: '', at: 0 };
  let pass: Promise<void> = Promise.resolve();

  const spec = (previous: V1Lease['spec'] | undefined, now: number) => {
    const sameHolder = previous?.holderIdentity === identity;
    return {
      holderIdentity: identity,
      leaseDurationSeconds: Math.max(1, Math.ceil(leaseMs / 1000)),
      acquireTime:
        sameHolder && previous?.acquireTime !== undefined ? previous.acquireTime : new V1MicroTime(now),
      renewTime: new V1MicroTime(now),
      leaseTransitions: sameHolder
        ? (previous?.leaseTransitions ?? 0)
        : (previous?.leaseTransitions ?? -1) + 1,
    };
  };

  const observe = (lease: V1Lease, now: number): void => {
    const record = JSON.stringify(toApiJson(lease.spec ?? {}));
    if (record !== observed.record) observed = { record, at: now };
  };

  /** One client-go tryAcquireOrRenew: true when this replica holds the Lease afterwards. */
  const tryAcquireOrRenew = async (): Promise<boolean> => {
    const now = Date.now();
    let lease: V1Lease;
    try {
      lease = await api.readNamespacedLease({ name, namespace });
    } catch (error) {
      if (!isNotFound(error)) throw error;
      const created = await api.createNamespacedLease({
        namespace,
        body: { metadata: { name, namespace }, spec: spec(undefined, now) },
      });
      observe(created, now);
      return true;
    }
    observe(lease, now);
    const holder = lease.spec?.holderIdentity ?? '';
    const durationMs = (lease.spec?.leaseDurationSeconds ?? leaseMs / 1000) * 1000;
    if (holder !== '' && holder !== identity && observed.at + durationMs > now) return false;
    lease.spec = spec(lease.spec, now);
    observe(await api.replaceNamespacedLease({ name, namespace, body: lease }), now);
    return true;
  };

  const attempt = async (): Promise<void> => {
    let held = false;
    try {
      held = await tryAcquireOrRenew();
    } catch (error) {
      if (!isConflict(error))
        log.warn('leader election: lease update failed', {
          lease: `${namespace}/${name}`,
          error: describeError(error),
        });
    }
    if (!running) return;
    const now = Date.now();
    if (held) lastRenew = now;
    if (held && !leading) {
      leading = true;
      log.info('leader election: started leading', { lease: `${namespace}/${name}`, identity });
      options.onStartedLeading();
    } else if (!held && leading && now - lastRenew > renewDeadlineMs) {
      leading = false;
      log.warn('leader election: lost the lease', { lease: `${namespace}/${name}`, identity });
      options.onStoppedLeading();
    }
  };

  const loop = (): void => {
    timer = null;
    if (!running) return;
    pass = attempt().finally(() => {
      // client-go jitters acquisition (x1.2) so candidates do not hit the API in lockstep.
      const delay = leading ? retryMs : retryMs * (1 + Math.random() * 0.2);
      if (running) timer = setTimeout(loop, delay);
    });
  };

  const release = async (): Promise<void> => {
    try {
      const lease = await api.readNamespacedLease({ name, namespace });
      if (lease.spec?.holderIdentity !== identity) return;
      const now = new V1MicroTime(Date.now());
      lease.spec = {
        ...lease.spec,
        holderIdentity: '',
        leaseDurationSeconds: 1,
        renewTime: now,
        acquireTime: now,
      };
      await api.replaceNamespacedLease({ name, namespace, body: lease });
    } catch (error) {
      log.warn('leader election: cannot release the lease', {
        lease: `${namespace}/${name}`,
        error: describeError(error),
      });
    }
  };

  return {
    start() {
      if (running) return;
      running = true;
      loop();
    },
    async stop() {
      if (!running) return;
      running = false;
      if (timer !== null) clearTimeout(timer);
      timer = null;
      await pass;
      if (!leading) return;
      await release();
      leading = false;
      options.onStoppedLeading();
    },
    isLeader: () => leading,
  };
}
