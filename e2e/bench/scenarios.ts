/**
 * The scenarios, each run for both proxies back to back (order alternating between scenarios so
 * slow drift in the machine's load does not always favour the same proxy), with an unmeasured
 * warm-up first (V8's JIT, nginx's upstream keep-alive pool) and the proxy's CPU read around
 * the measured window.
 */
import type { Cleanup } from './env.ts';
import { HOST, PASSTHROUGH_HOST } from './fixtures.ts';
import { type LoadResult, runHandshakes } from './handshakes.ts';
import { logFileIn, runH2load, runWrk } from './load.ts';
import { treeCpuMicros } from './processes.ts';
import type { Measurement, ProxyName, Target } from './report.ts';

export interface ProxyUnderTest {
  readonly name: ProxyName;
  /** Terminating listener (HTTP/1.1 + h2) and the process tree serving it. */
  readonly httpsPort: number;
  readonly pid: number;
  /** Where passthrough connections go, and the process tree serving them. */
  readonly passthroughPort: number;
  readonly passthroughPid: number;
  /** The same with portcullis's JavaScript relay (--passthrough-splicer=javascript; nginx: itself). */
  readonly jsRelayPort: number;
  readonly jsRelayPid: number;
  /**
   * The *-node-floor rows' listeners (node-floor.ts in portcullis's place; nginx's own for nginx):
   * a bare node:net relay to the passthrough backend, and a bare TLS server answering 200.
   */
  readonly floorPort: number;
  readonly tlsFloorPort: number;
  readonly floorPid: number;
}

export interface RunSettings {
  readonly cleanup: Cleanup;
  readonly seconds: number;
  readonly warmupSeconds: number;
  readonly connections: number;
}

export interface Scenario {
  readonly name: string;
  readonly describe: string;
  readonly pid: (proxy: ProxyUnderTest) => number;
  readonly run: (proxy: ProxyUnderTest, settings: RunSettings, seconds: number) => Promise<LoadResult>;
}

const terminating = (proxy: ProxyUnderTest) => proxy.pid;

/**
 * What Debian's OpenSSL 3.0 clients (wrk, h2load) offer, so a full handshake costs both proxies
 * the same key exchange: nginx 1.22 here is built with OpenSSL 3.0 and has no ML-KEM.
 */
const CLASSIC_GROUPS = 'X25519:P-256:P-384';

type Listener = (proxy: ProxyUnderTest) => { port: number; pid: number };

const terminatingListener: Listener = (proxy) => ({ port: proxy.httpsPort, pid: proxy.pid });

/**
 * Full TLS handshakes (no session offered), one request each, to `listener` for `host`: a
 * terminating listener, or a splicing one whose backend does the handshake. `groups` is what the
 * client offers (Node's default if unset).
 */
function handshakes(
  name: string,
  describe: string,
  listener: Listener,
  host: string,
  groups?: string,
): Scenario {
  return {
    name,
    describe,
    pid: (proxy) => listener(proxy).pid,
    run: (proxy, s, seconds) =>
      runHandshakes({
        port: listener(proxy).port,
        serverName: host,
        host,
        connections: s.connections,
        durationMs: seconds * 1000,
        ...(groups === undefined ? {} : { groups }),
      }),
  };
}

export const scenarios: readonly Scenario[] = [
  {
    name: 'h1-keepalive',
    describe:
      'HTTP/1.1 keep-alive over TLS: wrk -t1 -c32 --latency (no SNI: the default cert, Host: bench.test)',
    pid: terminating,
    run: (proxy, s, seconds) =>
      runWrk(s.cleanup, {
        url: `https://127.0.0.1:${proxy.httpsPort}/`,
        headers: [`Host: ${HOST}`],
        connections: s.connections,
        seconds,
      }),
  },
  {
    name: 'h2',
    describe: 'HTTP/2: h2load -t1 -c32 -m10 (SNI + :authority bench.test)',
    pid: terminating,
    run: (proxy, s, seconds) =>
      runH2load(s.cleanup, {
        port: proxy.httpsPort,
        host: HOST,
        connections: s.connections,
        streams: 10,
        seconds,
        logFile: logFileIn(s.cleanup.dir, `${proxy.name}-h2`),
      }),
  },
  handshakes(
    'new-tls-full',
    'new TLS connections, full handshake each (no session offered), 1 request each, 32 loops; the client offers X25519, P-256, P-384 as wrk and h2load (OpenSSL 3.0) do',
    terminatingListener,
    HOST,
    CLASSIC_GROUPS,
  ),
  handshakes(
    'new-tls-full-pq',
    'as new-tls-full with Node 24 client defaults (X25519MLKEM768 first): portcullis does the post-quantum hybrid, nginx (OpenSSL 3.0) X25519',
    terminatingListener,
    HOST,
  ),
  handshakes(
    'new-tls-node-floor',
    "as new-tls-full, with a bare tls.createServer answering 200 (node-floor.ts: no HTTP parser, no proxying) in portcullis's place",
    (proxy) => ({ port: proxy.tlsFloorPort, pid: proxy.floorPid }),
    HOST,
    CLASSIC_GROUPS,
  ),
  {
    name: 'new-tls-resumed',
    describe: "new TLS connections as wrk makes them with 'Connection: close' (it resumes sessions)",
    pid: terminating,
    run: (proxy, s, seconds) =>
      runWrk(s.cleanup, {
        url: `https://127.0.0.1:${proxy.httpsPort}/`,
        headers: [`Host: ${HOST}`, 'Connection: close'],
        connections: s.connections,
        seconds,
      }),
  },
  handshakes(
    'passthrough',
    'SSL passthrough: full handshake with the TLS backend through the proxy, 1 request each',
    (proxy) => ({ port: proxy.passthroughPort, pid: proxy.passthroughPid }),
    PASSTHROUGH_HOST,
  ),
  handshakes(
    'passthrough-js-relay',
    "as passthrough, with portcullis's JavaScript relay instead of the C splicer (--passthrough-splicer=javascript)",
    (proxy) => ({ port: proxy.jsRelayPort, pid: proxy.jsRelayPid }),
    PASSTHROUGH_HOST,
  ),
  handshakes(
    'passthrough-node-floor',
    "as passthrough, with a bare node:net relay (node-floor.ts: no ClientHello, routing or metrics) in portcullis's place",
    (proxy) => ({ port: proxy.floorPort, pid: proxy.floorPid }),
    PASSTHROUGH_HOST,
  ),
];

/** The targets for portcullis relative to nginx. */
export const targets: readonly Target[] = [
  { scenario: 'h1-keepalive', kind: 'cpu', limit: 2 },
  { scenario: 'h2', kind: 'cpu', limit: 2 },
  { scenario: 'new-tls-full', kind: 'rate', limit: 0.6 },
  { scenario: 'new-tls-full-pq', kind: 'rate', limit: null },
  // Reported, not a target: what a bare Node TLS server reaches against nginx (which proxies).
  { scenario: 'new-tls-node-floor', kind: 'rate', limit: null },
  // Reported, not a target: the target is full handshakes. nginx resumes TLS 1.3 from its
  // session cache with tickets off; Node cannot (tls/sessions.ts), so this row shows the cost.
  { scenario: 'new-tls-resumed', kind: 'rate', limit: null },
  { scenario: 'passthrough', kind: 'cpu', limit: 1.5 },
  // Reported, not a target: the same with the JavaScript relay (docs/adr/0006).
  { scenario: 'passthrough-js-relay', kind: 'cpu', limit: null },
  // Reported, not a target: what the passthrough ratio would be for Node.js itself.
  { scenario: 'passthrough-node-floor', kind: 'cpu', limit: null },
];

const SETTLE_MS = 1_000;

async function measureOnce(
  scenario: Scenario,
  proxy: ProxyUnderTest,
  settings: RunSettings,
  warmupSeconds: number,
): Promise<Measurement> {
  if (warmupSeconds > 0) await scenario.run(proxy, settings, warmupSeconds);
  // Let the previous load's tail settle (closing connections, the GC it left behind) so it is
  // not billed to this window: without the pause a proxy's first round paid for its warm-up.
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
  const pid = scenario.pid(proxy);
  const cpuBefore = treeCpuMicros(pid);
  const started = performance.now();
  const load = await scenario.run(proxy, settings, settings.seconds);
  const cpuAfter = treeCpuMicros(pid);
  const wallSeconds = (performance.now() - started) / 1000;
  return {
    scenario: scenario.name,
    proxy: proxy.name,
    load,
    cpuMicros: cpuAfter.total - cpuBefore.total,
    sysMicros: cpuAfter.sys - cpuBefore.sys,
    wallSeconds,
  };
}

/** Rounds of one proxy as one measurement: CPU and requests summed, the median round's p99. */
function combine(rounds: readonly Measurement[]): Measurement {
  const first = rounds[0];
  if (first === undefined) throw new Error('no rounds');
  const sum = (f: (m: Measurement) => number) => rounds.reduce((total, m) => total + f(m), 0);
  const p99s = rounds.flatMap((m) => (m.load.p99Ms === null ? [] : [m.load.p99Ms])).sort((a, b) => a - b);
  return {
    scenario: first.scenario,
    proxy: first.proxy,
    load: {
      requests: sum((m) => m.load.requests),
      seconds: sum((m) => m.load.seconds),
      errors: sum((m) => m.load.errors),
      p99Ms: p99s[Math.floor(p99s.length / 2)] ?? null,
      note: first.load.note,
    },
    cpuMicros: sum((m) => m.cpuMicros),
    sysMicros: sum((m) => m.sysMicros),
    wallSeconds: sum((m) => m.wallSeconds),
  };
}

/**
 * Each scenario runs in `rounds` alternating turns (nginx, portcullis, portcullis, nginx, ...),
 * warm-up only before each proxy's first turn. This machine is a shared VM whose speed drifts
 * over minutes; short interleaved turns expose both proxies to the same drift, and the summed
 * figures equal one long interleaved measurement. Per-round CPU ratios are reported too.
 */
export async function runAll(
  chosen: readonly Scenario[],
  proxies: readonly [ProxyUnderTest, ProxyUnderTest],
  settings: RunSettings & { readonly rounds: number },
  progress: (line: string) => void,
): Promise<{ results: Measurement[]; roundRatios: Map<string, number[]> }> {
  const results: Measurement[] = [];
  const roundRatios = new Map<string, number[]>();
  for (const scenario of chosen) {
    const turns = new Map<ProxyUnderTest, Measurement[]>(proxies.map((p) => [p, []]));
    const ratios: number[] = [];
    for (let round = 0; round < settings.rounds; round++) {
      const order = round % 2 === 0 ? proxies : ([proxies[1], proxies[0]] as const);
      const cpu = new Map<string, number>();
      for (const proxy of order) {
        progress(`  ${scenario.name} / ${proxy.name} (round ${round + 1}/${settings.rounds}) ...`);
        const mine = turns.get(proxy) ?? [];
        const m = await measureOnce(
          scenario,
          proxy,
          settings,
          mine.length === 0 ? settings.warmupSeconds : 0,
        );
        mine.push(m);
        cpu.set(proxy.name, m.load.requests === 0 ? Number.NaN : m.cpuMicros / m.load.requests);
      }
      ratios.push((cpu.get('portcullis') ?? Number.NaN) / (cpu.get('nginx') ?? Number.NaN));
    }
    for (const proxy of proxies) results.push(combine(turns.get(proxy) ?? []));
    roundRatios.set(scenario.name, ratios);
  }
  return { results, roundRatios };
}
