/**
 * Runs the real `portcullis` process for e2e tests: standalone mode on a temporary manifests
 * directory, ports chosen by the OS (port 0; the "portcullis is serving" log line reports them),
 * structured logs collected, stopped with a signal.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { collectLogs, type LogLine } from './logs.ts';
import { cliEntry } from './paths.ts';

export type { LogLine } from './logs.ts';

export interface Portcullis {
  readonly process: ChildProcessWithoutNullStreams;
  readonly dir: string;
  readonly httpPort: number;
  readonly httpsPort: number;
  readonly healthzPort: number;
  readonly logs: LogLine[];
  /** Resolves with the first log line (past or future) that matches. */
  waitForLog(match: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  /** Replaces a manifest file in the watched directory. */
  write(file: string, yaml: string): void;
  /** Sends a signal and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export interface StartOptions {
  /** File name -> YAML, written before start. */
  readonly manifests: Readonly<Record<string, string>>;
  readonly flags?: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  readonly startTimeoutMs?: number;
}

export async function startPortcullis(options: StartOptions): Promise<Portcullis> {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-e2e-'));
  for (const [file, yaml] of Object.entries(options.manifests)) writeFileSync(join(dir, file), yaml);
  const child = spawn(
    process.execPath,
    [
      cliEntry,
      '--manifests',
      dir,
      '--http-port=0',
      '--https-port=0',
      '--healthz-port=0',
      '--bind-address=127.0.0.1',
      '--workers=1',
      ...(options.flags ?? []),
    ],
    { env: { ...process.env, ...options.env } },
  );
  const { logs, waitForLog } = collectLogs(child);
  child.stdout.resume();
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const startup = waitForLog((l) => l.msg === 'portcullis is serving', options.startTimeoutMs ?? 20_000);
  const serving = await Promise.race([
    startup,
    exited.then((code) => {
      throw new Error(
        `portcullis exited with ${code} before serving; logs:\n${logs.map((l) => JSON.stringify(l)).join('\n')}`,
      );
    }),
  ]);
  return {
    process: child,
    dir,
    httpPort: Number(serving.http),
    httpsPort: Number(serving.https),
    healthzPort: Number(serving.healthz),
    logs,
    waitForLog,
    write: (file, yaml) => writeFileSync(join(dir, file), yaml),
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null) child.kill(signal);
      const code = await exited;
      rmSync(dir, { recursive: true, force: true });
      return code;
    },
  };
}
