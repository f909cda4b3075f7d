/**
 * Per-request endpoint choice: round robin (ingress-nginx's load-balance default), skipping
 * endpoints that recently failed to connect (nginx's max_fails/fail_timeout idea) and endpoints
 * this request already tried (proxy_next_upstream never picks the same server twice).
 */
import type { EndpointSpec } from './endpoint.ts';

/** Process-wide: an endpoint that refused a connection is skipped by every generation. */
export class Cooldowns {
  readonly #until = new Map<string, number>();

  mark(key: string, durationMs: number, now = Date.now()): void {
    if (durationMs > 0) this.#until.set(key, now + durationMs);
  }

  clear(key: string): void {
    if (this.#until.size > 0) this.#until.delete(key);
  }

  active(key: string, now: number): boolean {
    const until = this.#until.get(key);
    if (until === undefined) return false;
    if (until > now) return true;
    this.#until.delete(key);
    return false;
  }
}

export class RoundRobin {
  readonly endpoints: readonly EndpointSpec[];
  readonly #cooldowns: Cooldowns;
  #next = 0;

  constructor(endpoints: readonly EndpointSpec[], cooldowns: Cooldowns) {
    this.endpoints = endpoints;
    this.#cooldowns = cooldowns;
  }

  /** The next endpoint not in `tried`, preferring healthy ones; null when all were tried. */
  pick(tried: ReadonlySet<string> | null, now = Date.now()): EndpointSpec | null {
    const count = this.endpoints.length;
    let fallback: EndpointSpec | null = null;
    for (let i = 0; i < count; i++) {
      const index = (this.#next + i) % count;
      const candidate = this.endpoints[index];
      if (candidate === undefined || tried?.has(candidate.key) === true) continue;
      if (this.#cooldowns.active(candidate.key, now)) {
        fallback ??= candidate;
        continue;
      }
      this.#next = index + 1;
      return candidate;
    }
    // Every untried endpoint is cooling down: try one anyway rather than fail without trying.
    if (fallback !== null) this.#next = this.endpoints.indexOf(fallback) + 1;
    return fallback;
  }
}
