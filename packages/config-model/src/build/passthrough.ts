/**
 * SSL passthrough: SNI host -> the Service behind the host's "/" path, by clusterIP and port.
 * ingress-nginx ignores every other path and annotation of such an Ingress (TLS is never
 * terminated). Effective only with --enable-ssl-passthrough.
 */
import { type Diagnostic, diagnostic, objectRef } from '../diagnostics.ts';
import type { PassthroughTarget } from '../table.ts';
import type { AcceptedIngress } from './accepted.ts';
import type { BackendResolver } from './backends.ts';

const annotation = 'nginx.ingress.kubernetes.io/ssl-passthrough';

export function passthroughTargets(
  accepted: readonly AcceptedIngress[],
  resolver: BackendResolver,
  enabled: boolean,
  out: Diagnostic[],
): Record<string, PassthroughTarget> {
  const targets: Record<string, PassthroughTarget> = {};
  for (const item of accepted) {
    if (!item.annotations.sslPassthrough) continue;
    const { ref } = item;
    const where = objectRef('Ingress', ref.namespace, ref.name, annotation);
    if (!enabled) {
      out.push(
        diagnostic(
          'PassthroughDisabled',
          where,
          'ssl-passthrough is set but the controller runs without --enable-ssl-passthrough; TLS is terminated instead',
        ),
      );
      continue;
    }
    (item.ingress.spec.rules ?? []).forEach((rule, i) => {
      const host = item.hosts[i];
      if (!host) return;
      const root = (rule.http?.paths ?? []).find((p) => (p.path ?? '/') === '/' && p.pathType !== 'Exact');
      const service = root?.backend.service ?? item.ingress.spec.defaultBackend?.service;
      const existing = targets[host];
      if (existing !== undefined) {
        out.push(
          diagnostic(
            'PassthroughConflict',
            objectRef('Ingress', ref.namespace, ref.name, `spec.rules[${i}].host`),
            `passthrough host "${host}" is already claimed by Ingress ${existing.ingress.namespace}/${existing.ingress.name} (older)`,
          ),
        );
        return;
      }
      const target = service === undefined ? null : resolveTarget(resolver, ref.namespace, service);
      if (target === null) {
        out.push(
          diagnostic(
            'PassthroughNoTarget',
            objectRef('Ingress', ref.namespace, ref.name, `spec.rules[${i}]`),
            `passthrough host "${host}" needs a "/" path to a Service with a clusterIP (or ExternalName) and a port; the host is not passed through`,
          ),
        );
        return;
      }
      targets[host] = Object.freeze({
        host,
        ingress: ref,
        namespace: ref.namespace,
        service: service?.name ?? '',
        ...target,
      });
    });
  }
  return targets;
}

function resolveTarget(
  resolver: BackendResolver,
  namespace: string,
  backend: { name: string; port: { number?: number | undefined; name?: string | undefined } },
): { address: string; port: number } | null {
  const service = resolver.service(namespace, backend.name);
  if (service === undefined) return null;
  const port =
    backend.port.number ??
    service.spec.ports?.find((p) => p.name !== undefined && p.name === backend.port.name)?.port;
  if (port === undefined) return null;
  if (service.spec.type === 'ExternalName') {
    return service.spec.externalName ? { address: service.spec.externalName, port } : null;
  }
  const ip = service.spec.clusterIP;
  if (!ip || ip === 'None') return null;
  return { address: ip, port };
}
