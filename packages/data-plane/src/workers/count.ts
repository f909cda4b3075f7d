/** --workers N|auto. */
import { availableParallelism } from 'node:os';

/**
 * `auto` is one worker per CPU the process may use, as os.availableParallelism() reports it
 * (libuv's view: the CPU affinity mask). Under a fractional CPU limit, prefer an explicit N.
 */
export function resolveWorkerCount(value: number | 'auto' | string): number {
  if (value === 'auto') return Math.max(1, availableParallelism());
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 1024) {
    throw new RangeError(
      `--workers must be "auto" or an integer from 1 to 1024, got ${JSON.stringify(value)}`,
    );
  }
  return n;
}
