/**
 * The upstream policy of a backend no route annotation applies to (a server's fallback, the
 * catch-all's): plain HTTP, no backend TLS, the ConfigMap's proxy timeouts. One frozen object
 * per ConfigMap timeouts object, so pool keys and balancers stay stable across table swaps.
 */
import type { RoutingTable, UpstreamPolicy } from '@portcullis/config-model';

const policies = new WeakMap<UpstreamPolicy['timeouts'], UpstreamPolicy>();

export function plainUpstream(table: RoutingTable): UpstreamPolicy {
  const timeouts = table.http.proxyTimeouts;
  let policy = policies.get(timeouts);
  if (policy === undefined) {
    policy = Object.freeze({ protocol: 'HTTP', proxySsl: null, timeouts });
    policies.set(timeouts, policy);
  }
  return policy;
}
