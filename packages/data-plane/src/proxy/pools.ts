/**
 * Keep-alive pools that outlive routing-table generations. prepare(table) keeps the pool of every
 * endpoint the new table still references (same address, port, protocol and TLS settings) and
 * closes the others gracefully: close() lets in-flight requests finish first, so a swap never
 * cuts a response short. HTTP and HTTPS endpoints get our lean HTTP/1.1 pool (h1/), gRPC
 * endpoints undici's HTTP/2 client.
 */
import type { RoutingTable, Server, ServiceBackend, UpstreamPolicy } from '@portcullis/config-model';
import { buildConnector, Pool } from 'undici';
import { Cooldowns, RoundRobin } from './balancer.ts';
import type { PooledDispatcher, ProxyContext } from './context.ts';
import { type EndpointSpec, endpointSpec } from './endpoint.ts';
import { Generation, type UpstreamGeneration } from './generation.ts';
import { Http1Pool } from './h1/pool.ts';
import { type ProxyOptions, resolveProxyOptions } from './options.ts';
import { plainUpstream } from './policy.ts';

export class UpstreamPools {
  readonly options: ProxyOptions;
  readonly #cooldowns = new Cooldowns();
  readonly #pools = new Map<string, UpstreamPool>();
  #latest: ProxyContext | null = null;
  #closed = false;

  constructor(options: Partial<ProxyOptions> = {}) {
    this.options = resolveProxyOptions(options);
  }

  prepare(table: RoutingTable): UpstreamGeneration {
    const wanted = referencedKeys(table, this.options);
    for (const [key, pool] of this.#pools) {
      if (wanted.has(key)) continue;
      this.#pools.delete(key);
      closeQuietly(pool);
    }
    const context = this.#context();
    this.#latest = context;
    return new Generation(context);
  }

  /** Pool keys currently held (for diagnostics and tests). */
  keys(): string[] {
    return [...this.#pools.keys()];
  }

  async close(): Promise<void> {
    this.#closed = true;
    const pools = [...this.#pools.values()];
    this.#pools.clear();
    await Promise.all(pools.map((pool) => pool.close().catch(() => {})));
  }

  #context(): ProxyContext {
    const balancers = new WeakMap<ServiceBackend, WeakMap<UpstreamPolicy, RoundRobin>>();
    const context: ProxyContext = {
      options: this.options,
      cooldowns: this.#cooldowns,
      balancer: (backend, upstream) => {
        let byPolicy = balancers.get(backend);
        if (byPolicy === undefined) {
          byPolicy = new WeakMap();
          balancers.set(backend, byPolicy);
        }
        let balancer = byPolicy.get(upstream);
        if (balancer === undefined) {
          const specs = backend.endpoints.map((endpoint) =>
            endpointSpec(endpoint, backend, upstream, this.options),
          );
          balancer = new RoundRobin(specs, this.#cooldowns);
          byPolicy.set(upstream, balancer);
        }
        return balancer;
      },
      dispatcher: (endpoint) => this.#dispatcher(endpoint, context),
    };
    return context;
  }

  #dispatcher(endpoint: EndpointSpec, context: ProxyContext): PooledDispatcher {
    const pool = this.#pools.get(endpoint.key);
    if (pool !== undefined) return { dispatcher: pool, transient: false };
    const created = createPool(endpoint, this.options);
    // Only the newest generation may add long-lived pools; an older one's leftovers would leak.
    if (context !== this.#latest || this.#closed) return { dispatcher: created, transient: true };
    this.#pools.set(endpoint.key, created);
    return { dispatcher: created, transient: false };
  }
}

function referencedKeys(table: RoutingTable, options: ProxyOptions): Set<string> {
  const keys = new Set<string>();
  const fallback = plainUpstream(table);
  const add = (backend: ServiceBackend, upstream: UpstreamPolicy): void => {
    for (const endpoint of backend.endpoints) {
      keys.add(endpointSpec(endpoint, backend, upstream, options).key);
    }
  };
  const visit = (server: Server): void => {
    for (const route of server.routes) {
      if (route.backend.type === 'service') add(route.backend, route.upstream);
    }
    if (server.fallback.type === 'service') add(server.fallback, fallback);
  };
  for (const server of Object.values(table.servers)) visit(server);
  visit(table.catchAll);
  return keys;
}

type PoolOptions = Pool.Options & { useH2c?: boolean };
type UpstreamPool = Http1Pool | Pool;

function createPool(endpoint: EndpointSpec, options: ProxyOptions): UpstreamPool {
  // nginx speaks HTTP/1.1 to HTTP and HTTPS upstreams (proxy_http_version 1.1); h2 only for gRPC.
  const { timeouts } = endpoint;
  if (endpoint.wire === 'http' || endpoint.wire === 'https') {
    return new Http1Pool(endpoint, { ...timeouts, keepAliveTimeoutMs: options.keepAliveTimeoutMs });
  }
  const poolOptions: PoolOptions = {
    connectTimeout: timeouts.connectTimeoutMs,
    headersTimeout: timeouts.readTimeoutMs,
    bodyTimeout: timeouts.readTimeoutMs,
    keepAliveTimeout: options.keepAliveTimeoutMs,
    keepAliveMaxTimeout: options.keepAliveTimeoutMs,
    allowH2: true,
    connect: connector(endpoint),
  };
  // Prior-knowledge h2c: undici's Pool reads the top-level flag when building its connector.
  if (endpoint.wire === 'h2c') {
    poolOptions.useH2c = true;
    poolOptions.h2Options = { useH2c: true };
  }
  return new Pool(endpoint.origin, poolOptions);
}

/**
 * undici derives SNI from each request's Host header and reconnects whenever it changes; a proxy
 * forwards many Hosts to one endpoint. So every request carries the endpoint's constant label as
 * its servername (see forward.ts) and this connector drops it, leaving the SNI of proxy-ssl-name.
 */
function connector(endpoint: EndpointSpec): buildConnector.connector {
  const base = buildConnector({
    ...(endpoint.tls ?? {}),
    timeout: endpoint.timeouts.connectTimeoutMs,
    allowH2: true,
    ...(endpoint.wire === 'h2c' ? { useH2c: true } : {}),
  } as buildConnector.BuildOptions);
  return (connectOptions, callback) => {
    const { servername: _perRequest, ...rest } = connectOptions;
    base(rest, callback);
  };
}

function closeQuietly(dispatcher: UpstreamPool): void {
  dispatcher.close().catch(() => {});
}
