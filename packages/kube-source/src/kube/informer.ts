/**
 * One list/watch of one kind (client-node's ListWatch), kept alive. ListWatch relists by itself
 * on 410 Gone and reconnects after a normal close, but any other failure (connection refused,
 * 403, 500, a failed list) stops it for good; here it is restarted with capped backoff and a log
 * line naming the resource. Its cache survives the restart, so while the API server is
 * unreachable the last objects keep serving, and a relist after recovery keeps the references of
 * unchanged objects (same resourceVersion), which build() memoizes on.
 */
import { type KubeConfig, type KubernetesObject, ListWatch, Watch } from '@kubernetes/client-node';
import { deepFreeze } from './api-json.ts';
import { Backoff, type BackoffOptions } from './backoff.ts';
import { describeError } from './errors.ts';
import type { KubeLog } from './log.ts';
import { collectionPath, type ListScope, lister, type ResourceKind } from './resources.ts';

export interface ResourceInformerOptions {
  readonly config: KubeConfig;
  readonly resource: ResourceKind;
  readonly scope: ListScope;
  /** Names this informer in logs, e.g. `Secret` or `ConfigMap ingress/portcullis`. */
  readonly label: string;
  readonly log: KubeLog;
  /** Called on every add, update or delete (a signal; read list() for the data). */
  readonly onChange: () => void;
  readonly backoff?: BackoffOptions;
}

export interface ResourceInformer {
  readonly label: string;
  /** Resolves once the first list has landed in the cache; never rejects. */
  readonly synced: Promise<void>;
  start(): void;
  stop(): void;
  isSynced(): boolean;
  /** Bumped on every change, so callers can cache what they derive from list(). */
  version(): number;
  list(): readonly KubernetesObject[];
  get(namespace: string, name: string): KubernetesObject | undefined;
}

export function createResourceInformer(options: ResourceInformerOptions): ResourceInformer {
  const { resource, scope, log, label } = options;
  const backoff = new Backoff(options.backoff);
  let version = 0;
  let stopped = true;
  let synced = false;
  let failing = false;
  let startedAt = 0;
  let retry: NodeJS.Timeout | null = null;
  let markSynced = (): void => {};
  const syncedPromise = new Promise<void>((resolve) => {
    markSynced = resolve;
  });

  const list = lister(options.config, resource, scope);
  const listAndNote = async () => {
    const result = await list();
    if (failing) log.info('list succeeded again', { resource: label, items: result.items.length });
    failing = false;
    // ListWatch stores the items right after this promise settles (same microtask run), so by
    // the next macrotask the cache holds the complete first list.
    setImmediate(() => {
      if (synced) return;
      synced = true;
      markSynced();
    });
    return result;
  };
  const informer = new ListWatch<KubernetesObject>(
    collectionPath(resource, scope.namespace),
    new Watch(options.config),
    listAndNote,
    false,
    scope.labelSelector,
    scope.fieldSelector,
  );

  const changed = (object: KubernetesObject): void => {
    deepFreeze(object);
    version += 1;
    options.onChange();
  };
  const failed = (error: unknown): void => {
    if (stopped) return; // stop() aborts the watch, which reports the abort as an error
    failing = true;
    const delay = backoff.next(Date.now() - startedAt);
    log.warn('list/watch failed; restarting', {
      resource: label,
      error: describeError(error),
      retryInMs: delay,
    });
    if (retry !== null) clearTimeout(retry);
    retry = setTimeout(run, delay);
  };
  const run = (): void => {
    retry = null;
    if (stopped) return;
    startedAt = Date.now();
    informer.start().then(() => {
      // A stop() during the initial list cannot abort a watch that did not exist yet.
      if (stopped) void informer.stop();
    }, failed);
  };

  informer.on('add', changed);
  informer.on('update', changed);
  informer.on('delete', () => {
    version += 1;
    options.onChange();
  });
  informer.on('error', failed);

  return {
    label,
    synced: syncedPromise,
    start() {
      if (!stopped) return;
      stopped = false;
      run();
    },
    stop() {
      stopped = true;
      if (retry !== null) clearTimeout(retry);
      retry = null;
      void informer.stop();
    },
    isSynced: () => synced,
    version: () => version,
    list: () => informer.list(),
    get: (namespace, name) => informer.get(name, namespace),
  };
}
