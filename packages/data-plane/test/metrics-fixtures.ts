/**
 * Shared by the metrics tests: tables built by config-model's build() from small manifests
 * (certificates generated at test time), and a parser for the Prometheus text format so tests
 * assert on what a scrape returns.
 */
import {
  build,
  type Diagnostic,
  defaultOptions,
  type RoutingTable,
  snapshotFromObjects,
} from '@portcullis/config-model';
import { generateFakeCertificate } from '../../config-model/src/certificates/index.ts';
import { leafCert, NOW, tlsSecret } from '../../config-model/test/support/certs.ts';
import { endpointSlice, ingress, service } from '../../config-model/test/support/objects.ts';

export { ingress, leafCert, NOW, tlsSecret };

const fake = generateFakeCertificate(NOW);

export function webService(name = 'web', namespace = 'default'): unknown[] {
  return [
    service(name, [{ port: 80, targetPort: 8080 }], namespace),
    endpointSlice(name, [{ ip: '10.0.0.1', ready: true }], [{ port: 8080 }], namespace),
  ];
}

export async function buildTable(
  objects: unknown[],
  options: { enableSslPassthrough?: boolean } = {},
): Promise<{ table: RoutingTable; diagnostics: Diagnostic[] }> {
  const { table, diagnostics } = build(snapshotFromObjects(objects).snapshot, {
    ...defaultOptions,
    ...options,
    watchIngressWithoutClass: true,
    fakeCertificate: await fake,
    now: NOW,
  });
  return { table, diagnostics: [...diagnostics] };
}

export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface Exposition {
  readonly samples: Sample[];
  readonly help: ReadonlyMap<string, string>;
  readonly type: ReadonlyMap<string, string>;
}

/** Parses text format 0.0.4 (the subset prom-client writes). */
export function parse(text: string): Exposition {
  const samples: Sample[] = [];
  const help = new Map<string, string>();
  const type = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const meta = /^# (HELP|TYPE) (\S+) (.*)$/.exec(line);
    if (meta !== null) {
      (meta[1] === 'HELP' ? help : type).set(meta[2] ?? '', meta[3] ?? '');
      continue;
    }
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (sample === null) throw new Error(`unparseable line: ${line}`);
    samples.push({ name: sample[1] ?? '', labels: parseLabels(sample[2] ?? ''), value: Number(sample[3]) });
  }
  return { samples, help, type };
}

function parseLabels(text: string): Record<string, string> {
  const labels: Record<string, string> = {};
  const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)",?/g;
  for (const m of text.matchAll(re)) {
    labels[m[1] ?? ''] = (m[2] ?? '').replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
  }
  return labels;
}

/** Samples of `name` whose labels include `match`. */
export function find(exposition: Exposition, name: string, match: Record<string, string> = {}): Sample[] {
  return exposition.samples.filter(
    (s) => s.name === name && Object.entries(match).every(([k, v]) => s.labels[k] === v),
  );
}

/** The one sample of `name` matching `match`; throws when there is not exactly one. */
export function value(exposition: Exposition, name: string, match: Record<string, string> = {}): number {
  const found = find(exposition, name, match);
  if (found.length !== 1)
    throw new Error(`${found.length} samples of ${name} match ${JSON.stringify(match)}`);
  return found[0]?.value ?? Number.NaN;
}
