/**
 * build() at scale: 10,000 Ingresses, each with its own host, Service, EndpointSlice and TLS
 * Secret (10,000 distinct certificates and keys). Prints the cold build time, the rebuild time
 * after one Ingress changes and after one Secret rotates (memoized builder), and heap used.
 * Targets on a 2-core machine: cold < 1 s, rebuild < 50 ms.
 *   pnpm bench:build [-- --count 10000]
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { generateFakeCertificate } from '../src/certificates/index.ts';
import { issueCertificate } from '../src/certificates/issue.ts';
import { type BuildOptions, createBuilder, defaultOptions, type Snapshot } from '../src/index.ts';

const { values } = parseArgs({
  // `pnpm bench:build -- --count 2000` passes the `--` through; skip it.
  args: process.argv.slice(2).filter((arg) => arg !== '--'),
  options: { count: { type: 'string', default: '10000' }, runs: { type: 'string', default: '5' } },
});
const count = Number(values.count);
const runs = Number(values.runs);
const now = new Date();

type Pair = { certPem: string; keyPem: string };

/** Certificates are cached in the temp dir: issuing 10,000 takes a while and is not measured. */
async function certificates(n: number): Promise<Pair[]> {
  const dir = join(tmpdir(), 'portcullis-bench');
  const file = join(dir, `certs-${n}.json`);
  if (existsSync(file)) {
    const cached = JSON.parse(readFileSync(file, 'utf8')) as { notAfter: string; pairs: Pair[] };
    if (Date.parse(cached.notAfter) > now.getTime() + 86_400_000) return cached.pairs;
  }
  const notBefore = new Date(now.getTime() - 86_400_000);
  const notAfter = new Date(now.getTime() + 30 * 86_400_000);
  const ca = await issueCertificate({
    commonName: 'Bench CA',
    isCa: true,
    keyType: 'ECDSA-P-256',
    notBefore,
    notAfter,
  });
  const pairs: Pair[] = [];
  for (let i = 0; i < n; i += 200) {
    const batch = Array.from({ length: Math.min(200, n - i) }, (_, j) =>
      issueCertificate({ dnsNames: [host(i + j)], keyType: 'ECDSA-P-256', issuer: ca, notBefore, notAfter }),
    );
    pairs.push(
      ...(await Promise.all(batch)).map((c) => ({ certPem: c.certPem + ca.certPem, keyPem: c.keyPem })),
    );
  }
  mkdirSync(dir, { recursive: true });
  writeFileSync(file, JSON.stringify({ notAfter: notAfter.toISOString(), pairs }));
  return pairs;
}

function host(i: number): string {
  return `app-${i}.bench.example.com`;
}

function ingress(i: number, path = '/'): unknown {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: {
      name: `app-${i}`,
      namespace: `ns-${i % 100}`,
      uid: `ing-${i}`,
      resourceVersion: '1',
      creationTimestamp: new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString(),
      annotations: { 'nginx.ingress.kubernetes.io/ssl-redirect': 'true' },
    },
    spec: {
      ingressClassName: 'nginx',
      tls: [{ hosts: [host(i)], secretName: `tls-${i}` }],
      rules: [
        {
          host: host(i),
          http: {
            paths: [
              { path, pathType: 'Prefix', backend: { service: { name: `svc-${i}`, port: { number: 80 } } } },
            ],
          },
        },
      ],
    },
  };
}

function secret(i: number, pair: Pair, version = '1'): unknown {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'kubernetes.io/tls',
    metadata: { name: `tls-${i}`, namespace: `ns-${i % 100}`, uid: `sec-${i}`, resourceVersion: version },
    data: {
      'tls.crt': Buffer.from(pair.certPem).toString('base64'),
      'tls.key': Buffer.from(pair.keyPem).toString('base64'),
    },
  };
}

function snapshotOf(pairs: Pair[]): Snapshot & { ingresses: unknown[]; secrets: unknown[] } {
  return {
    ingresses: pairs.map((_, i) => ingress(i)),
    ingressClasses: [
      {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'IngressClass',
        metadata: { name: 'nginx' },
        spec: { controller: 'k8s.io/ingress-nginx' },
      },
    ],
    secrets: pairs.map((p, i) => secret(i, p)),
    services: pairs.map((_, i) => ({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: `svc-${i}`, namespace: `ns-${i % 100}` },
      spec: { clusterIP: '10.96.0.1', ports: [{ port: 80, targetPort: 8080 }] },
    })),
    endpointSlices: pairs.map((_, i) => ({
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: {
        name: `svc-${i}-x`,
        namespace: `ns-${i % 100}`,
        labels: { 'kubernetes.io/service-name': `svc-${i}` },
      },
      addressType: 'IPv4',
      endpoints: [{ addresses: [`10.1.${(i >> 8) & 255}.${i & 255}`] }],
      ports: [{ port: 8080 }],
    })),
    configMaps: [],
  };
}

/** Wall and CPU milliseconds of fn: other processes load the machine, CPU time is steadier. */
function measure(fn: () => unknown): { wall: number; cpu: number } {
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  fn();
  const wall = Number(process.hrtime.bigint() - start) / 1e6;
  const used = process.cpuUsage(cpu);
  return { wall, cpu: (used.user + used.system) / 1000 };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
}

const pairs = await certificates(count);
const options: BuildOptions = { ...defaultOptions, fakeCertificate: await generateFakeCertificate(now), now };
const gc = (globalThis as { gc?: () => void }).gc;

const cold: number[] = [];
const coldCpu: number[] = [];
let builder = createBuilder();
let snapshot = snapshotOf(pairs);
for (let r = 0; r < runs; r++) {
  builder = createBuilder();
  snapshot = snapshotOf(pairs);
  gc?.();
  let result: ReturnType<typeof builder.build> | undefined;
  const m = measure(() => {
    result = builder.build(snapshot, options);
  });
  cold.push(m.wall);
  coldCpu.push(m.cpu);
  const { table, diagnostics } = result as ReturnType<typeof builder.build>;
  if (Object.keys(table.servers).length !== count || diagnostics.some((d) => d.severity === 'error')) {
    throw new Error(
      `unexpected result: ${Object.keys(table.servers).length} servers, ${diagnostics.length} diagnostics`,
    );
  }
}

const ingressChange: number[] = [];
const ingressChangeCpu: number[] = [];
const secretRotation: number[] = [];
const secretRotationCpu: number[] = [];
for (let r = 0; r < runs * 4; r++) {
  const i = (r * 7919) % count;
  snapshot.ingresses[i] = ingress(i, `/v${r}`);
  let m = measure(() => builder.build(snapshot, options));
  ingressChange.push(m.wall);
  ingressChangeCpu.push(m.cpu);
  snapshot.secrets[i] = secret(i, pairs[(i + 1) % count] as Pair, `r${r}`);
  m = measure(() => builder.build(snapshot, options));
  secretRotation.push(m.wall);
  secretRotationCpu.push(m.cpu);
  snapshot.secrets[i] = secret(i, pairs[i] as Pair, `b${r}`);
  builder.build(snapshot, options);
}
gc?.();
const heap = process.memoryUsage().heapUsed / 1024 / 1024;

console.log(
  `build() with ${count} Ingresses, ${count} Services/EndpointSlices, ${count} TLS Secrets (Node ${process.version})`,
);
console.log(
  `cold build          median ${median(cold).toFixed(1)} ms  cpu ${median(coldCpu).toFixed(1)} ms  (runs: ${cold.map((x) => x.toFixed(0)).join(', ')})  target < 1000 ms`,
);
console.log(
  `rebuild, 1 Ingress  median ${median(ingressChange).toFixed(1)} ms  cpu ${median(ingressChangeCpu).toFixed(1)} ms  (max ${Math.max(...ingressChange).toFixed(1)})  target < 50 ms`,
);
console.log(
  `rebuild, 1 Secret   median ${median(secretRotation).toFixed(1)} ms  cpu ${median(secretRotationCpu).toFixed(1)} ms  (max ${Math.max(...secretRotation).toFixed(1)})  target < 50 ms`,
);
console.log(
  `heap used           ${heap.toFixed(0)} MiB${gc ? ' (after GC)' : ' (run with --expose-gc for a post-GC figure)'}`,
);
