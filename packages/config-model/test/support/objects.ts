/** Small builders for Kubernetes objects in tests. */
export interface PathSpec {
  path: string;
  pathType?: 'Exact' | 'Prefix' | 'ImplementationSpecific';
  service?: string;
  port?: number | string;
}

export function ingress(
  name: string,
  options: {
    namespace?: string;
    created?: string;
    annotations?: Record<string, string>;
    className?: string;
    rules?: { host?: string; paths: PathSpec[] }[];
    tls?: { hosts?: string[]; secretName?: string }[];
    defaultBackend?: { service: string; port: number | string };
  } = {},
): unknown {
  const backend = (service: string, port: number | string) => ({
    service: { name: service, port: typeof port === 'number' ? { number: port } : { name: port } },
  });
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: {
      name,
      namespace: options.namespace ?? 'default',
      creationTimestamp: options.created ?? '2026-01-01T00:00:00Z',
      ...(options.annotations ? { annotations: options.annotations } : {}),
    },
    spec: {
      ...(options.className ? { ingressClassName: options.className } : {}),
      ...(options.defaultBackend
        ? { defaultBackend: backend(options.defaultBackend.service, options.defaultBackend.port) }
        : {}),
      ...(options.tls ? { tls: options.tls } : {}),
      rules: (options.rules ?? []).map((rule) => ({
        ...(rule.host === undefined ? {} : { host: rule.host }),
        http: {
          paths: rule.paths.map((p) => ({
            path: p.path,
            pathType: p.pathType ?? 'Prefix',
            backend: backend(p.service ?? 'web', p.port ?? 80),
          })),
        },
      })),
    },
  };
}

export function service(
  name: string,
  ports: { name?: string; port: number; targetPort?: number | string }[],
  namespace = 'default',
  extra: Record<string, unknown> = {},
): unknown {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace },
    spec: { clusterIP: '10.96.0.10', ports, ...extra },
  };
}

export function endpointSlice(
  serviceName: string,
  addresses: { ip: string; ready?: boolean }[],
  ports: { name?: string; port: number }[],
  namespace = 'default',
): unknown {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      name: `${serviceName}-abc`,
      namespace,
      labels: { 'kubernetes.io/service-name': serviceName },
    },
    addressType: 'IPv4',
    endpoints: addresses.map((a) => ({
      addresses: [a.ip],
      conditions: a.ready === undefined ? {} : { ready: a.ready },
    })),
    ports,
  };
}
