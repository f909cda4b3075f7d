/**
 * WATCH streams as kube-apiserver serves them: HTTP 200 with a chunked body of newline-delimited
 * JSON events {type, object}. A resume point older than the compacted revision gets one ERROR
 * event carrying a 410 Status and the stream ends (the client must relist); resourceVersion ""
 * or "0" starts with synthetic ADDED events for the current state; timeoutSeconds ends the stream
 * cleanly; allowWatchBookmarks adds periodic BOOKMARK events carrying only a resourceVersion.
 */
import type { ServerResponse } from 'node:http';
import { groupVersion, type ResourceType } from './resources.ts';
import type { Matcher } from './selectors.ts';
import { badRequest, expired } from './status.ts';
import type { Store, StoredEvent } from './store.ts';

export interface WatchRequest {
  readonly type: ResourceType;
  /** undefined: all namespaces (or a cluster-scoped type). */
  readonly namespace: string | undefined;
  readonly matches: Matcher;
  readonly resourceVersion: string;
  readonly bookmarks: boolean;
  readonly timeoutSeconds: number | undefined;
}

export interface OpenWatch {
  readonly resource: string;
  readonly namespace: string | undefined;
  readonly resourceVersion: string;
  /** Unsubscribes first, so no event is written after the end of the body. */
  readonly stop: (how: 'end' | 'destroy') => void;
}

type EventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export class Watches {
  readonly open = new Set<OpenWatch>();
  readonly #store: Store;
  readonly #bookmarkIntervalMs: number;

  constructor(store: Store, bookmarkIntervalMs: number) {
    this.#store = store;
    this.#bookmarkIntervalMs = bookmarkIntervalMs;
  }

  /** Throws ApiError (before any byte is written) for a malformed resourceVersion. */
  serve(request: WatchRequest, res: ServerResponse): void {
    const from = this.#startRevision(request.resourceVersion);
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-cache, private' });
    res.flushHeaders();
    const send = (type: EventType, object: unknown) => res.write(`${JSON.stringify({ type, object })}\n`);
    const backlog = from === undefined ? this.#initialEvents(request) : this.#store.since(from);
    if (backlog === 'expired') {
      send('ERROR', expired(request.resourceVersion, String(this.#store.compacted)));
      res.end();
      return;
    }
    for (const event of backlog) this.#deliver(request, event, send);
    const listener = (event: StoredEvent) => this.#deliver(request, event, send);
    this.#store.listeners.add(listener);
    const timers: NodeJS.Timeout[] = [];
    const open: OpenWatch = {
      resource: request.type.resource,
      namespace: request.namespace,
      resourceVersion: request.resourceVersion,
      stop: (how) => {
        this.#store.listeners.delete(listener);
        for (const timer of timers) clearTimeout(timer);
        this.open.delete(open);
        if (how === 'end') res.end();
        else res.destroy();
      },
    };
    if (request.timeoutSeconds !== undefined)
      timers.push(setTimeout(() => open.stop('end'), request.timeoutSeconds * 1000));
    if (request.bookmarks)
      timers.push(
        setInterval(() => send('BOOKMARK', this.#bookmark(request.type)), this.#bookmarkIntervalMs),
      );
    this.open.add(open);
    res.on('close', () => open.stop('destroy'));
  }

  /** 'end': a clean end of the chunked body; 'destroy': the TCP connection is reset mid-stream. */
  drop(how: 'end' | 'destroy'): number {
    const count = this.open.size;
    for (const watch of [...this.open]) watch.stop(how);
    return count;
  }

  /** "" and "0" mean "from any point": the current state first, as synthetic ADDED events. */
  #startRevision(resourceVersion: string): number | undefined {
    if (resourceVersion === '' || resourceVersion === '0') return undefined;
    const from = Number(resourceVersion);
    if (!Number.isSafeInteger(from) || from < 0)
      throw badRequest(`invalid resource version: ${resourceVersion}`);
    return from;
  }

  #initialEvents(request: WatchRequest): StoredEvent[] {
    return this.#store.list(request.type, request.namespace).map((object) => ({
      type: 'ADDED' as const,
      resource: request.type,
      revision: Number(object.metadata.resourceVersion),
      object,
    }));
  }

  /**
   * Selector watches see transitions across the selector as ADDED/DELETED, as the apiserver's
   * watch cache filter does: an object that stops matching is DELETED for this watcher.
   */
  #deliver(
    request: WatchRequest,
    event: StoredEvent,
    send: (type: EventType, object: unknown) => void,
  ): void {
    if (event.resource !== request.type) return;
    const object = event.object;
    if (request.namespace !== undefined && (object.metadata.namespace ?? '') !== request.namespace) return;
    const now = request.matches(object);
    if (event.type !== 'MODIFIED' || event.previous === undefined) {
      if (now) send(event.type, object);
      return;
    }
    const before = request.matches(event.previous);
    if (now) send(before ? 'MODIFIED' : 'ADDED', object);
    else if (before) send('DELETED', object);
  }

  /** A bookmark is the watched kind with nothing but metadata.resourceVersion (API concepts, "Watch bookmarks"). */
  #bookmark(type: ResourceType): object {
    return {
      kind: type.kind,
      apiVersion: groupVersion(type),
      metadata: { resourceVersion: String(this.#store.revision) },
    };
  }
}
