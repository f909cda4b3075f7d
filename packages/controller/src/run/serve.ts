/**
 * `portcullis` (run): the controller. Source -> build -> data plane, one way: every change tick
 * rebuilds the whole table from the cached objects (memoized), applies it with one swap (in
 * this process, or published to the data-plane workers), then records metrics and logs.
 * The last good table stays in force when something system-level fails.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  createBuilder,
  type Diagnostic,
  generateFakeCertificate,
  type RoutingTable,
} from '@portcullis/config-model';
import { createDataPlane, createMetrics, resolveWorkerCount, startWorkers } from '@portcullis/data-plane';
import { Registry } from 'prom-client';
import { toBuildOptions } from '../build-options.ts';
import type { ControllerOptions } from '../flags.ts';
import { type Logger, logDiagnostic } from '../log.ts';
import { createHealthServer } from './health.ts';
import { kubernetesSource } from './kubernetes.ts';
import { kubernetesReporter, type Reporter } from './report.ts';
import { type Source, type SourceTick, standaloneSource } from './standalone.ts';
import type { WorkerOptions } from './worker.ts';

/** ingress-nginx's --shutdown-grace-period/worker-shutdown-timeout are 240 s; ours is shorter. */
const drainTimeoutMs = Number(process.env.PORTCULLIS_DRAIN_TIMEOUT_MS ?? 30_000);

interface Plane {
  apply(table: RoutingTable): void;
  ready(): boolean;
  metrics(): Promise<{ contentType: string; body: string }>;
  stop(): Promise<void>;
  ports(): { http: number; https: number };
}

export async function runServe(options: ControllerOptions, logger: Logger): Promise<number> {
  const kube = options.manifests.length === 0 ? kubernetesSource(options, logger) : null;
  const source: Source = kube ?? standaloneSource(options.manifests);
  let reporter: Reporter | null = null;
  const fake = await generateFakeCertificate(new Date());
  const builder = createBuilder();
  const registry = new Registry();
  const metrics = createMetrics({ registry, controllerClass: options.controllerClass, ...identity() });
  const seen = new Set<string>();

  const build = (tick: SourceTick): RoutingTable => {
    const started = process.hrtime.bigint();
    const { table, diagnostics } = builder.build(tick.snapshot, toBuildOptions(options, fake, new Date()));
    const buildSeconds = Number(process.hrtime.bigint() - started) / 1e9;
    const all = [...tick.diagnostics, ...diagnostics];
    logChanges(logger, seen, all);
    metrics.observeTable({ table, diagnostics: all, buildSeconds, success: true });
    reporter?.report(table, all);
    return table;
  };

  // Liveness answers while the first sync runs; readiness waits for the first live table.
  let plane: Plane | null = null;
  let stopping = false;
  const health = createHealthServer({
    ready: () => (plane?.ready() ?? false) && !stopping,
    metrics: () =>
      plane?.metrics() ?? metrics.render().then((body) => ({ contentType: metrics.contentType, body })),
  });
  await listen(health, options.healthzPort, options.bindAddress);
  const healthPort = (health.address() as AddressInfo).port;

  if (kube !== null) reporter = kubernetesReporter(options, kube, logger);
  const first = build(await source.load());
  const live = await startPlane(options, logger, first, metrics, registry);
  plane = live;
  let generation = 1;
  let lastHash = first.hash;
  source.watch(
    (tick) => {
      let table: RoutingTable;
      try {
        table = build(tick);
      } catch (error) {
        // A bug in build() must not take traffic down: the last good table stays.
        metrics.observeTable({ table: null, diagnostics: [], buildSeconds: 0, success: false });
        logger.error(`routing table build failed; keeping the last table: ${String(error)}`, {
          code: 'BuildFailed',
        });
        return;
      }
      if (table.hash === lastHash) return;
      lastHash = table.hash;
      live.apply(table);
      generation++;
      logger.info('routing table applied', {
        generation,
        hash: table.hash.slice(0, 12),
        servers: Object.keys(table.servers).length,
      });
    },
    (error) => {
      metrics.observeTable({ table: null, diagnostics: [], buildSeconds: 0, success: false });
      logger.error(`objects could not be read; keeping the last routing table: ${error.message}`, {
        code: 'SourceFailed',
      });
    },
  );
  const { http, https } = live.ports();
  logger.info('portcullis is serving', {
    http,
    https,
    healthz: healthPort,
    servers: Object.keys(first.servers).length,
  });

  return new Promise<number>((resolve) => {
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      logger.info('shutting down: draining connections', { signal, timeoutMs: drainTimeoutMs });
      source.close();
      Promise.all([live.stop(), reporter?.stop()]).then(
        () => health.close(() => resolve(0)),
        (error: unknown) => {
          logger.error(`shutdown failed: ${String(error)}`, { code: 'ShutdownFailed' });
          resolve(1);
        },
      );
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
}

async function startPlane(
  options: ControllerOptions,
  logger: Logger,
  first: RoutingTable,
  metrics: ReturnType<typeof createMetrics>,
  registry: Registry,
): Promise<Plane> {
  const count = resolveWorkerCount(options.workers);
  if (count <= 1) {
    const plane = createDataPlane({
      httpPort: options.httpPort,
      httpsPort: options.httpsPort,
      ...(options.bindAddress === null ? {} : { bindAddress: options.bindAddress }),
      enableSslPassthrough: options.enableSslPassthrough,
      passthroughSplicer: options.passthroughSplicer,
      log: (level, msg, fields) => logger[level](msg, fields),
      metrics,
    });
    plane.apply(first);
    const ports = await plane.listen();
    return {
      apply: (table) => void plane.apply(table),
      ready: () => plane.ready,
      metrics: async () => ({ contentType: metrics.contentType, body: await metrics.render() }),
      stop: async () => {
        const result = await plane.close(drainTimeoutMs);
        if (!result.finished)
          logger.warn('drain timed out; connections were cut', { remaining: result.remaining });
      },
      ports: () => ({ http: ports.httpPort, https: ports.httpsPort }),
    };
  }
  const workerOptions: WorkerOptions = {
    httpPort: options.httpPort,
    httpsPort: options.httpsPort,
    bindAddress: options.bindAddress,
    enableSslPassthrough: options.enableSslPassthrough,
    passthroughSplicer: options.passthroughSplicer,
    controllerClass: options.controllerClass,
    logLevel: 'info',
  };
  const pool = startWorkers<RoutingTable, WorkerOptions>({
    count,
    workerModule: new URL('./worker.ts', import.meta.url),
    workerOptions,
    initialState: first,
    shutdownTimeoutMs: drainTimeoutMs,
    log: (level, msg, fields) => logger[level](msg, fields),
  });
  await pool.ready;
  return {
    apply: (table) => pool.publish(table),
    ready: () => true,
    metrics: async () => ({ contentType: pool.contentType, body: await pool.metrics([registry]) }),
    stop: async () => {
      const { killed } = await pool.stop(drainTimeoutMs);
      if (killed > 0) logger.warn('workers did not drain in time and were killed', { killed });
    },
    ports: () => ({ http: options.httpPort, https: options.httpsPort }),
  };
}

function logChanges(logger: Logger, seen: Set<string>, diagnostics: readonly Diagnostic[]): void {
  const now = new Set<string>();
  for (const d of diagnostics) {
    const key = `${d.code}|${JSON.stringify(d.object)}|${d.message}`;
    now.add(key);
    if (!seen.has(key)) logDiagnostic(logger, d);
  }
  seen.clear();
  for (const key of now) seen.add(key);
}

function identity(): { controllerNamespace: string; controllerPod: string } {
  return { controllerNamespace: process.env.POD_NAMESPACE ?? '', controllerPod: process.env.POD_NAME ?? '' };
}

function listen(server: Server, port: number, host: string | null): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, ...(host === null ? {} : { host }) }, () => {
      server.off('error', reject);
      resolve();
    });
  });
}
