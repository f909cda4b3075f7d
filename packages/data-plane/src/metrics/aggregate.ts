/**
 * Summing registries of several processes into one exposition (cluster workers + primary).
 * Counters and histograms add up; the gauges createMetrics defines carry aggregator 'max' so
 * the controller's values are not multiplied by the number of workers.
 */
import {
  AggregatorRegistry,
  type MetricObjectWithValues,
  type MetricValue,
  type Registry,
} from 'prom-client';

/** registry.getMetricsAsJSON() of one process: structured-clone/JSON safe. */
export type MetricsSnapshot = MetricObjectWithValues<MetricValue<string>>[];

export function snapshotMetrics(registry: Registry): Promise<MetricsSnapshot> {
  return registry.getMetricsAsJSON() as Promise<MetricsSnapshot>;
}

/** Merges snapshots into one registry; render it with `.metrics()`. */
export function aggregateMetrics(snapshots: readonly MetricsSnapshot[]): Registry {
  return AggregatorRegistry.aggregate(snapshots as MetricObjectWithValues<MetricValue<string>>[][]);
}

/**
 * The monotonic part of a snapshot (counters and histograms): what a dead worker leaves behind
 * so that sums do not drop when it is replaced, which Prometheus would read as a counter reset.
 */
export function monotonicPart(snapshot: MetricsSnapshot): MetricsSnapshot {
  // prom-client's typings declare a numeric enum, but the runtime value is the type's name.
  return snapshot.filter((metric) => {
    const type = String(metric.type);
    return type === 'counter' || type === 'histogram';
  });
}
