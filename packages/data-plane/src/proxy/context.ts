/** What a request needs from the generation that started it. */
import type { ServiceBackend, UpstreamPolicy } from '@portcullis/config-model';
import type { Dispatcher } from 'undici';
import type { Cooldowns, RoundRobin } from './balancer.ts';
import type { EndpointSpec } from './endpoint.ts';
import type { Http1Pool } from './h1/pool.ts';
import type { ProxyOptions } from './options.ts';

export interface PooledDispatcher {
  /** Our HTTP/1.1 pool for http/https endpoints, undici's (HTTP/2) for h2c/h2 (gRPC). */
  readonly dispatcher: Http1Pool | Dispatcher;
  /** A one-off pool (an old generation's endpoint that the current table dropped): close after use. */
  readonly transient: boolean;
}

export interface ProxyContext {
  readonly options: ProxyOptions;
  readonly cooldowns: Cooldowns;
  balancer(backend: ServiceBackend, upstream: UpstreamPolicy): RoundRobin;
  dispatcher(endpoint: EndpointSpec): PooledDispatcher;
}
