/**
 * The last step of build(): freeze the table and stamp its hash, reusing whole Server objects
 * (and their hashes) from the previous build when nothing they were made from changed. With
 * 10,000 hosts this is what keeps a rebuild after one change in the tens of milliseconds:
 * unchanged servers are neither re-frozen nor re-hashed, the host order is sorted again only
 * when the hosts changed, the servers record is kept while every server is, and the long lists
 * are hashed chunk by chunk (digest.ts).
 */
import { hash } from 'node:crypto';
import { deepFreeze } from '../deep-freeze.ts';
import type { Certificate, RoutingTable, Server } from '../table.ts';
import { ChunkedDigest } from './digest.ts';
import { exact } from './exact.ts';
import type { ServerDraft } from './servers.ts';
import { sameItems } from './tracker.ts';

export interface Finished {
  readonly key: readonly unknown[];
  readonly server: Server;
  readonly hash: string;
}

export class TableFinisher {
  #order: { hosts: string[]; sorted: number[] } = { hosts: [], sorted: [] };
  #last: { servers: readonly Finished[]; record: Readonly<Record<string, Server>> } | null = null;
  // Both texts end in digests (hex revision, base64 hash), which make fair chunk boundaries.
  readonly #revisions = new ChunkedDigest<Certificate>(
    (c) => `${c.id}@${c.revision}`,
    (c) => c.revision.charCodeAt(0) === 48 && c.revision.charCodeAt(1) < 52, // '0', then '0'-'3': 1 in 64
  );
  readonly #hashes = new ChunkedDigest<Finished>(
    (s) => s.hash,
    (s) => s.hash.charCodeAt(0) === 65, // 'A': 1 in 64
  );

  /** `previous`: this host's server in the last build, reused when made from the same inputs. */
  server(draft: ServerDraft, previous: Finished | undefined): Finished {
    const routes = draft.routes.sort(draft.compare);
    const tls = draft.tls === null ? '-' : JSON.stringify(draft.tls);
    // What the server is made of, compared by identity: memoized inputs keep their identity.
    const key: unknown[] = [draft.fallback, tls];
    for (const route of routes) for (const source of draft.sources.get(route) ?? []) key.push(source);
    if (previous !== undefined && sameItems(previous.key, key)) return previous;
    return fresh(exact(key), {
      host: draft.host,
      tls: draft.tls,
      routes: exact(routes),
      fallback: draft.fallback ?? { type: 'default' },
    });
  }

  table(
    body: Omit<RoutingTable, 'hash' | 'servers' | 'catchAll'>,
    certificates: readonly Certificate[],
    unsorted: Finished[],
    catchAll: Finished,
  ): RoutingTable {
    const servers = this.#byHost(unsorted);
    const digest = hash('sha256', this.#hashInput(body, certificates, servers, catchAll), 'hex');
    // Every server is deep-frozen already: freezing the record is enough, and deepFreeze
    // below then skips its 10,000 entries.
    return deepFreeze({ hash: digest, ...body, servers: this.#record(servers), catchAll: catchAll.server });
  }

  /** Servers sorted by host; the permutation is kept while the hosts come in the same order. */
  #byHost(servers: Finished[]): Finished[] {
    const hosts = servers.map((s) => s.server.host);
    if (!sameItems(hosts, this.#order.hosts)) {
      const sorted = hosts.map((_, i) => i);
      sorted.sort((a, b) => compare(hosts[a] as string, hosts[b] as string));
      this.#order = { hosts, sorted };
    }
    return this.#order.sorted.map((i) => servers[i] as Finished);
  }

  /**
   * The servers record, or the last one when every server is the same object: building a
   * 10,000-key object costs milliseconds. A plain loop, not Object.fromEntries (twice as slow).
   */
  #record(servers: readonly Finished[]): Readonly<Record<string, Server>> {
    if (this.#last !== null && sameItems(this.#last.servers, servers)) return this.#last.record;
    const record: Record<string, Server> = {};
    for (const { server } of servers) record[server.host] = server;
    this.#last = { servers, record: Object.freeze(record) };
    return this.#last.record;
  }

  /**
   * JSON.stringify({ ...body, certificates: digest of [`id@revision`...], servers: digest of
   * [hash...], catchAll: hash }), the two long lists digested chunk by chunk (digest.ts).
   */
  #hashInput(
    body: Omit<RoutingTable, 'hash' | 'servers' | 'catchAll'>,
    certificates: readonly Certificate[],
    servers: readonly Finished[],
    catchAll: Finished,
  ): string {
    const parts = Object.entries(body).map(
      ([key, value]) =>
        `${JSON.stringify(key)}:${key === 'certificates' ? this.#revisions.of(certificates) : JSON.stringify(value)}`,
    );
    parts.push(`"servers":${this.#hashes.of(servers)}`, `"catchAll":${JSON.stringify(catchAll.hash)}`);
    return `{${parts.join(',')}}`;
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function fresh(key: readonly unknown[], server: Server): Finished {
  const frozen = deepFreeze(server);
  return { key, server: frozen, hash: hash('sha256', JSON.stringify(frozen), 'base64') };
}
