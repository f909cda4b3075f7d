/**
 * Runs the real `portcullis` process in Kubernetes mode for e2e tests: --kubeconfig pointing at
 * the fake API server (support/fake-apiserver), ports chosen by the OS (the "portcullis is
 * serving" log line reports them), the JSON log lines on stderr collected, stopped with a signal.
 * The sibling of support/portcullis.ts, which runs standalone mode on a manifests directory.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { collectLogs, type LogLine } from './logs.ts';
import { cliEntry } from './paths.ts';

export type { LogLine } from './logs.ts';

export interface KubePortcullis {
  readonly process: ChildProcessWithoutNullStreams;
  readonly httpPort: number;
  readonly httpsPort: number;
  readonly healthzPort: number;
  readonly logs: LogLine[];
  /** Resolves with the first log line (past or future) that matches. */
  waitForLog(match: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  /** How many log lines so far carry this message. */
  count(msg: string): number;
  /** Sends a signal (default SIGTERM) and resolves with the exit code; idempotent. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export interface KubeStartOptions {
  /** The fake API server's kubeconfig (FakeApiServer.kubeconfigPath). */
  readonly kubeconfigPath: string;
  /** Extra flags, e.g. --publish-status-address, --election-id, --watch-namespace. */
  readonly flags?: readonly string[];
  /** Added to the environment, e.g. POD_NAME for leader election identities. */
  readonly env?: Readonly<Record<string, string>>;
  readonly startTimeoutMs?: number;
  /** A fixed --healthz-port, to probe /readyz before "portcullis is serving" names the port. */
  readonly healthzPort?: number;
}

/** A started process that may not be serving yet (e.g. while the API server is unreachable). */
export interface KubeLaunch {
  readonly process: ChildProcessWithoutNullStreams;
  readonly logs: LogLine[];
  waitForLog(match: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  /** Resolves once "portcullis is serving" is logged; rejects (and kills) on exit or timeout. */
  readonly serving: Promise<KubePortcullis>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export function launchKubePortcullis(options: KubeStartOptions): KubeLaunch {
  const child = spawn(
    process.execPath,
    [
      cliEntry,
      '--kubeconfig',
      options.kubeconfigPath,
      '--http-port=0',
      '--https-port=0',
      `--healthz-port=${options.healthzPort ?? 0}`,
      '--bind-address=127.0.0.1',
      '--workers=1',
      ...(options.flags ?? []),
    ],
    // A short first-sync timeout: a test against an unreachable fake fails fast, not after 120 s.
    { env: { ...process.env, PORTCULLIS_SYNC_TIMEOUT_MS: '20000', ...options.env } },
  );
  child.stdout.resume();
  const { logs, waitForLog, dump } = collectLogs(child);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const stop = async (signal: NodeJS.Signals = 'SIGTERM') => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    return exited;
  };

  const startup = waitForLog((l) => l.msg === 'portcullis is serving', options.startTimeoutMs ?? 35_000);
  const serving = Promise.race([
    startup,
    exited.then((code) => {
      throw new Error(`portcullis exited with ${code} before serving; logs:\n${dump()}`);
    }),
  ]).then(
    (line): KubePortcullis => ({
      process: child,
      httpPort: Number(line.http),
      httpsPort: Number(line.https),
      healthzPort: Number(line.healthz),
      logs,
      waitForLog,
      count: (msg) => logs.filter((l) => l.msg === msg).length,
      stop,
    }),
    (error: unknown) => {
      if (child.exitCode === null) child.kill('SIGKILL');
      throw error;
    },
  );
  // A caller that stops before serving must not see an unhandled rejection.
  serving.catch(() => {});
  return { process: child, logs, waitForLog, serving, stop };
}

/** Starts the process and resolves once it is serving. */
export function startKubePortcullis(options: KubeStartOptions): Promise<KubePortcullis> {
  return launchKubePortcullis(options).serving;
}
