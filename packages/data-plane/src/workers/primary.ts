/**
 * The primary side: forks N data-plane workers with node:cluster, hands each the latest state
 * (the routing table), restarts workers that die with exponential backoff, sums their metrics
 * and shuts them down gracefully. Workers listen themselves with SO_REUSEPORT (drain.ts), so
 * the primary keeps only the control plane: watches, builds, /metrics, health.
 */
import cluster, { type Worker } from 'node:cluster';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Registry } from 'prom-client';
import { WorkerMetrics } from './collect.ts';
import { type FromWorker, isFromWorker, type ToWorker } from './protocol.ts';

export type Log = (
  level: 'debug' | 'info' | 'warn' | 'error',
  msg: string,
  fields: Record<string, unknown>,
) => void;

export interface StartWorkersOptions<S, O> {
  readonly count: number;
  /** Path or file: URL of a module exporting `start: WorkerStart` (see worker.ts). */
  readonly workerModule: string | URL;
  /** Given to every worker's start() as context.options (structured clone). */
  readonly workerOptions?: O;
  /** State handed to workers before start(); publish() replaces it. */
  readonly initialState?: S;
  /** Messages a worker sent with context.send(). */
  readonly onMessage?: (message: unknown, worker: WorkerInfo) => void;
  readonly log?: Log;
  /** Restart delays: initialMs doubling up to maxMs; a worker alive resetAfterMs starts over. */
  readonly backoff?: { readonly initialMs?: number; readonly maxMs?: number; readonly resetAfterMs?: number };
  /** How long workers may take to drain (ingress-nginx --worker-shutdown-timeout, 240s). */
  readonly shutdownTimeoutMs?: number;
  /** How long a scrape waits for a worker before using its previous numbers. */
  readonly metricsTimeoutMs?: number;
  /** On these signals: stop() and exit 0 (exit 1 if a worker had to be killed). */
  readonly signals?: readonly NodeJS.Signals[];
}

export interface WorkerInfo {
  readonly slot: number;
  readonly pid: number | undefined;
  readonly restarts: number;
  readonly ready: boolean;
}

export interface WorkerPool<S> {
  /** Resolves when every worker's start() returned; rejects if one failed to start. */
  readonly ready: Promise<void>;
  /** Sends a new state (routing table) to every worker; new and restarted workers get it too. */
  publish(state: S): void;
  broadcast(message: unknown): void;
  /** Prometheus text of all workers summed, plus the given registries of this process. */
  metrics(local?: readonly Registry[]): Promise<string>;
  readonly contentType: string;
  workers(): WorkerInfo[];
  /** Graceful: workers stop accepting and drain; resolves when all exited. */
  stop(timeoutMs?: number): Promise<{ killed: number }>;
}

interface Slot {
  readonly index: number;
  worker: Worker | null;
  startedAt: number;
  failures: number;
  restarts: number;
  ready: boolean;
  timer: NodeJS.Timeout | null;
}

const ENTRY = fileURLToPath(new URL('./entry.ts', import.meta.url));
/** Grace after shutdownTimeoutMs before SIGKILL: drains end at the timeout, exit takes a moment. */
const KILL_GRACE_MS = 5_000;

export function startWorkers<S = unknown, O = unknown>(options: StartWorkersOptions<S, O>): WorkerPool<S> {
  return new Pool<S, O>(options);
}

class Pool<S, O> implements WorkerPool<S> {
  readonly ready: Promise<void>;
  readonly #options: StartWorkersOptions<S, O>;
  readonly #slots: Slot[];
  readonly #module: string;
  readonly #metrics: WorkerMetrics;
  #state: unknown;
  #stopping: Promise<{ killed: number }> | null = null;
  #settleReady: { resolve: () => void; reject: (error: Error) => void } | null = null;

  constructor(options: StartWorkersOptions<S, O>) {
    if (!cluster.isPrimary) throw new Error('startWorkers() must run in the primary process');
    this.#options = options;
    this.#state = options.initialState;
    this.#module = String(
      options.workerModule instanceof URL ? options.workerModule : moduleUrl(options.workerModule),
    );
    this.#metrics = new WorkerMetrics(options.metricsTimeoutMs ?? 2_000);
    // Structured clone: a table with Buffers or typed arrays survives, and no JSON round trip.
    cluster.setupPrimary({ exec: ENTRY, serialization: 'advanced' });
    this.#slots = Array.from({ length: options.count }, (_, index) => ({
      index,
      worker: null,
      startedAt: 0,
      failures: 0,
      restarts: 0,
      ready: false,
      timer: null,
    }));
    this.ready = new Promise((resolve, reject) => {
      this.#settleReady = { resolve, reject };
    });
    this.ready.catch(() => {});
    for (const sig of options.signals ?? []) process.once(sig, () => this.#onSignal(sig));
    for (const slot of this.#slots) this.#fork(slot);
  }

  get contentType(): string {
    return this.#metrics.contentType;
  }

  publish(state: S): void {
    this.#state = state;
    this.#sendAll({ portcullis: 'state', state });
  }

  broadcast(message: unknown): void {
    this.#sendAll({ portcullis: 'user', message });
  }

  metrics(local: readonly Registry[] = []): Promise<string> {
    const live = this.#slots.flatMap((slot) => (slot.worker !== null && slot.ready ? [slot.worker] : []));
    return this.#metrics.render(live, local);
  }

  workers(): WorkerInfo[] {
    return this.#slots.map((slot) => info(slot));
  }

  stop(timeoutMs = this.#options.shutdownTimeoutMs ?? 240_000): Promise<{ killed: number }> {
    this.#stopping ??= this.#stop(timeoutMs);
    return this.#stopping;
  }

  async #stop(timeoutMs: number): Promise<{ killed: number }> {
    this.#settleReady?.reject(new Error('stopped before all workers were ready'));
    const exits: Promise<boolean>[] = [];
    for (const slot of this.#slots) {
      if (slot.timer !== null) clearTimeout(slot.timer);
      slot.timer = null;
      const worker = slot.worker;
      if (worker === null) continue;
      exits.push(exited(worker, timeoutMs + KILL_GRACE_MS));
      send(worker, { portcullis: 'shutdown', timeoutMs });
    }
    const results = await Promise.all(exits);
    return { killed: results.filter((clean) => !clean).length };
  }

  #onSignal(signal: NodeJS.Signals): void {
    this.#options.log?.('info', 'stopping workers', { signal });
    void this.stop().then(({ killed }) => process.exit(killed === 0 ? 0 : 1));
  }

  #fork(slot: Slot): void {
    const worker = cluster.fork({ PORTCULLIS_WORKER_SLOT: String(slot.index) });
    slot.worker = worker;
    slot.ready = false;
    slot.startedAt = Date.now();
    worker.on('message', (message: unknown) => {
      if (isFromWorker(message)) this.#onMessage(slot, worker, message);
    });
    worker.once('exit', (code, signal) => this.#onExit(slot, worker, code, signal));
    worker.on('error', (error) =>
      this.#options.log?.('warn', 'worker channel error', { slot: slot.index, error: String(error) }),
    );
    send(worker, {
      portcullis: 'init',
      slot: slot.index,
      module: this.#module,
      options: this.#options.workerOptions,
      state: this.#state,
      shutdownTimeoutMs: this.#options.shutdownTimeoutMs ?? 240_000,
    });
  }

  #onMessage(slot: Slot, worker: Worker, message: FromWorker): void {
    switch (message.portcullis) {
      case 'ready':
        slot.ready = true;
        if (this.#slots.every((s) => s.ready)) this.#settleReady?.resolve();
        return;
      case 'failed':
        this.#options.log?.('error', 'worker failed to start', {
          slot: slot.index,
          pid: worker.process.pid,
          error: message.error,
        });
        // A first start that fails (port in use, bad module) is a configuration error: report it.
        if (slot.restarts === 0)
          this.#settleReady?.reject(new Error(`worker ${slot.index} failed to start: ${message.error}`));
        return;
      case 'metrics':
        this.#metrics.receive(worker, message.id, message.snapshot);
        return;
      case 'user':
        this.#options.onMessage?.(message.message, info(slot));
        return;
    }
  }

  #onExit(slot: Slot, worker: Worker, code: number | null, signal: string | null): void {
    if (slot.worker === worker) slot.worker = null;
    slot.ready = false;
    this.#metrics.retire(worker);
    if (this.#stopping !== null) return;
    const lived = Date.now() - slot.startedAt;
    const backoff = this.#options.backoff ?? {};
    if (lived >= (backoff.resetAfterMs ?? 60_000)) slot.failures = 0;
    slot.failures++;
    const delay = Math.min((backoff.initialMs ?? 500) * 2 ** (slot.failures - 1), backoff.maxMs ?? 30_000);
    this.#options.log?.('error', 'worker exited unexpectedly; restarting', {
      slot: slot.index,
      pid: worker.process.pid,
      code,
      signal,
      livedMs: lived,
      restartInMs: delay,
    });
    slot.timer = setTimeout(() => {
      slot.timer = null;
      slot.restarts++;
      if (this.#stopping === null) this.#fork(slot);
    }, delay);
  }

  #sendAll(message: ToWorker): void {
    for (const slot of this.#slots) if (slot.worker !== null) send(slot.worker, message);
  }
}

function send(worker: Worker, message: ToWorker): void {
  if (worker.isConnected()) worker.send(message);
}

function info(slot: Slot): WorkerInfo {
  return { slot: slot.index, pid: slot.worker?.process.pid, restarts: slot.restarts, ready: slot.ready };
}

/** true when the worker exited by itself within `ms`; otherwise it is killed. */
function exited(worker: Worker, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    if (worker.process.exitCode !== null || worker.process.signalCode !== null) return resolve(true);
    const timer = setTimeout(() => {
      worker.process.kill('SIGKILL');
      resolve(false);
    }, ms);
    worker.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

function moduleUrl(path: string): URL {
  return path.startsWith('file:') ? new URL(path) : pathToFileURL(resolve(path));
}
