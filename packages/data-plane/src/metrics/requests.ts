/**
 * The per-request families of ingress-nginx's socket collector (socket.go): one counter and six
 * histograms over the same label set. Series of an Ingress that left the table are deleted,
 * as ingress-nginx's SocketCollector.RemoveMetrics does, so dashboards do not show ghosts.
 */
import { Counter, Histogram, type Registry } from 'prom-client';
import type { RequestObservation } from '../http/types.ts';
import { boundMethod, boundStatus, type LabelBounds } from './bounds.ts';
import { HELP, REQUEST_LABELS } from './families.ts';
import { Series } from './series.ts';

type RequestLabel = (typeof REQUEST_LABELS)[number];
type Labels = Record<RequestLabel, string>;

/**
 * One finished request: the http/ handler's observation (it is one as it stands, so the hot path
 * hands it over without a copy), plus the upstream phases only other callers can time.
 */
export interface RequestSample extends Omit<RequestObservation, 'upstreamDuration'> {
  /** $upstream_response_time; null/undefined when no upstream answered (local reply). */
  readonly upstreamDuration?: number | null;
  /** $upstream_header_time. */
  readonly upstreamHeaderDuration?: number | null;
  /** $upstream_connect_time. */
  readonly upstreamConnectDuration?: number | null;
}

export interface RequestFamilyOptions {
  readonly prefix: string;
  readonly controller: Readonly<
    Record<'controller_namespace' | 'controller_class' | 'controller_pod', string>
  >;
  readonly timeBuckets: readonly number[];
  readonly lengthBuckets: readonly number[];
  readonly reportStatusClasses: boolean;
}

export class RequestFamilies {
  readonly #options: RequestFamilyOptions;
  readonly #bounds: LabelBounds;
  readonly #requests: Counter<RequestLabel>;
  readonly #requestTime: Histogram<RequestLabel>;
  readonly #responseTime: Histogram<RequestLabel>;
  readonly #headerTime: Histogram<RequestLabel>;
  readonly #connectTime: Histogram<RequestLabel>;
  readonly #requestSize: Histogram<RequestLabel>;
  readonly #responseSize: Histogram<RequestLabel>;
  /**
   * `namespace/ingress` -> series key -> series: what to delete when the Ingress goes, and the
   * hot path's cache of prepared label sets (requests matching no Ingress live under '/').
   */
  readonly #series = new Map<string, Map<string, Series<RequestLabel>>>();
  /** The previous sample's label inputs and series: consecutive requests mostly share them. */
  #last: (LabelInputs & { readonly series: Series<RequestLabel> }) | null = null;

  constructor(registry: Registry, bounds: LabelBounds, options: RequestFamilyOptions) {
    this.#options = options;
    this.#bounds = bounds;
    const labelNames = REQUEST_LABELS;
    const registers = [registry];
    const name = (suffix: string): string => `${options.prefix}_${suffix}`;
    const histogram = (suffix: string, help: string, buckets: readonly number[]): Histogram<RequestLabel> =>
      new Histogram({ name: name(suffix), help, labelNames, buckets: [...buckets], registers });
    this.#requests = new Counter({ name: name('requests'), help: HELP.requests, labelNames, registers });
    this.#requestTime = histogram('request_duration_seconds', HELP.requestDuration, options.timeBuckets);
    this.#responseTime = histogram('response_duration_seconds', HELP.responseDuration, options.timeBuckets);
    this.#headerTime = histogram('header_duration_seconds', HELP.headerDuration, options.timeBuckets);
    this.#connectTime = histogram('connect_duration_seconds', HELP.connectDuration, options.timeBuckets);
    this.#requestSize = histogram('request_size', HELP.requestSize, options.lengthBuckets);
    this.#responseSize = histogram('response_size', HELP.responseSize, options.lengthBuckets);
  }

  observe(sample: RequestSample): void {
    const series = this.#seriesFor(sample);
    series.inc(this.#requests);
    series.observe(this.#requestTime, sample.requestDuration);
    series.observe(this.#requestSize, sample.requestSize);
    series.observe(this.#responseSize, sample.responseSize);
    // socket.go skips a histogram when nginx reports -1 (no upstream was involved).
    if (isMeasured(sample.upstreamDuration)) series.observe(this.#responseTime, sample.upstreamDuration);
    if (isMeasured(sample.upstreamHeaderDuration))
      series.observe(this.#headerTime, sample.upstreamHeaderDuration);
    if (isMeasured(sample.upstreamConnectDuration))
      series.observe(this.#connectTime, sample.upstreamConnectDuration);
  }

  /** Deletes every series of these Ingresses (`namespace/name`). */
  forget(ingresses: readonly string[]): void {
    const families = [
      this.#requests,
      this.#requestTime,
      this.#responseTime,
      this.#headerTime,
      this.#connectTime,
      this.#requestSize,
      this.#responseSize,
    ];
    // Called after every table update: host bounds may have changed too.
    this.#last = null;
    for (const key of ingresses) {
      const series = this.#series.get(key);
      if (series === undefined) continue;
      this.#series.delete(key);
      for (const { labels } of series.values()) for (const family of families) family.remove(labels);
    }
  }

  /** Every label value is bounded (bounds.ts), so the cache is as bounded as the registry. */
  #seriesFor(sample: RequestSample): Series<RequestLabel> {
    const last = this.#last;
    if (last !== null && sameInputs(last, sample)) return last.series;
    const series = this.#lookup(sample);
    const { status, method, host, path, namespace, ingress, service } = sample;
    this.#last = { status, method, host, path, namespace, ingress, service, series };
    return series;
  }

  #lookup(sample: RequestSample): Series<RequestLabel> {
    const status = boundStatus(sample.status, this.#options.reportStatusClasses);
    const method = boundMethod(sample.method);
    const host = this.#bounds.host(sample.host);
    const ingressKey = `${sample.namespace}/${sample.ingress}`;
    let byIngress = this.#series.get(ingressKey);
    if (byIngress === undefined) {
      byIngress = new Map();
      this.#series.set(ingressKey, byIngress);
    }
    const key = `${status} ${method} ${host} ${sample.service} ${sample.path}`;
    let series = byIngress.get(key);
    if (series === undefined) {
      const labels: Labels = {
        ...this.#options.controller,
        status,
        method,
        path: sample.path,
        namespace: sample.namespace,
        ingress: sample.ingress,
        service: sample.service,
        canary: '',
        host,
      };
      series = new Series(labels, REQUEST_LABELS);
      byIngress.set(key, series);
    }
    return series;
  }
}

type LabelInputs = Pick<
  RequestSample,
  'status' | 'method' | 'host' | 'path' | 'namespace' | 'ingress' | 'service'
>;

function sameInputs(a: LabelInputs, b: LabelInputs): boolean {
  return (
    a.status === b.status &&
    a.method === b.method &&
    a.host === b.host &&
    a.path === b.path &&
    a.service === b.service &&
    a.ingress === b.ingress &&
    a.namespace === b.namespace
  );
}

function isMeasured(value: number | null | undefined): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0;
}
