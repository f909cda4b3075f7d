/**
 * Diagnostics as core/v1 Events on the object they are about, so `kubectl describe ingress`
 * shows them (it selects Events by involvedObject kind, namespace, name and uid; `uidOf` supplies
 * the uid). type Warning for error/warning, Normal for info; reason = the diagnostic code.
 *
 * Every rebuild reports every standing problem again, so, like client-go's EventCorrelator, a
 * repeat of object+reason+message bumps count/lastTimestamp on the existing Event (PATCH) rather
 * than creating another, and at most once per `repeatIntervalMs` per Event (repeats in between
 * are added to the next bump). Writes pass a token bucket and a bounded queue; whatever does not
 * fit is dropped. record() never blocks and never throws; API errors are logged.
 */
import {
  CoreV1Api,
  type CoreV1Event,
  type KubeConfig,
  PatchStrategy,
  setHeaderOptions,
} from '@kubernetes/client-node';
import type { Diagnostic } from '@portcullis/config-model';
import { describeError, isNotFound } from './errors.ts';
import type { KubeLog } from './log.ts';
import { TokenBucket } from './token-bucket.ts';

export interface EventRecorderOptions {
  readonly kubeConfig: KubeConfig;
  /** source.component / reportingComponent (default 'portcullis'). */
  readonly component?: string;
  /** source.host / reportingInstance, e.g. the pod name. */
  readonly instance?: string;
  readonly log: KubeLog;
  /** The object's uid (KubeSource.uidOf); without it `kubectl describe` does not list the Event. */
  readonly uidOf?: (kind: string, namespace: string, name: string) => string | undefined;
  readonly ratePerSecond?: number;
  readonly burst?: number;
  /** Minimum time between two writes of the same Event (default 60 s). */
  readonly repeatIntervalMs?: number;
}

export interface EventRecorder {
  record(diagnostics: readonly Diagnostic[]): void;
  /** Resolves when every queued write has finished (tests, graceful shutdown). */
  flush(): Promise<void>;
}

const apiVersions: Readonly<Record<string, string>> = {
  Ingress: 'networking.k8s.io/v1',
  IngressClass: 'networking.k8s.io/v1',
  Secret: 'v1',
  Service: 'v1',
  ConfigMap: 'v1',
  EndpointSlice: 'discovery.k8s.io/v1',
};

/** client-go's LRU size for event aggregation. */
const maxTracked = 4096;
const maxQueued = 1000;
/** Event messages are capped at 1 KiB by the API (events.k8s.io) and kubectl truncates anyway. */
const maxMessage = 1024;

interface Tracked {
  namespace: string;
  name: string;
  count: number;
  pending: number;
  lastSent: number;
  firstTimestamp: Date;
}

export function createEventRecorder(options: EventRecorderOptions): EventRecorder {
  const { log } = options;
  const component = options.component ?? 'portcullis';
  const api = options.kubeConfig.makeApiClient(CoreV1Api);
  const bucket = new TokenBucket(options.ratePerSecond ?? 10, options.burst ?? 25, Date.now());
  const repeatMs = options.repeatIntervalMs ?? 60_000;
  const tracked = new Map<string, Tracked>();
  let queued = 0;
  let tail: Promise<void> = Promise.resolve();
  let sequence = 0;
  let dropped = 0;

  const enqueue = (task: () => Promise<void>): void => {
    queued += 1;
    tail = tail
      .then(task)
      .catch((error: unknown) => log.warn('cannot write Event', { error: describeError(error) }))
      .finally(() => {
        queued -= 1;
      });
  };

  const body = (d: Diagnostic, namespace: string, entry: Tracked, now: Date): CoreV1Event => {
    const { kind, name, field } = d.object;
    const uid = options.uidOf?.(kind, d.object.namespace, name);
    return {
      metadata: { name: entry.name, namespace },
      involvedObject: {
        apiVersion: apiVersions[kind] ?? 'v1',
        kind,
        name,
        ...(d.object.namespace === '' ? {} : { namespace: d.object.namespace }),
        ...(uid === undefined ? {} : { uid }),
        ...(field === undefined ? {} : { fieldPath: field }),
      },
      reason: d.code,
      message: d.message.length > maxMessage ? `${d.message.slice(0, maxMessage - 3)}...` : d.message,
      type: d.severity === 'info' ? 'Normal' : 'Warning',
      count: entry.count,
      firstTimestamp: entry.firstTimestamp,
      lastTimestamp: now,
      source: { component, ...(options.instance === undefined ? {} : { host: options.instance }) },
      reportingComponent: component,
      reportingInstance: options.instance ?? component,
    };
  };

  const create = async (d: Diagnostic, entry: Tracked, now: Date): Promise<void> => {
    await api.createNamespacedEvent({
      namespace: entry.namespace,
      body: body(d, entry.namespace, entry, now),
    });
  };

  const bump = async (d: Diagnostic, entry: Tracked, now: Date): Promise<void> => {
    const patch = { count: entry.count, lastTimestamp: now.toISOString() };
    try {
      await api.patchNamespacedEvent(
        { name: entry.name, namespace: entry.namespace, body: patch },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
    } catch (error) {
      if (!isNotFound(error)) throw error;
      // Events expire (kube-apiserver --event-ttl, 1 h by default): start a new one.
      entry.name = eventName(d.object.name);
      await create(d, entry, now);
    }
  };

  const eventName = (objectName: string): string => {
    // client-go: <object name>.<timestamp in hex>; the sequence keeps same-millisecond names apart.
    sequence += 1;
    return `${objectName}.${(BigInt(Date.now()) * 1_000_000n + BigInt(sequence % 1_000_000)).toString(16)}`;
  };

  const recordOne = (d: Diagnostic, nowMs: number): void => {
    if (apiVersions[d.object.kind] === undefined) return; // not an API object (e.g. the fake certificate)
    const key = `${d.object.kind}\u0000${d.object.namespace}\u0000${d.object.name}\u0000${d.code}\u0000${d.message}`;
    const entry = tracked.get(key);
    if (entry !== undefined && nowMs - entry.lastSent < repeatMs) {
      entry.pending += 1;
      return;
    }
    if (queued >= maxQueued || !bucket.take(nowMs)) {
      dropped += 1;
      if (entry !== undefined) entry.pending += 1;
      return;
    }
    const now = new Date(nowMs);
    if (entry !== undefined) {
      entry.count += 1 + entry.pending;
      entry.pending = 0;
      entry.lastSent = nowMs;
      tracked.delete(key); // re-insert: Map order is the LRU order
      tracked.set(key, entry);
      enqueue(() => bump(d, entry, now));
      return;
    }
    const fresh: Tracked = {
      // Cluster-scoped objects' Events go to `default`, as client-go's recorder does.
      namespace: d.object.namespace === '' ? 'default' : d.object.namespace,
      name: eventName(d.object.name),
      count: 1,
      pending: 0,
      lastSent: nowMs,
      firstTimestamp: now,
    };
    tracked.set(key, fresh);
    if (tracked.size > maxTracked) tracked.delete(tracked.keys().next().value as string);
    enqueue(() => create(d, fresh, now));
  };

  return {
    record(diagnostics) {
      const nowMs = Date.now();
      const before = dropped;
      for (const d of diagnostics) recordOne(d, nowMs);
      if (dropped > before)
        log.debug('Events dropped by the rate limit', { dropped: dropped - before, total: dropped });
    },
    flush: async () => {
      while (queued > 0) await tail;
    },
  };
}
