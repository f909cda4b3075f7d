#!/usr/bin/env node
/**
 * The `portcullis` executable: argv -> options -> command. Exit codes: 0 ok, 1 failure or
 * error-level diagnostics (check), 2 bad usage (as Go's flag package, which ingress-nginx uses).
 */
import { parseFlags, UsageError } from './flags.ts';
import { usage } from './usage.ts';

async function main(argv: readonly string[]): Promise<number> {
  let options: ReturnType<typeof parseFlags>;
  try {
    options = parseFlags(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`portcullis: ${error.message}\nRun 'portcullis --help' for usage.\n`);
    return 2;
  }
  if (options.help) {
    process.stdout.write(usage());
    return 0;
  }
  const io = {
    stdout: (text: string) => void process.stdout.write(text),
    stderr: (text: string) => void process.stderr.write(text),
  };
  if (options.command === 'check') {
    // Loaded on demand so --help and usage errors answer without loading the build pipeline.
    const { runCheck } = await import('./check/run.ts');
    return runCheck(options, io);
  }
  const { createLogger } = await import('./log.ts');
  const { runServe } = await import('./run/serve.ts');
  const code = await runServe(options, createLogger());
  // Serving is over (drained or refused to start): timers of the Kubernetes client or a
  // half-open watch must not keep the process alive.
  process.exit(code);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`portcullis: ${startupError(error)}\n`);
    // Listeners opened before the failure would keep the process alive: leave now.
    process.exit(1);
  },
);

/** One line for the errors an operator causes (ports, paths); the stack for anything else. */
function startupError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const { code, address, port, syscall } = error as NodeJS.ErrnoException & {
    address?: string;
    port?: number;
  };
  if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL') {
    const reason =
      code === 'EADDRINUSE'
        ? 'address already in use'
        : code === 'EACCES'
          ? 'permission denied'
          : 'address not available';
    return `cannot ${syscall ?? 'listen'} on ${address ?? '*'}:${port ?? '?'}: ${reason}`;
  }
  return process.env.PORTCULLIS_DEBUG ? (error.stack ?? error.message) : error.message;
}
