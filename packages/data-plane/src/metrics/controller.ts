/**
 * What ingress-nginx's Controller collector reports about reloads and certificates, fed by
 * table swaps instead of NGINX reloads, plus portcullis_* families for the build itself.
 * Record these in ONE process (the controller / cluster primary): worker registries are summed.
 */
import { createHash } from 'node:crypto';
import type { Diagnostic, RoutingTable } from '@portcullis/config-model';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { certificateInfo, certificateUses, expirySeconds } from './certificates.ts';
import { BUILD_BUCKETS, CONTROLLER_LABELS, HELP, SSL_EXPIRE_LABELS, SSL_INFO_LABELS } from './families.ts';

/** One build: the table now in use (null when the build failed and the last good one stays). */
export interface TableSample {
  readonly table: RoutingTable | null;
  readonly diagnostics: readonly Diagnostic[];
  readonly buildSeconds: number;
  /** false: the build failed system-wide (like a failed NGINX reload); the old table stays. */
  readonly success: boolean;
  /** Defaults to one more than the last successful observation. */
  readonly generation?: number;
}

export interface ControllerIdentity {
  readonly namespace: string;
  readonly class: string;
  readonly pod: string;
}

type ControllerLabel = (typeof CONTROLLER_LABELS)[number];

export class ControllerFamilies {
  readonly #identity: Record<ControllerLabel, string>;
  readonly #sslLabels: { namespace: string; class: string };
  readonly #now: () => number;
  readonly #hash: Gauge<ControllerLabel>;
  readonly #success: Gauge<ControllerLabel>;
  readonly #successTime: Gauge<ControllerLabel>;
  readonly #reloads: Counter<ControllerLabel>;
  readonly #reloadErrors: Counter<ControllerLabel>;
  readonly #sslExpire: Gauge<(typeof SSL_EXPIRE_LABELS)[number]>;
  readonly #sslInfo: Gauge<(typeof SSL_INFO_LABELS)[number]>;
  readonly #build: Histogram;
  readonly #diagnostics: Gauge<'code' | 'severity'>;
  readonly #generation: Gauge;
  #lastGeneration = 0;

  constructor(registry: Registry, prefix: string, identity: ControllerIdentity, now: () => number) {
    this.#identity = {
      controller_namespace: identity.namespace,
      controller_class: identity.class,
      controller_pod: identity.pod,
    };
    this.#sslLabels = { namespace: identity.namespace, class: identity.class };
    this.#now = now;
    const registers = [registry];
    const labelNames = CONTROLLER_LABELS;
    // 'max' so a process that never records these (a worker's registry) cannot add to them.
    const gauge = (suffix: string, help: string): Gauge<ControllerLabel> =>
      new Gauge({ name: `${prefix}_${suffix}`, help, labelNames, registers, aggregator: 'max' });
    this.#hash = gauge('config_hash', HELP.configHash);
    this.#success = gauge('config_last_reload_successful', HELP.configSuccess);
    this.#successTime = gauge('config_last_reload_successful_timestamp_seconds', HELP.configSuccessTime);
    this.#reloads = new Counter({ name: `${prefix}_success`, help: HELP.reloads, labelNames, registers });
    this.#reloadErrors = new Counter({
      name: `${prefix}_errors`,
      help: HELP.reloadErrors,
      labelNames,
      registers,
    });
    this.#sslExpire = new Gauge({
      name: `${prefix}_ssl_expire_time_seconds`,
      help: HELP.sslExpire,
      labelNames: SSL_EXPIRE_LABELS,
      registers,
      aggregator: 'max',
    });
    this.#sslInfo = new Gauge({
      name: `${prefix}_ssl_certificate_info`,
      help: HELP.sslInfo,
      labelNames: SSL_INFO_LABELS,
      registers,
      aggregator: 'max',
    });
    this.#build = new Histogram({
      name: 'portcullis_table_build_duration_seconds',
      help: HELP.tableBuild,
      buckets: [...BUILD_BUCKETS],
      registers,
    });
    this.#diagnostics = new Gauge({
      name: 'portcullis_diagnostics',
      help: HELP.diagnostics,
      labelNames: ['code', 'severity'],
      registers,
      aggregator: 'max',
    });
    this.#generation = new Gauge({
      name: 'portcullis_table_generation',
      help: HELP.tableGeneration,
      registers,
      aggregator: 'max',
    });
  }

  observe(sample: TableSample): void {
    this.#build.observe(sample.buildSeconds);
    this.#setDiagnostics(sample.diagnostics);
    if (!sample.success || sample.table === null) {
      // Controller.ConfigSuccess(hash, false): both gauges drop to 0; certificates keep their
      // last values because the last good configuration is still being served.
      this.#reloadErrors.inc(this.#identity);
      this.#success.set(this.#identity, 0);
      this.#hash.set(this.#identity, 0);
      return;
    }
    this.#reloads.inc(this.#identity);
    this.#success.set(this.#identity, 1);
    this.#successTime.set(this.#identity, Math.floor(this.#now() / 1000));
    this.#hash.set(this.#identity, hashGaugeValue(sample.table.hash));
    this.#lastGeneration = sample.generation ?? this.#lastGeneration + 1;
    this.#generation.set(this.#lastGeneration);
    this.#setCertificates(sample.table);
  }

  /** Rebuilt from scratch each time: hosts and certificates that left simply disappear. */
  #setCertificates(table: RoutingTable): void {
    this.#sslExpire.reset();
    this.#sslInfo.reset();
    for (const { host, certificate } of certificateUses(table)) {
      const secretName = certificate.secret?.name ?? '';
      const expiry = expirySeconds(certificate);
      if (expiry !== null) this.#sslExpire.set({ ...this.#sslLabels, host, secret_name: secretName }, expiry);
      const info = certificateInfo(certificate);
      if (info === null) continue;
      const namespace = certificate.secret?.namespace ?? '';
      this.#sslInfo.set(
        { ...info, namespace, class: this.#sslLabels.class, host, secret_name: secretName },
        1,
      );
    }
  }

  #setDiagnostics(diagnostics: readonly Diagnostic[]): void {
    this.#diagnostics.reset();
    const counts = new Map<string, { code: string; severity: string; count: number }>();
    for (const d of diagnostics) {
      const key = `${d.code}/${d.severity}`;
      const entry = counts.get(key) ?? { code: d.code, severity: d.severity, count: 0 };
      entry.count++;
      counts.set(key, entry);
    }
    for (const { code, severity, count } of counts.values()) this.#diagnostics.set({ code, severity }, count);
  }
}

/**
 * ingress-nginx exports a uint64 structure hash as a float. A float64 holds 53 bits exactly, so
 * the first 52 bits (13 hex digits) of the table's sha256 are used: equal tables, equal values.
 */
export function hashGaugeValue(hash: string): number {
  const hex = /^[0-9a-f]{13}/i.test(hash) ? hash : createHash('sha256').update(hash).digest('hex');
  return Number.parseInt(hex.slice(0, 13), 16);
}
