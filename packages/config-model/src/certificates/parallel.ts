/**
 * Secrets inspected on a second thread while build() does the rest (ADR 9). build() stays
 * synchronous: a cold build hands the Secrets it has not inspected yet to one process-wide
 * worker (in shared memory, inbox.ts), in the order its hosts will need them, goes on with the
 * Ingress stage, and takes each result when a host first needs it. A shared slot per Secret says who inspects it, so the two
 * threads never both do: the worker claims them in order, build() claims whatever it needs that
 * is still free and inspects it itself. A result is the same plain data inspectSecret() returns
 * here, so the table does not depend on which thread made it.
 */
import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from 'node:worker_threads';
import { deepFreeze } from '../deep-freeze.ts';
import type { Secret } from '../objects/schemas.ts';
import type { CachedInspection } from './cache.ts';
import { type InboxView, writeInbox } from './inbox.ts';

/**
 * Slot states in the shared Int32Array, one slot per Secret. Two more follow them: STOP (the
 * build is over) and WANT (build() waits for a result: send what is ready now).
 */
export const FREE = 0;
export const WORKER = 1;
export const DONE = 2;
export const MAIN = 3;
export const STOP = (slots: Int32Array) => slots.length - 2;
export const WANT = (slots: Int32Array) => slots.length - 1;

/** One build's hand-over to the worker: its Secrets (inbox.ts), the slots and the reply port. */
export interface BatchStart {
  readonly slots: Int32Array<SharedArrayBuffer>;
  readonly port: MessagePort;
  readonly inbox: InboxView;
}
/** [index, inspection] for each Secret the worker inspected; null when inspecting threw. */
export type BatchResult = readonly [number, CachedInspection | null];
/** Results go back a few at a time: one message each costs build() twice as much to read. */
export const RESULTS_PER_MESSAGE = 16;

/** Below this many Secrets to inspect a build does them all itself (a rebuild after one change). */
export const DEFAULT_MINIMUM = 64;
/** A worker that holds one Secret this long is stuck (one takes ~40 µs): build() stops waiting. */
const STUCK_MS = 2000;

let worker: Worker | null | undefined;

function sharedWorker(): Worker | null {
  if (worker !== undefined) return worker;
  try {
    const started = new Worker(new URL('./inspect-worker.ts', import.meta.url));
    started.unref();
    // A worker that fails is not restarted: builds inspect everything themselves from then on.
    const retire = () => {
      if (worker === started) worker = null;
    };
    started.on('error', retire);
    started.on('exit', retire);
    worker = started;
  } catch {
    worker = null;
  }
  return worker;
}

export class ParallelInspection {
  readonly #index = new Map<Secret, number>();
  readonly #results: (CachedInspection | null | undefined)[];
  readonly #slots: Int32Array<SharedArrayBuffer>;
  readonly #port: MessagePort;
  #open = true;

  /** Starts a batch for `secrets` (all of them to inspect), or returns null to inspect in-thread. */
  static start(secrets: readonly Secret[], minimum = DEFAULT_MINIMUM): ParallelInspection | null {
    if (secrets.length < minimum) return null;
    const target = sharedWorker();
    if (target === null) return null;
    // The inbox keeps only Secrets with tls.crt and tls.key (the others fail fast in-thread).
    const { view, held } = writeInbox(secrets);
    if (held.length < minimum || held.length === 0) return null;
    return new ParallelInspection(target, view, held);
  }

  private constructor(target: Worker, view: InboxView, held: readonly Secret[]) {
    this.#slots = new Int32Array(new SharedArrayBuffer(4 * (held.length + 2)));
    this.#results = new Array(held.length);
    const { port1, port2 } = new MessageChannel();
    this.#port = port1;
    const start: BatchStart = { slots: this.#slots, port: port2, inbox: view };
    target.postMessage(start, [port2]);
    held.forEach((secret, i) => {
      this.#index.set(secret, i);
    });
  }

  /** The worker's inspection of `secret`, or undefined: then the caller inspects it. */
  take(secret: Secret): CachedInspection | undefined {
    const i = this.#index.get(secret);
    if (i === undefined || !this.#open) return undefined;
    const slots = this.#slots;
    for (;;) {
      const state = Atomics.load(slots, i);
      if (state === FREE) {
        if (Atomics.compareExchange(slots, i, FREE, MAIN) === FREE) return undefined;
      } else if (state === WORKER) {
        Atomics.store(slots, WANT(slots), 1);
        const waited = Atomics.wait(slots, i, WORKER, STUCK_MS);
        Atomics.store(slots, WANT(slots), 0);
        if (waited === 'timed-out') {
          retireStuck();
          this.close();
          return undefined;
        }
      } else if (state === DONE) {
        return this.#collect(i);
      } else {
        return undefined;
      }
    }
  }

  /** Secrets no thread has finished yet (free or in the worker's hands): for tests and logs. */
  get unfinished(): number {
    let count = 0;
    for (let i = 0; i < this.#results.length; i++) {
      const state = Atomics.load(this.#slots, i);
      if (state === FREE || state === WORKER) count++;
    }
    return count;
  }

  /** Stops the worker's part of this batch; results not taken are dropped. */
  close(): void {
    if (!this.#open) return;
    this.#open = false;
    Atomics.store(this.#slots, STOP(this.#slots), 1);
    this.#port.close();
  }

  /** Reads the messages already sent until result i is among them (it was sent before DONE). */
  #collect(i: number): CachedInspection | undefined {
    while (this.#results[i] === undefined) {
      const received = receiveMessageOnPort(this.#port);
      if (received === undefined) return undefined;
      for (const [at, inspection] of received.message as BatchResult[]) this.#results[at] = inspection;
    }
    const inspection = this.#results[i];
    this.#results[i] = undefined;
    if (inspection === null || inspection === undefined) return undefined;
    // As inspectSecret() leaves it: the certificate frozen (tables share it), the list not.
    if (inspection.certificate !== null) deepFreeze(inspection.certificate);
    return inspection;
  }
}

function retireStuck(): void {
  const stuck = worker;
  worker = null;
  void stuck?.terminate();
}
