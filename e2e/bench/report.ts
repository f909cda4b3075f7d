/**
 * The printed result: one row per scenario and proxy, then the portcullis/nginx ratios against
 * the targets. CPU µs per request is the proxy's process-tree CPU time over the measured
 * window divided by the requests (or connections) completed in it.
 */
import type { LoadResult } from './handshakes.ts';

export type ProxyName = 'nginx' | 'portcullis';

export interface Measurement {
  readonly scenario: string;
  readonly proxy: ProxyName;
  readonly load: LoadResult;
  readonly cpuMicros: number;
  /** The kernel's share of cpuMicros (stime): syscalls, TCP, epoll. */
  readonly sysMicros: number;
  readonly wallSeconds: number;
}

export interface Target {
  readonly scenario: string;
  /** cpu: portcullis CPU/req over nginx's must be <= limit; rate: portcullis capacity over nginx's >= limit. */
  readonly kind: 'cpu' | 'rate';
  /** null: a figure reported beside the targets, with no verdict. */
  readonly limit: number | null;
}

export const rps = (m: Measurement) => m.load.requests / m.load.seconds;
export const cpuPerRequest = (m: Measurement) =>
  m.load.requests === 0 ? Number.NaN : m.cpuMicros / m.load.requests;
/** Requests/s the proxy would sustain on one fully used core at this CPU cost. */
const capacity = (m: Measurement) => 1_000_000 / cpuPerRequest(m);
const coreShare = (m: Measurement) => m.cpuMicros / 1_000_000 / m.wallSeconds;

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells.map((c, i) => (i < 2 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

const fixed = (n: number, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');

export function resultsTable(measurements: readonly Measurement[]): string {
  const rows = measurements.map((m) => [
    m.scenario,
    m.proxy,
    fixed(rps(m)),
    fixed(cpuPerRequest(m), 1),
    fixed(capacity(m)),
    `${fixed(coreShare(m) * 100)}%`,
    `${fixed((m.sysMicros / m.cpuMicros) * 100)}%`,
    m.load.p99Ms === null ? 'n/a' : fixed(m.load.p99Ms, 2),
    String(m.load.errors),
  ]);
  return table(
    [
      'scenario',
      'proxy',
      'req/s',
      'CPU µs/req',
      'req/s@1core',
      'proxy core',
      'sys share',
      'p99 ms',
      'errors',
    ],
    rows,
  );
}

export function verdictTable(measurements: readonly Measurement[], targets: readonly Target[]): string {
  const rows: string[][] = [];
  for (const target of targets) {
    const nginx = measurements.find((m) => m.scenario === target.scenario && m.proxy === 'nginx');
    const ours = measurements.find((m) => m.scenario === target.scenario && m.proxy === 'portcullis');
    if (nginx === undefined || ours === undefined) continue;
    const ratio =
      target.kind === 'cpu' ? cpuPerRequest(ours) / cpuPerRequest(nginx) : capacity(ours) / capacity(nginx);
    const { limit } = target;
    const verdict =
      limit === null ? 'info' : (target.kind === 'cpu' ? ratio <= limit : ratio >= limit) ? 'PASS' : 'MISS';
    rows.push([
      target.scenario,
      target.kind === 'cpu' ? 'CPU per request' : 'req/s per proxy core',
      fixed(ratio, 2),
      limit === null ? '-' : `${target.kind === 'cpu' ? '<=' : '>='} ${limit}`,
      verdict,
      fixed(rps(ours) / rps(nginx), 2),
      ours.load.p99Ms === null || nginx.load.p99Ms === null
        ? 'n/a'
        : fixed(ours.load.p99Ms / nginx.load.p99Ms, 2),
    ]);
  }
  return table(
    ['scenario', 'metric', 'portcullis/nginx', 'target', 'verdict', 'measured req/s ratio', 'p99 ratio'],
    rows,
  );
}
