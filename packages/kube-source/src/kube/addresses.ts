/**
 * The addresses an Ingress's status.loadBalancer.ingress reports, chosen as ingress-nginx's
 * status sync does (internal/ingress/status): --publish-status-address wins (each entry an IP or
 * a host name), else --publish-service's Service by type: ExternalName -> its name,
 * ClusterIP -> the cluster IP, NodePort -> external IPs or else the cluster IP,
 * LoadBalancer -> its load balancer's IPs/host names plus any external IPs.
 */
import { isIP } from 'node:net';
import { CoreV1Api, type KubeConfig, type V1Service } from '@kubernetes/client-node';
import { describeError } from './errors.ts';
import type { KubeLog, NamespacedName } from './log.ts';

export interface LoadBalancerAddress {
  readonly ip?: string;
  readonly hostname?: string;
}

export interface PublishOptions {
  readonly publishService?: NamespacedName;
  readonly publishStatusAddress?: readonly string[];
}

export function addressOf(value: string): LoadBalancerAddress {
  return isIP(value) === 0 ? { hostname: value } : { ip: value };
}

/** ingress-nginx's order (host name, then IP) with duplicates removed: the form status compares in. */
export function normalizeAddresses(addresses: readonly LoadBalancerAddress[]): LoadBalancerAddress[] {
  const seen = new Set<string>();
  const out: LoadBalancerAddress[] = [];
  for (const address of addresses) {
    const ip = address.ip ?? '';
    const hostname = address.hostname ?? '';
    const key = `${hostname}\u0000${ip}`;
    if ((ip === '' && hostname === '') || seen.has(key)) continue;
    seen.add(key);
    out.push({ ...(ip === '' ? {} : { ip }), ...(hostname === '' ? {} : { hostname }) });
  }
  const sortKey = (a: LoadBalancerAddress) => `${a.hostname ?? ''}\u0000${a.ip ?? ''}`;
  return out.sort((a, b) => (sortKey(a) < sortKey(b) ? -1 : sortKey(a) > sortKey(b) ? 1 : 0));
}

/** The addresses to publish, or null when they cannot be known now (the Service read failed). */
export async function resolvePublishAddresses(
  config: KubeConfig,
  log: KubeLog,
  options: PublishOptions,
): Promise<LoadBalancerAddress[] | null> {
  const fixed = (options.publishStatusAddress ?? []).map((a) => a.trim()).filter((a) => a !== '');
  if (fixed.length > 0) return normalizeAddresses(fixed.map(addressOf));
  const ref = options.publishService;
  if (ref === undefined) return [];
  try {
    const service = await config.makeApiClient(CoreV1Api).readNamespacedService(ref);
    return normalizeAddresses(serviceAddresses(service));
  } catch (error) {
    log.warn('cannot read the publish service', {
      service: `${ref.namespace}/${ref.name}`,
      error: describeError(error),
    });
    return null;
  }
}

function serviceAddresses(service: V1Service): LoadBalancerAddress[] {
  const spec = service.spec ?? {};
  const clusterIp = spec.clusterIP === undefined || spec.clusterIP === 'None' ? [] : [{ ip: spec.clusterIP }];
  const externalIps = (spec.externalIPs ?? []).map((ip) => ({ ip }));
  switch (spec.type) {
    case 'ExternalName':
      return spec.externalName === undefined ? [] : [{ hostname: spec.externalName }];
    case 'NodePort':
      return externalIps.length > 0 ? externalIps : clusterIp;
    case 'LoadBalancer': {
      const balancer = (service.status?.loadBalancer?.ingress ?? []).map((entry) => ({
        ...(entry.ip === undefined || entry.ip === '' ? {} : { ip: entry.ip }),
        ...(entry.hostname === undefined || entry.hostname === '' ? {} : { hostname: entry.hostname }),
      }));
      return [...balancer, ...externalIps];
    }
    default:
      // ClusterIP, and the API's default when type is unset.
      return clusterIp;
  }
}
