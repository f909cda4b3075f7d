/**
 * --workers N|auto: N data-plane processes sharing the listening ports (SO_REUSEPORT), each
 * with the same routing table, their metrics summed into the primary's /metrics, drained on
 * shutdown and restarted with backoff when they die.
 */
export { resolveWorkerCount } from './count.ts';
export { type ListenOptions, listenShared, ServerDrain } from './drain.ts';
export {
  type Log,
  type StartWorkersOptions,
  startWorkers,
  type WorkerInfo,
  type WorkerPool,
} from './primary.ts';
export { runWorker, type WorkerContext, type WorkerHandle, type WorkerStart } from './worker.ts';
