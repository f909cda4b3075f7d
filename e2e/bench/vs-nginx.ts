/**
 * portcullis vs nginx, side by side in one run on this machine. Prints figures; asserts nothing.
 *
 *   node e2e/bench/vs-nginx.ts [--seconds 5] [--rounds 3] [--warmup 3] [--connections 32]
 *                              [--only h1-keepalive,h2,...] [--profile DIR]
 *
 * Core layout (2 cores): core 0 runs only the proxy under test (nginx master+worker and the
 * portcullis processes, each idle while the other is measured); core 1 runs the load generator
 * (wrk / h2load / the handshake loops in this process), the shared nginx backend and this
 * script. Everything listens on 127.0.0.1; every run is bounded in time; every process started
 * here is ended (by pid) and the temp dir removed on exit, error or Ctrl-C.
 */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../support/paths.ts';
import { checkCores, createCleanup, ensureTools, freePort, LOAD_CORE, PROXY_CORE } from './env.ts';
import { HOST, PASSTHROUGH_HOST, writeCertificate, writeManifests } from './fixtures.ts';
import { backendConf, proxyConf } from './nginx-conf.ts';
import { httpOk, startNginx, startNodeFloors, startPortcullis, tcpOpen, waitUntil } from './processes.ts';
import { summarizeProfiles } from './profile.ts';
import { resultsTable, verdictTable } from './report.ts';
import { type ProxyUnderTest, runAll, scenarios, targets } from './scenarios.ts';

interface Args {
  readonly seconds: number;
  readonly rounds: number;
  readonly warmupSeconds: number;
  readonly connections: number;
  readonly only: readonly string[] | null;
  readonly profileDir: string | null;
}

function parseArgs(argv: readonly string[]): Args {
  const value = (name: string): string | undefined => {
    const i = argv.findIndex((a) => a === `--${name}` || a.startsWith(`--${name}=`));
    if (i < 0) return undefined;
    const arg = argv[i] ?? '';
    return arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : argv[i + 1];
  };
  const number = (name: string, fallback: number, max: number) => {
    const n = Number(value(name) ?? fallback);
    if (!Number.isFinite(n) || n < 0 || n > max) throw new Error(`--${name} must be a number in 0..${max}`);
    return n;
  };
  const only = value('only');
  const profile = value('profile');
  return {
    seconds: Math.max(1, number('seconds', 5, 60)),
    rounds: Math.max(1, number('rounds', 3, 20)),
    warmupSeconds: number('warmup', 3, 30),
    connections: Math.max(1, number('connections', 32, 1000)),
    only: only === undefined ? null : only.split(','),
    profileDir: profile === undefined ? null : profile,
  };
}

const say = (line: string) => void process.stdout.write(`${line}\n`);
const load = () =>
  loadavg()
    .map((n) => n.toFixed(2))
    .join(' ');

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const chosen = scenarios.filter((s) => args.only === null || args.only.includes(s.name));
  if (chosen.length === 0)
    throw new Error(`--only names none of: ${scenarios.map((s) => s.name).join(', ')}`);
  ensureTools(say);
  checkCores(say);
  const cleanup = createCleanup();
  const stop = () => void cleanup.run().finally(() => process.exit(130));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  let startupMicros = 0;
  try {
    startupMicros = await bench(args, chosen, cleanup);
  } finally {
    // A profiled portcullis writes its CPU profile on the way out: a large one takes seconds.
    await cleanup.run(args.profileDir === null ? 5_000 : 30_000);
  }
  if (args.profileDir !== null) {
    const summary = summarizeProfiles(args.profileDir, repoRoot, startupMicros);
    say(`\nportcullis CPU profiles (${args.profileDir}), start-up excluded:\n${summary}`);
  }
}

/** Runs the scenarios; returns how long after portcullis was spawned the measuring began (µs). */
async function bench(
  args: Args,
  chosen: typeof scenarios,
  cleanup: ReturnType<typeof createCleanup>,
): Promise<number> {
  const dir = cleanup.dir;
  const [backendPort, tlsBackendPort, nginxHttps, nginxPassthrough] = [
    await freePort(),
    await freePort(),
    await freePort(),
    await freePort(),
  ];
  const ports = async () => ({ http: await freePort(), https: await freePort(), healthz: await freePort() });
  const [plain, passthrough, jsRelay] = [await ports(), await ports(), await ports()];
  const cert = await writeCertificate(dir);

  say(`core ${PROXY_CORE}: proxy under test | core ${LOAD_CORE}: load generator, nginx backend, this script`);
  const backend = startNginx(
    cleanup,
    'backend',
    LOAD_CORE,
    backendConf({ dir: join(dir, 'backend'), port: backendPort, tlsPort: tlsBackendPort, ...cert }),
  );
  const nginx = startNginx(
    cleanup,
    'nginx',
    PROXY_CORE,
    proxyConf({
      dir: join(dir, 'nginx'),
      httpsPort: nginxHttps,
      passthroughPort: nginxPassthrough,
      backendPort,
      tlsBackendPort,
      host: HOST,
      passthroughHost: PASSTHROUGH_HOST,
      ...cert,
    }),
  );
  const manifests = writeManifests(dir, { backendPort, tlsBackendPort, cert });
  const nodeFlags = args.profileDir === null ? [] : ['--cpu-prof', `--cpu-prof-dir=${args.profileDir}`];
  const spawnedAt = performance.now();
  const ours = startPortcullis(cleanup, 'portcullis', PROXY_CORE, manifests, plain, [], nodeFlags);
  // A second instance with --enable-ssl-passthrough, so the terminating scenarios measure the
  // default setup (no ClientHello peek in front of the TLS server), as nginx's http block does.
  const oursPassthrough = startPortcullis(
    cleanup,
    'portcullis-passthrough',
    PROXY_CORE,
    manifests,
    passthrough,
    ['--enable-ssl-passthrough'],
    nodeFlags,
  );
  const oursJsRelay = startPortcullis(
    cleanup,
    'portcullis-js-relay',
    PROXY_CORE,
    manifests,
    jsRelay,
    ['--enable-ssl-passthrough', '--passthrough-splicer=javascript'],
    nodeFlags,
  );
  const [floorPort, tlsFloorPort] = [await freePort(), await freePort()];
  const floor = startNodeFloors(
    cleanup,
    PROXY_CORE,
    { relay: floorPort, target: tlsBackendPort, tls: tlsFloorPort },
    cert,
  );
  await waitUntil(backend, tcpOpen(backendPort));
  await waitUntil(floor, tcpOpen(floorPort));
  await waitUntil(floor, tcpOpen(tlsFloorPort));
  await waitUntil(nginx, tcpOpen(nginxHttps));
  await waitUntil(ours, httpOk(`http://127.0.0.1:${plain.healthz}/readyz`));
  await waitUntil(oursPassthrough, httpOk(`http://127.0.0.1:${passthrough.healthz}/readyz`));
  await waitUntil(oursJsRelay, httpOk(`http://127.0.0.1:${jsRelay.healthz}/readyz`));
  const splicer = readFileSync(oursPassthrough.log, 'utf8').includes('relayed by the native splicer')
    ? 'native (C)'
    : 'JavaScript (the C splicer was not built: see its log)';

  const proxies: [ProxyUnderTest, ProxyUnderTest] = [
    {
      name: 'nginx',
      httpsPort: nginxHttps,
      pid: nginx.pid,
      passthroughPort: nginxPassthrough,
      passthroughPid: nginx.pid,
      jsRelayPort: nginxPassthrough,
      jsRelayPid: nginx.pid,
      floorPort: nginxPassthrough,
      tlsFloorPort: nginxHttps,
      floorPid: nginx.pid,
    },
    {
      name: 'portcullis',
      httpsPort: plain.https,
      pid: ours.pid,
      passthroughPort: passthrough.https,
      passthroughPid: oursPassthrough.pid,
      jsRelayPort: jsRelay.https,
      jsRelayPid: oursJsRelay.pid,
      floorPort,
      tlsFloorPort,
      floorPid: floor.pid,
    },
  ];
  const total = chosen.length * 2 * (args.rounds * args.seconds + args.warmupSeconds);
  say(
    `${chosen.length} scenarios x 2 proxies, ${args.warmupSeconds}s warm-up + ${args.rounds} interleaved rounds of ${args.seconds}s each (~${total}s)`,
  );
  for (const s of chosen) say(`  ${s.name}: ${s.describe}`);
  const loadBefore = load();
  const startupMicros = (performance.now() - spawnedAt) * 1000;
  const { results, roundRatios } = await runAll(
    chosen,
    proxies,
    {
      cleanup,
      seconds: args.seconds,
      rounds: args.rounds,
      warmupSeconds: args.warmupSeconds,
      connections: args.connections,
    },
    say,
  );
  say('');
  say(resultsTable(results));
  say('');
  say(verdictTable(results, targets));
  say('');
  say('portcullis/nginx CPU per request, each round:');
  for (const [name, ratios] of roundRatios)
    say(`  ${name.padEnd(16)} ${ratios.map((r) => r.toFixed(2)).join('  ')}`);
  say('');
  say(
    `node ${process.version}, ${process.versions.openssl} | load average before ${loadBefore}, after ${load()}`,
  );
  say(`portcullis passthrough splicer: ${splicer}`);
  say(notes);
  return startupMicros;
}

const notes = `notes:
- CPU µs/req: utime+stime of the proxy's process tree (/proc/PID/stat, all threads; nginx master+worker)
  over the measured windows (all rounds) / requests completed. req/s@1core = 1e6 / CPU µs/req: what the proxy would do on a
  whole core. "proxy core" < ~90% means core 1 (load generator + backend) or other tenants set the pace,
  so req/s compares the pair, not the proxy; the new-connection targets use req/s@1core for that reason.
- Other processes on this machine (other test runs) share both cores: compare the two proxies within a run,
  not runs with each other. p99 includes load-generator queueing on the shared core.
- nginx: access_log off (portcullis has no access log), ingress-nginx TLS defaults (session cache on, tickets off).
- passthrough: nginx stream ssl_preread on its own port vs portcullis's --enable-ssl-passthrough HTTPS port.
- *-node-floor: nginx again vs e2e/bench/node-floor.ts pinned like portcullis, the ratio Node.js itself
  reaches: a bare node:net relay to the same passthrough backend; a bare tls.createServer answering a
  fixed 200 without proxying (nginx still proxies, so that row flatters Node).
- new-tls-resumed: wrk offers its last session; nginx resumes it from ssl_session_cache (TLS 1.3 stateful
  tickets), portcullis cannot resume TLS 1.3 sessions without tickets (see data-plane tls/sessions.ts), so this
  row is nginx resumptions vs portcullis full handshakes, as a client would see it.
- h2 errors on nginx: keepalive_requests 1000 ends each h2 connection after 1000 streams (GOAWAY); h2load
  counts the streams in flight then as failed.`;

main().catch((error: unknown) => {
  process.stderr.write(
    `vs-nginx: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exitCode = 1;
});
