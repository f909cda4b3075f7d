/**
 * Capped exponential backoff for restarting a failed informer. client-node's ListWatch gives up
 * for good on any watch or list error other than 410 Gone, so kube-source restarts it; the delay
 * doubles from `initialMs` up to `maxMs` and starts over once an informer has run `resetAfterMs`
 * without failing (a flapping API server is not hammered, a rare blip is retried promptly).
 */

export interface BackoffOptions {
  /** First delay (default 1 s). */
  readonly initialMs?: number;
  /** Cap (default 30 s). */
  readonly maxMs?: number;
  /** A run at least this long counts as healthy and resets the delay (default 60 s). */
  readonly resetAfterMs?: number;
}

export class Backoff {
  readonly #initialMs: number;
  readonly #maxMs: number;
  readonly #resetAfterMs: number;
  #attempt = 0;

  constructor(options: BackoffOptions = {}) {
    this.#initialMs = options.initialMs ?? 1000;
    this.#maxMs = options.maxMs ?? 30_000;
    this.#resetAfterMs = options.resetAfterMs ?? 60_000;
  }

  /** The delay before the next attempt, given how long the failed run lasted. */
  next(ranForMs: number): number {
    if (ranForMs >= this.#resetAfterMs) this.#attempt = 0;
    const delay = Math.min(this.#initialMs * 2 ** this.#attempt, this.#maxMs);
    if (delay < this.#maxMs) this.#attempt += 1;
    return delay;
  }
}
