export type { Log, LogLevel } from './http/index.ts';
export { createMetrics, type Metrics, type MetricsOptions } from './metrics/index.ts';
export { createDataPlane, type DataPlane, type DataPlaneOptions } from './plane.ts';
export type { Generation } from './switcher.ts';
export { defaultGroups, postQuantumSupported } from './tls/index.ts';
export {
  resolveWorkerCount,
  startWorkers,
  type WorkerContext,
  type WorkerPool,
  type WorkerStart,
} from './workers/index.ts';
