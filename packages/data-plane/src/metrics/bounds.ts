/**
 * Keeps every label value of the request families inside a set the routing table bounds, so a
 * scanner sending random Host headers or methods cannot grow the registry without limit.
 */
import { METHODS } from 'node:http';
import { findServer, lookupPassthrough, normalizeHost, type RoutingTable } from '@portcullis/config-model';

/** ingress-nginx's catch-all server name, used for requests whose Host matches no server. */
export const CATCH_ALL_HOST = '_';

const KNOWN_METHODS = new Set(METHODS);

export class LabelBounds {
  #table: RoutingTable | null = null;
  /** `namespace/name` of every Ingress with a route in the table. */
  #ingresses = new Set<string>();

  /** Adopts a new table; returns the Ingresses (`namespace/name`) that left since the last one. */
  update(table: RoutingTable): string[] {
    const live = liveIngresses(table);
    const gone = [...this.#ingresses].filter((key) => !live.has(key));
    this.#table = table;
    this.#ingresses = live;
    return gone;
  }

  /**
   * The server name that answered: an exact host, alias or `*.` wildcard key of the table (all
   * bounded by the table), a www-redirect name, else `_` like ingress-nginx's catch-all server.
   * ingress-nginx drops samples of unknown hosts when --metrics-per-host is on; counting them
   * under `_` keeps 404 storms from scanners visible.
   */
  host(rawHost: string): string {
    const table = this.#table;
    if (table === null || rawHost === '') return CATCH_ALL_HOST;
    const server = findServer(table, rawHost);
    if (server !== undefined) return server.host;
    const host = normalizeHost(rawHost);
    return table.wwwRedirects[host] === undefined ? CATCH_ALL_HOST : host;
  }

  /** The passthrough key (exact or `*.` wildcard) the SNI selected, else `_`. */
  passthroughHost(serverName: string | null): string {
    if (this.#table === null || serverName === null) return CATCH_ALL_HOST;
    return lookupPassthrough(this.#table, serverName)?.host ?? CATCH_ALL_HOST;
  }
}

/** llhttp only parses known methods, but HTTP/2 :method is any token. */
export function boundMethod(method: string): string {
  return KNOWN_METHODS.has(method) ? method : 'OTHER';
}

/** --report-status-classes turns 404 into 4xx (socket.go handleMessage). */
export function boundStatus(status: number, classes: boolean): string {
  if (!Number.isInteger(status) || status < 100 || status > 599) return '000';
  const text = String(status);
  return classes ? `${text[0]}xx` : text;
}

function liveIngresses(table: RoutingTable): Set<string> {
  const live = new Set<string>();
  const add = (routes: RoutingTable['catchAll']['routes']): void => {
    for (const route of routes) live.add(`${route.ingress.namespace}/${route.ingress.name}`);
  };
  add(table.catchAll.routes);
  for (const server of Object.values(table.servers)) add(server.routes);
  return live;
}
