/**
 * The inspection thread of parallel.ts: reads each batch's Secrets from shared memory
 * (inbox.ts), claims them in order, inspects them with the same code build() uses, and sends
 * the results a few at a time, at once when build() is waiting for one.
 */
import { type MessagePort, parentPort } from 'node:worker_threads';
import type { Secret } from '../objects/schemas.ts';
import { inboxReader } from './inbox.ts';
import {
  type BatchResult,
  type BatchStart,
  DONE,
  FREE,
  RESULTS_PER_MESSAGE,
  STOP,
  WANT,
  WORKER,
} from './parallel.ts';
import { inspectSecret } from './secret.ts';

let slots = new Int32Array(new SharedArrayBuffer(8));
let port: MessagePort | null = null;
let ready: BatchResult[] = [];

parentPort?.on('message', (message: BatchStart) => {
  port?.close();
  ({ slots, port } = message);
  const read = inboxReader(message.inbox);
  // In order while build() is behind; once it waits for this thread (it caught up: this thread
  // is still slow, e.g. not yet optimized), from the end, so that it takes the front itself
  // instead of waiting at every Secret.
  let front = 0;
  let back = message.inbox.count - 1;
  let fromBack = false;
  while (front <= back) {
    if (Atomics.load(slots, STOP(slots)) !== 0) break;
    const i = fromBack ? back-- : front++;
    if (Atomics.compareExchange(slots, i, FREE, WORKER) !== FREE) continue;
    try {
      ready.push([i, inspectSecret(read(i) as Secret)]);
    } catch {
      // build() inspects it again and meets the same error in its own thread.
      ready.push([i, null]);
    }
    const wanted = Atomics.load(slots, WANT(slots)) !== 0;
    fromBack ||= wanted;
    if (ready.length >= RESULTS_PER_MESSAGE || wanted) send();
  }
  send();
});

/** Results first, then DONE: build() reads a result only after it saw DONE. */
function send(): void {
  if (ready.length === 0) return;
  port?.postMessage(ready);
  for (const [i] of ready) {
    Atomics.store(slots, i, DONE);
    Atomics.notify(slots, i);
  }
  ready = [];
}
