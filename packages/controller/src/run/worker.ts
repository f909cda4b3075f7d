/**
 * What each data-plane worker process runs (--workers N > 1): a data plane on the shared
 * ports, fed every table the controller publishes. Metrics go to the worker's registry, which
 * the controller sums into one /metrics.
 */
import type { RoutingTable } from '@portcullis/config-model';
import { createDataPlane, createMetrics, type WorkerStart } from '@portcullis/data-plane';
import { createLogger, type LogLevel } from '../log.ts';

export interface WorkerOptions {
  readonly httpPort: number;
  readonly httpsPort: number;
  readonly bindAddress: string | null;
  readonly enableSslPassthrough: boolean;
  readonly passthroughSplicer: 'native' | 'javascript';
  readonly controllerClass: string;
  readonly logLevel: LogLevel;
}

export const start: WorkerStart<RoutingTable, WorkerOptions> = async (ctx) => {
  const o = ctx.options;
  const logger = createLogger({ level: o.logLevel }).child({ worker: ctx.slot });
  const metrics = createMetrics({
    registry: ctx.registry,
    controllerClass: o.controllerClass,
    controllerNamespace: process.env.POD_NAMESPACE ?? '',
    controllerPod: process.env.POD_NAME ?? '',
  });
  const plane = createDataPlane({
    httpPort: o.httpPort,
    httpsPort: o.httpsPort,
    ...(o.bindAddress === null ? {} : { bindAddress: o.bindAddress }),
    enableSslPassthrough: o.enableSslPassthrough,
    passthroughSplicer: o.passthroughSplicer,
    log: (level, msg, fields) => logger[level](msg, fields),
    metrics,
    bind: async (server, port, host) =>
      (await ctx.listen(server, host === undefined ? { port } : { port, host })).port,
    track: (server) => ctx.track(server),
  });
  const apply = (table: RoutingTable) => {
    metrics.trackTable(table);
    plane.apply(table);
  };
  const first = ctx.current();
  if (first === undefined) throw new Error('worker started without a routing table');
  apply(first);
  ctx.onState(apply);
  await plane.listen();
  return { drain: (timeoutMs) => plane.drainSplices(timeoutMs), stop: () => plane.closePools() };
};
