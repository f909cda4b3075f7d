/**
 * /metrics across processes: the primary asks every worker for registry.getMetricsAsJSON()
 * over IPC and sums the answers (metrics/aggregate.ts) with its own registries.
 *
 * Counters must never appear to go down, or Prometheus reads a reset and rate() spikes. So a
 * worker that does not answer in time contributes its previous answer, and a worker that died
 * leaves its last counters and histograms behind ("retired"), to which its replacement adds.
 * (What it counted after the last scrape before dying is lost.)
 */
import type { Worker } from 'node:cluster';
import { Registry } from 'prom-client';
import {
  aggregateMetrics,
  type MetricsSnapshot,
  monotonicPart,
  snapshotMetrics,
} from '../metrics/aggregate.ts';

interface Pending {
  readonly waiting: Set<Worker>;
  readonly done: () => void;
}

export class WorkerMetrics {
  readonly #timeoutMs: number;
  readonly #latest = new Map<Worker, MetricsSnapshot>();
  readonly #pending = new Map<number, Pending>();
  #retired: MetricsSnapshot[] = [];
  #nextId = 1;

  constructor(timeoutMs: number) {
    this.#timeoutMs = timeoutMs;
  }

  get contentType(): string {
    return Registry.PROMETHEUS_CONTENT_TYPE;
  }

  async render(workers: readonly Worker[], local: readonly Registry[]): Promise<string> {
    await this.#collect(workers);
    const snapshots = [
      ...this.#retired,
      ...workers.flatMap((w) => {
        const latest = this.#latest.get(w);
        return latest === undefined ? [] : [latest];
      }),
      ...(await Promise.all(local.map((registry) => snapshotMetrics(registry)))),
    ];
    return aggregateMetrics(snapshots).metrics();
  }

  receive(worker: Worker, id: number, snapshot: MetricsSnapshot): void {
    this.#latest.set(worker, snapshot);
    const pending = this.#pending.get(id);
    if (pending === undefined) return;
    pending.waiting.delete(worker);
    if (pending.waiting.size === 0) pending.done();
  }

  /** A worker exited: keep what it counted, forget the rest. */
  retire(worker: Worker): void {
    const last = this.#latest.get(worker);
    this.#latest.delete(worker);
    for (const pending of this.#pending.values()) {
      pending.waiting.delete(worker);
      if (pending.waiting.size === 0) pending.done();
    }
    if (last === undefined) return;
    this.#retired.push(monotonicPart(last));
    if (this.#retired.length > 8) void this.#compact();
  }

  #collect(workers: readonly Worker[]): Promise<void> {
    const connected = workers.filter((w) => w.isConnected());
    if (connected.length === 0) return Promise.resolve();
    const id = this.#nextId++;
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.#pending.delete(id);
        resolve();
      };
      const timer = setTimeout(done, this.#timeoutMs);
      this.#pending.set(id, { waiting: new Set(connected), done });
      for (const worker of connected) worker.send({ portcullis: 'metrics', id });
    });
  }

  /** Crash loops must not grow memory: fold retired snapshots into one. */
  async #compact(): Promise<void> {
    const folded = this.#retired.slice();
    const merged = (await aggregateMetrics(folded).getMetricsAsJSON()) as MetricsSnapshot;
    // Only push() happens meanwhile: keep what arrived during the await.
    this.#retired = [merged, ...this.#retired.slice(folded.length)];
  }
}
