/**
 * Just enough of PromQL and the Prometheus text format to hold deploy/prometheus/alerts.yaml
 * against a running portcullis: which metric names and label names each rule uses, and which
 * families and labels /metrics really exposes.
 */

/** Metrics the rules take from elsewhere: Prometheus itself and kube-state-metrics. */
export const externalMetrics: ReadonlySet<string> = new Set([
  'up',
  'kube_deployment_status_replicas_available',
]);

const functions = new Set([
  'min',
  'max',
  'sum',
  'avg',
  'count',
  'rate',
  'increase',
  'absent',
  'time',
  'by',
  'without',
  'and',
  'or',
  'unless',
  'on',
  'ignoring',
]);

/** Metric names in an expression (identifiers that are not functions, keywords or label names). */
export function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, '{}')
    .replace(/\b(by|without|on|ignoring)\s*\([^)]*\)/g, '')
    .replace(/\[[^\]]*\]/g, '');
  const names = [...stripped.matchAll(/\b([a-zA-Z_:][a-zA-Z0-9_:]*)\b/g)].map((m) => m[1] as string);
  return [...new Set(names.filter((n) => !functions.has(n) && !/^\d/.test(n)))];
}

/** Label names used in selectors and by() clauses. */
export function labelNames(expr: string): string[] {
  const names = new Set<string>();
  for (const [, inner = ''] of expr.matchAll(/\{([^}]*)\}/g)) {
    for (const [, name] of inner.matchAll(/([a-zA-Z_]\w*)\s*(?:=~|!~|!=|=)/g)) names.add(name as string);
  }
  for (const [, inner = ''] of expr.matchAll(/\bby\s*\(([^)]*)\)/g)) {
    for (const name of inner.split(',')) if (name.trim() !== '') names.add(name.trim());
  }
  return [...names];
}

export interface Exposition {
  /** Family name -> type, from `# TYPE` lines. */
  readonly types: Map<string, string>;
  /** Sample name -> label names seen; histogram samples keep their _bucket/_sum/_count name. */
  readonly labels: Map<string, Set<string>>;
  /** Sample lines, for values. */
  readonly samples: { name: string; labels: Record<string, string>; value: number }[];
}

export function parseExposition(text: string): Exposition {
  const types = new Map<string, string>();
  const labels = new Map<string, Set<string>>();
  const samples: Exposition['samples'] = [];
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type) types.set(type[1] as string, type[2] as string);
    if (line === '' || line.startsWith('#')) continue;
    const sample = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)/.exec(line);
    if (!sample) continue;
    const name = sample[1] as string;
    const pairs = Object.fromEntries(
      [...(sample[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [
        m[1] as string,
        m[2] as string,
      ]),
    );
    const seen = labels.get(name) ?? new Set<string>();
    for (const key of Object.keys(pairs)) seen.add(key);
    labels.set(name, seen);
    samples.push({ name, labels: pairs, value: Number(sample[3]) });
  }
  return { types, labels, samples };
}

/** The family a sample name belongs to (histogram and summary suffixes removed). */
export function familyOf(name: string, types: ReadonlyMap<string, string>): string | undefined {
  if (types.has(name)) return name;
  const base = name.replace(/_(bucket|sum|count)$/, '');
  return types.has(base) ? base : undefined;
}
