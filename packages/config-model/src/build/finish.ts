/**
 * The last step of build(): freeze the table and stamp its hash, reusing whole Server objects
 * (and their hashes) from the previous build when nothing they were made from changed. With
 * 10,000 hosts this is what keeps a rebuild after one change in the tens of milliseconds:
 * unchanged servers are neither re-frozen nor re-hashed, the host order is sorted again only
 * when the hosts changed, and the certificate revision list is remade only with the
 * certificates.
 */
import { hash } from 'node:crypto';
import type { Certificate, RoutingTable, Server } from '../table.ts';
import type { ServerDraft } from './servers.ts';
import { sameItems } from './tracker.ts';
import { deepFreeze } from './validate.ts';

export interface Finished {
  readonly key: string;
  readonly server: Server;
  readonly hash: string;
}

export class TableFinisher {
  readonly #ids = new WeakMap<object, number>();
  #next = 1;
  #order: { hosts: string[]; sorted: number[] } = { hosts: [], sorted: [] };
  #revisions: { certificates: object; json: string } | null = null;

  /** A small number naming an object's identity (memoized inputs keep their identity). */
  id = (object: object | null): number => {
    if (object === null) return 0;
    let id = this.#ids.get(object);
    if (id === undefined) {
      id = this.#next++;
      this.#ids.set(object, id);
    }
    return id;
  };

  /** `previous`: this host's server in the last build, reused when made from the same inputs. */
  server(draft: ServerDraft, previous: Finished | undefined): Finished {
    const routes = draft.routes.sort(draft.compare);
    const tls = draft.tls === null ? '-' : JSON.stringify(draft.tls);
    const key = `${routes.map((r) => draft.sources.get(r)).join('|')}#${this.id(draft.fallback)}#${tls}`;
    if (previous !== undefined && previous.key === key) return previous;
    return fresh(key, {
      host: draft.host,
      tls: draft.tls,
      routes,
      fallback: draft.fallback ?? { type: 'default' },
    });
  }

  table(
    body: Omit<RoutingTable, 'hash' | 'servers' | 'catchAll'>,
    unsorted: Finished[],
    catchAll: Finished,
  ): RoutingTable {
    const servers = this.#byHost(unsorted);
    const digest = hash('sha256', this.#hashInput(body, servers, catchAll), 'hex');
    // Every server is deep-frozen already: freezing the record is enough, and deepFreeze
    // below then skips its 10,000 entries.
    const record = Object.freeze(Object.fromEntries(servers.map((s) => [s.server.host, s.server])));
    return deepFreeze({ hash: digest, ...body, servers: record, catchAll: catchAll.server });
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
   * JSON.stringify({ ...body, certificates: [`id@revision`...], servers: [hash...], catchAll:
   * hash }) assembled from parts: the revision list is kept while the certificate record is the
   * same object, and server hashes are base64 (nothing to escape), so joining them is exact.
   */
  #hashInput(
    body: Omit<RoutingTable, 'hash' | 'servers' | 'catchAll'>,
    servers: Finished[],
    catchAll: Finished,
  ): string {
    if (this.#revisions?.certificates !== body.certificates) {
      const list = Object.values(body.certificates).map((c: Certificate) => `${c.id}@${c.revision}`);
      this.#revisions = { certificates: body.certificates, json: JSON.stringify(list) };
    }
    const revisions = this.#revisions.json;
    const parts = Object.entries(body).map(
      ([key, value]) =>
        `${JSON.stringify(key)}:${key === 'certificates' ? revisions : JSON.stringify(value)}`,
    );
    const hashes = servers.length === 0 ? '[]' : `["${servers.map((s) => s.hash).join('","')}"]`;
    parts.push(`"servers":${hashes}`, `"catchAll":${JSON.stringify(catchAll.hash)}`);
    return `{${parts.join(',')}}`;
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function fresh(key: string, server: Server): Finished {
  const frozen = deepFreeze(server);
  return { key, server: frozen, hash: hash('sha256', JSON.stringify(frozen), 'base64') };
}
