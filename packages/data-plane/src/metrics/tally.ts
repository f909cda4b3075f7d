/**
 * Per-connection counters kept in a plain Map and handed to prom-client when it collects (a
 * scrape). A labelled Counter.inc() validates and hashes its label object on every call; for a
 * count per TLS handshake or passthrough connection that was a measurable part of the
 * connection's CPU. Keys are built by the caller from already-bounded label values, so the Map
 * stays as small as the label space.
 */
import type { Counter } from 'prom-client';

interface Entry<L extends string> {
  readonly labels: Partial<Record<L, string>>;
  pending: number;
}

export class Tally<L extends string> {
  readonly #entries = new Map<string, Entry<L>>();

  /** Adds value under key; labels() is called only the first time key is seen. */
  add(key: string, labels: () => Partial<Record<L, string>>, value = 1): void {
    const entry = this.#entries.get(key);
    if (entry !== undefined) entry.pending += value;
    else this.#entries.set(key, { labels: labels(), pending: value });
  }

  /** Moves what was added since the last flush into counter (call from its collect()). */
  flush(counter: Counter<L>): void {
    for (const entry of this.#entries.values()) {
      if (entry.pending === 0) continue;
      counter.inc(entry.labels, entry.pending);
      entry.pending = 0;
    }
  }
}
