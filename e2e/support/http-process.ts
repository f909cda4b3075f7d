/**
 * Runs the real `portcullis` binary to completion (startup failures, usage errors), bounded by a
 * deadline, and reports its exit code and output; the harness in portcullis.ts is for processes
 * that reach "portcullis is serving".
 */
import { spawn } from 'node:child_process';
import { cliEntry } from './paths.ts';

export interface Finished {
  /** Exit code, or null when killed at the deadline (the test then fails on it). */
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** stderr split into its non-empty lines. */
  readonly lines: readonly string[];
}

/**
 * argv after the entry point, e.g. ['--manifests', dir, '--http-port=8080']. A process that has
 * printed its fatal line must exit promptly: it is killed `exitGraceMs` after stderr's first
 * line, else at `deadlineMs` (startup alone takes seconds on a loaded CI machine).
 */
export function runToExit(
  args: readonly string[],
  deadlineMs = 20_000,
  exitGraceMs = 3_000,
): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliEntry, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    let timer = setTimeout(() => child.kill('SIGKILL'), deadlineMs);
    child.stderr.setEncoding('utf8').on('data', (c: string) => {
      const first = !stderr.includes('\n');
      stderr += c;
      if (first && stderr.includes('\n')) {
        clearTimeout(timer);
        timer = setTimeout(() => child.kill('SIGKILL'), exitGraceMs);
      }
    });
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, lines: stderr.split('\n').filter((l) => l.trim() !== '') });
    });
  });
}

/** The flags every e2e run uses so nothing touches a privileged or shared port. */
export function loopbackFlags(overrides: readonly string[] = []): string[] {
  return [
    '--http-port=0',
    '--https-port=0',
    '--healthz-port=0',
    '--bind-address=127.0.0.1',
    '--workers=1',
    ...overrides,
  ];
}
