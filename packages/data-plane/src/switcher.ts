/**
 * The data plane's one mutable cell: the current generation (table + derived objects). A new
 * table is prepared completely (SecureContexts, upstream pools) before one reference swap;
 * connections and requests read the generation once and keep it, so a swap never disturbs
 * them. Equal tables (same hash) are not swapped.
 */
import type { RoutingTable } from '@portcullis/config-model';
import type { UpstreamGeneration, UpstreamPools } from './proxy/index.ts';
import type { TlsContexts, TlsGeneration } from './tls/index.ts';

export interface Generation {
  readonly table: RoutingTable;
  readonly tls: TlsGeneration;
  readonly upstreams: UpstreamGeneration;
  /** 1, 2, 3...: how many tables this process has applied. */
  readonly number: number;
}

export class Switcher {
  #current: Generation | null = null;
  readonly #contexts: TlsContexts;
  readonly #pools: UpstreamPools;

  constructor(contexts: TlsContexts, pools: UpstreamPools) {
    this.#contexts = contexts;
    this.#pools = pools;
  }

  /** The generation in force; throws before the first table (listeners start after it). */
  current = (): Generation => {
    if (this.#current === null) throw new Error('no routing table applied yet');
    return this.#current;
  };

  get ready(): boolean {
    return this.#current !== null;
  }

  /** Prepares and swaps in a table; returns null when it equals the current one. */
  apply(table: RoutingTable): Generation | null {
    const previous = this.#current;
    if (previous !== null && previous.table.hash === table.hash) return null;
    const next: Generation = {
      table,
      tls: this.#contexts.prepare(table),
      upstreams: this.#pools.prepare(table),
      number: (previous?.number ?? 0) + 1,
    };
    this.#current = next;
    return next;
  }
}
