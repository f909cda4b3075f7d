/**
 * Prometheus instruments with ingress-nginx's names and labels (so its dashboards and alerts
 * keep working) plus portcullis_* families for what it never measured.
 *
 * Which process records what: request, handshake and passthrough samples in every process that
 * serves traffic (each keeps the label bounds current with trackTable); table samples
 * (observeTable) in the controller process only. Worker registries are summed by aggregate.ts.
 */
import type { RoutingTable } from '@portcullis/config-model';
import { Registry } from 'prom-client';
import type { RequestObservation } from '../http/types.ts';
import { LabelBounds } from './bounds.ts';
import { ConnectionFamilies, type HandshakeSample, type PassthroughSample } from './connections.ts';
import { ControllerFamilies, type TableSample } from './controller.ts';
import { INGRESS_NGINX_PREFIX, LENGTH_BUCKETS, TIME_BUCKETS } from './families.ts';
import { RequestFamilies, type RequestSample } from './requests.ts';

export { aggregateMetrics, type MetricsSnapshot, snapshotMetrics } from './aggregate.ts';
export { CATCH_ALL_HOST } from './bounds.ts';
export { hashGaugeValue } from './controller.ts';
export { LENGTH_BUCKETS, TIME_BUCKETS } from './families.ts';
export type { HandshakeSample, PassthroughSample, RequestSample, TableSample };

export interface MetricsOptions {
  /** Defaults to a new Registry (never prom-client's global one). */
  readonly registry?: Registry;
  /** Prefix of the ingress-nginx families; default `nginx_ingress_controller`. */
  readonly prefix?: string;
  /** ingress-nginx's --controller-class value, e.g. `k8s.io/ingress-nginx`. */
  readonly controllerClass?: string;
  /** The controller Pod's namespace (POD_NAMESPACE) and name (POD_NAME). */
  readonly controllerNamespace?: string;
  readonly controllerPod?: string;
  /** --time-buckets and --length-buckets. */
  readonly timeBuckets?: readonly number[];
  readonly lengthBuckets?: readonly number[];
  /** --report-status-classes: status="2xx" instead of "200". */
  readonly reportStatusClasses?: boolean;
  /** Clock for config_last_reload_successful_timestamp_seconds (ms since epoch). */
  readonly now?: () => number;
}

/** The http/ request handler's view of a finished request (RequestMetrics.observe). */
export type { RequestObservation } from '../http/types.ts';

export interface Metrics {
  readonly registry: Registry;
  readonly contentType: string;
  /** Adopts a table's label bounds (hosts, Ingresses) and drops series of removed Ingresses. */
  trackTable(table: RoutingTable): void;
  observeRequest(sample: RequestSample): void;
  /** observeRequest as http/'s createRequestHandler({ metrics }) calls it (no upstream phases). */
  observe(observation: RequestObservation): void;
  observeHandshake(sample: HandshakeSample): void;
  observePassthrough(sample: PassthroughSample): void;
  /** Called on each scrape before the passthrough families are read (ConnectionFamilies). */
  addPassthroughSource(source: () => void): void;
  /** Reload and certificate gauges for a build; also calls trackTable on success. */
  observeTable(sample: TableSample): void;
  render(): Promise<string>;
}

export function createMetrics(options: MetricsOptions = {}): Metrics {
  const registry = options.registry ?? new Registry();
  const prefix = options.prefix ?? INGRESS_NGINX_PREFIX;
  const identity = {
    namespace: options.controllerNamespace ?? '',
    class: options.controllerClass ?? '',
    pod: options.controllerPod ?? '',
  };
  const bounds = new LabelBounds();
  const requests = new RequestFamilies(registry, bounds, {
    prefix,
    controller: {
      controller_namespace: identity.namespace,
      controller_class: identity.class,
      controller_pod: identity.pod,
    },
    timeBuckets: options.timeBuckets ?? TIME_BUCKETS,
    lengthBuckets: options.lengthBuckets ?? LENGTH_BUCKETS,
    reportStatusClasses: options.reportStatusClasses ?? false,
  });
  const connections = new ConnectionFamilies(registry, bounds);
  const controller = new ControllerFamilies(registry, prefix, identity, options.now ?? Date.now);
  const trackTable = (table: RoutingTable): void => requests.forget(bounds.update(table));
  return {
    registry,
    get contentType() {
      return registry.contentType;
    },
    trackTable,
    observeRequest: (sample) => requests.observe(sample),
    observe: (o) => requests.observe(o),
    observeHandshake: (sample) => connections.observeHandshake(sample),
    observePassthrough: (sample) => connections.observePassthrough(sample),
    addPassthroughSource: (source) => connections.addPassthroughSource(source),
    observeTable: (sample) => {
      controller.observe(sample);
      if (sample.success && sample.table !== null) trackTable(sample.table);
    },
    render: () => registry.metrics(),
  };
}
