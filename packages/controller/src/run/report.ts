/**
 * What Kubernetes mode writes back: Events for diagnostics (every replica, deduplicated and
 * rate-limited by the recorder) and, on the elected leader only, Ingress status.loadBalancer
 * from --publish-status-address or --publish-service.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Diagnostic, RoutingTable } from '@portcullis/config-model';
import {
  createEventRecorder,
  createLeaderElector,
  createStatusWriter,
  type NamespacedName,
} from '@portcullis/kube-source';
import type { ControllerOptions } from '../flags.ts';
import type { Logger } from '../log.ts';
import type { KubernetesSource } from './kubernetes.ts';

/** Status is re-checked this often too, so a changed publish Service gets written back. */
const statusIntervalMs = 30_000;

export interface Reporter {
  /** After every build: Events for its diagnostics, status when leading. */
  report(table: RoutingTable, diagnostics: readonly Diagnostic[]): void;
  stop(): Promise<void>;
}

export function kubernetesReporter(
  options: ControllerOptions,
  source: KubernetesSource,
  logger: Logger,
): Reporter {
  const log = logger.child({ component: 'status' });
  const identity = `${process.env.POD_NAME ?? hostname()}_${randomBytes(4).toString('hex')}`;
  const events = createEventRecorder({
    kubeConfig: source.config,
    instance: identity,
    log,
    uidOf: source.informers.uidOf,
  });
  const status = createStatusWriter({ kubeConfig: source.config, log });
  let table: RoutingTable | null = null;
  let timer: NodeJS.Timeout | undefined;
  let writing = Promise.resolve();

  const writeStatus = () => {
    if (table === null || !elector.isLeader()) return;
    const current = table;
    writing = writing.then(async () => {
      const addresses = await status.publishAddresses({
        ...(options.publishService ? { publishService: options.publishService } : {}),
        publishStatusAddress: options.publishStatusAddress,
      });
      if (addresses === null) return;
      const result = await status.update(servedIngresses(current), addresses);
      if (result.updated > 0 || result.failed > 0) log.info('Ingress status written', { ...result });
    });
    writing = writing.catch((error: unknown) =>
      log.warn(`status update failed: ${String(error)}`, { code: 'StatusFailed' }),
    );
  };

  const elector = createLeaderElector({
    kubeConfig: source.config,
    namespace: process.env.POD_NAMESPACE ?? 'default',
    name: options.electionId,
    identity,
    log,
    onStartedLeading: () => {
      log.info('elected leader: writing Ingress status', { identity });
      writeStatus();
      timer = setInterval(writeStatus, statusIntervalMs);
      timer.unref();
    },
    onStoppedLeading: () => {
      log.info('no longer the leader', { identity });
      clearInterval(timer);
    },
  });
  elector.start();

  return {
    report(next, diagnostics) {
      table = next;
      events.record(diagnostics);
      writeStatus();
    },
    async stop() {
      clearInterval(timer);
      await writing;
      await elector.stop();
      await events.flush();
    },
  };
}

/** Every Ingress the table serves something for, sorted. */
function servedIngresses(table: RoutingTable): NamespacedName[] {
  const seen = new Map<string, NamespacedName>();
  const add = (ref: { namespace: string; name: string }) => seen.set(`${ref.namespace}/${ref.name}`, ref);
  for (const server of [...Object.values(table.servers), table.catchAll]) {
    for (const route of server.routes) add(route.ingress);
    if (server.tls !== null) add(server.tls.ingress);
  }
  for (const target of Object.values(table.passthrough)) add(target.ingress);
  return [...seen.keys()].sort().map((key) => seen.get(key) as NamespacedName);
}
