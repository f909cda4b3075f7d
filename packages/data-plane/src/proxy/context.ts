/** What a request needs from the generation that started it. */
import type { ServiceBackend, UpstreamPolicy } from '@portcullis/config-model';
import type { Dispatcher } from 'undici';
import type { Cooldowns, RoundRobin } from './balancer.ts';
import type { EndpointSpec } from './endpoint.ts';
import type { ProxyOptions } from './options.ts';

export interface PooledDispatcher {
  readonly dispatcher: Dispatcher;
  /** A one-off pool (an old generation's endpoint that the current table dropped): close after use. */
  readonly transient: boolean;
}

export interface ProxyContext {
  readonly options: ProxyOptions;
  readonly cooldowns: Cooldowns;
  balancer(backend: ServiceBackend, upstream: UpstreamPolicy): RoundRobin;
  dispatcher(endpoint: EndpointSpec): PooledDispatcher;
}
