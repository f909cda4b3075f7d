/**
 * The worker side: what runs in each forked data-plane process. entry.ts calls runWorker();
 * runWorker waits for the primary's init message, imports the lead's worker module and calls
 * its `start(context)`. The module creates its servers and listens through context.listen, so
 * this file can drain them on shutdown without knowing what they serve.
 */
import type { AddressInfo, Server } from 'node:net';
import { deepFreeze } from '@portcullis/config-model';
import { Registry } from 'prom-client';
import { snapshotMetrics } from '../metrics/aggregate.ts';
import { type ListenOptions, listenShared, ServerDrain } from './drain.ts';
import { type FromWorker, isToWorker, type ToWorker } from './protocol.ts';

export interface WorkerContext<S = unknown, O = unknown> {
  /** 0..count-1; stable across restarts of the same slot. */
  readonly slot: number;
  /** startWorkers({ workerOptions }), structured-cloned. */
  readonly options: O;
  /** The latest published state (deep-frozen), undefined before the first publish. */
  current(): S | undefined;
  /** Called for each state published after this call; read current() for the one before. */
  onState(listener: (state: S) => void): void;
  /** Summed into the primary's /metrics: pass it to createMetrics({ registry }). */
  readonly registry: Registry;
  /** Listens on a port shared by all workers (SO_REUSEPORT) and drains it on shutdown. */
  listen(server: Server, options: ListenOptions): Promise<AddressInfo>;
  /** Drains a server that does not listen itself (fed sockets by another, e.g. passthrough). */
  track(server: Server): void;
  /** To the primary's onMessage. */
  send(message: unknown): void;
  onMessage(listener: (message: unknown) => void): void;
}

export interface WorkerHandle {
  /**
   * Called with the servers' drain, for connections no tracked server holds (native
   * passthrough splices): resolves when they have ended or been cut, within timeoutMs.
   */
  drain?(timeoutMs: number): Promise<unknown>;
  /** Called after the servers drained: close upstream pools, flush logs. */
  stop?(): void | Promise<void>;
}

/** What the worker module exports as `start`. */
export type WorkerStart<S = unknown, O = unknown> = (
  context: WorkerContext<S, O>,
  // biome-ignore lint/suspicious/noConfusingVoidType: a start() without a handle returns nothing.
) => void | WorkerHandle | Promise<void | WorkerHandle>;

type Init = Extract<ToWorker, { portcullis: 'init' }>;

export function runWorker(): void {
  if (process.send === undefined) throw new Error('runWorker() must run in a forked worker process');
  // Ctrl-C reaches the whole process group: the primary orchestrates the shutdown.
  process.on('SIGINT', () => {});
  process.once('message', (message: unknown) => {
    if (isToWorker(message) && message.portcullis === 'init') void boot(message);
  });
}

async function boot(init: Init): Promise<void> {
  const worker = new WorkerProcess(init);
  process.on('message', (message: unknown) => {
    if (isToWorker(message)) worker.dispatch(message);
  });
  process.once('SIGTERM', () => void worker.shutdown(init.shutdownTimeoutMs));
  try {
    const mod = (await import(init.module)) as { start?: WorkerStart };
    if (typeof mod.start !== 'function') throw new Error(`${init.module} does not export start()`);
    worker.handle = (await mod.start(worker.context)) ?? undefined;
    send({ portcullis: 'ready' });
  } catch (error) {
    send({
      portcullis: 'failed',
      error: error instanceof Error ? (error.stack ?? error.message) : String(error),
    });
    process.exit(1);
  }
}

class WorkerProcess {
  readonly context: WorkerContext;
  handle: WorkerHandle | undefined;
  readonly #drains: ServerDrain[] = [];
  readonly #stateListeners: ((state: unknown) => void)[] = [];
  readonly #messageListeners: ((message: unknown) => void)[] = [];
  readonly #registry = new Registry();
  #state: unknown;
  #stopping: Promise<void> | undefined;

  constructor(init: Init) {
    this.#state = deepFreeze(init.state);
    this.context = {
      slot: init.slot,
      options: init.options,
      current: () => this.#state,
      onState: (listener) => void this.#stateListeners.push(listener),
      registry: this.#registry,
      listen: (server, options) => {
        this.#drains.push(new ServerDrain(server));
        return listenShared(server, options);
      },
      track: (server) => void this.#drains.push(new ServerDrain(server)),
      send: (message) => send({ portcullis: 'user', message }),
      onMessage: (listener) => void this.#messageListeners.push(listener),
    };
  }

  dispatch(message: ToWorker): void {
    switch (message.portcullis) {
      case 'state':
        this.#state = deepFreeze(message.state);
        for (const listener of this.#stateListeners) listener(this.#state);
        return;
      case 'metrics':
        void snapshotMetrics(this.#registry).then((snapshot) =>
          send({ portcullis: 'metrics', id: message.id, snapshot }),
        );
        return;
      case 'shutdown':
        void this.shutdown(message.timeoutMs);
        return;
      case 'user':
        for (const listener of this.#messageListeners) listener(message.message);
        return;
      case 'init':
        return;
    }
  }

  shutdown(timeoutMs: number): Promise<void> {
    this.#stopping ??= this.#shutdown(timeoutMs);
    return this.#stopping;
  }

  async #shutdown(timeoutMs: number): Promise<void> {
    await Promise.all([
      ...this.#drains.map((drain) => drain.drain(timeoutMs)),
      this.handle?.drain?.(timeoutMs),
    ]);
    try {
      await this.handle?.stop?.();
    } finally {
      process.exit(0);
    }
  }
}

function send(message: FromWorker): void {
  if (process.connected) process.send?.(message);
}
