/**
 * The per-request families of ingress-nginx's socket collector (socket.go): one counter and six
 * histograms over the same label set. Series of an Ingress that left the table are deleted,
 * as ingress-nginx's SocketCollector.RemoveMetrics does, so dashboards do not show ghosts.
 */
import { Counter, Histogram, type Registry } from 'prom-client';
import { boundMethod, boundStatus, type LabelBounds } from './bounds.ts';
import { HELP, REQUEST_LABELS } from './families.ts';

type RequestLabel = (typeof REQUEST_LABELS)[number];
type Labels = Record<RequestLabel, string>;

/** One finished request. Durations in seconds, sizes in bytes (nginx's meanings). */
export interface RequestSample {
  readonly method: string;
  readonly status: number;
  /** The request's host ($host); mapped to the server that answered, `_` when none did. */
  readonly host: string;
  /** The matched route's path (the Ingress path, never the request URI), '' when none. */
  readonly path: string;
  readonly namespace: string;
  readonly ingress: string;
  readonly service: string;
  /** $request_length: request line, headers and body. */
  readonly requestSize: number;
  /** $bytes_sent: status line, headers and body. */
  readonly responseSize: number;
  /** $request_time. */
  readonly requestDurationSeconds: number;
  /** $upstream_response_time; null/undefined when no upstream answered (local reply). */
  readonly upstreamDurationSeconds?: number | null;
  /** $upstream_header_time. */
  readonly upstreamHeaderSeconds?: number | null;
  /** $upstream_connect_time. */
  readonly upstreamConnectSeconds?: number | null;
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
  /** `namespace/ingress` -> series key -> labels: what to delete when the Ingress goes. */
  readonly #series = new Map<string, Map<string, Labels>>();

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
    const labels = this.#labels(sample);
    this.#requests.inc(labels);
    this.#requestTime.observe(labels, sample.requestDurationSeconds);
    this.#requestSize.observe(labels, sample.requestSize);
    this.#responseSize.observe(labels, sample.responseSize);
    // socket.go skips a histogram when nginx reports -1 (no upstream was involved).
    if (isMeasured(sample.upstreamDurationSeconds))
      this.#responseTime.observe(labels, sample.upstreamDurationSeconds);
    if (isMeasured(sample.upstreamHeaderSeconds))
      this.#headerTime.observe(labels, sample.upstreamHeaderSeconds);
    if (isMeasured(sample.upstreamConnectSeconds))
      this.#connectTime.observe(labels, sample.upstreamConnectSeconds);
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
    for (const key of ingresses) {
      const series = this.#series.get(key);
      if (series === undefined) continue;
      this.#series.delete(key);
      for (const labels of series.values()) for (const family of families) family.remove(labels);
    }
  }

  #labels(sample: RequestSample): Labels {
    const labels: Labels = {
      ...this.#options.controller,
      status: boundStatus(sample.status, this.#options.reportStatusClasses),
      method: boundMethod(sample.method),
      path: sample.path,
      namespace: sample.namespace,
      ingress: sample.ingress,
      service: sample.service,
      canary: '',
      host: this.#bounds.host(sample.host),
    };
    if (labels.ingress !== '') this.#remember(labels);
    return labels;
  }

  #remember(labels: Labels): void {
    const ingressKey = `${labels.namespace}/${labels.ingress}`;
    let series = this.#series.get(ingressKey);
    if (series === undefined) {
      series = new Map();
      this.#series.set(ingressKey, series);
    }
    const key = `${labels.status} ${labels.method} ${labels.host} ${labels.service} ${labels.path}`;
    if (!series.has(key)) series.set(key, labels);
  }
}

function isMeasured(value: number | null | undefined): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0;
}
