/**
 * API objects for the Kubernetes-mode e2e tests, shaped as kubectl would send them (plain JSON
 * with apiVersion/kind), for FakeApiServer.apply(); and a poll that measures how long a change
 * takes to show in what a client sees, since watch -> tick -> build -> swap is asynchronous.
 */
import type { FakeApiServer, KubeObject } from './fake-apiserver/index.ts';
import { get } from './http-clients.ts';

export interface KubeIngressPath {
  readonly path?: string;
  readonly pathType?: 'Prefix' | 'Exact' | 'ImplementationSpecific';
  readonly service: string;
}

export interface KubeIngressSpec {
  readonly name: string;
  readonly host: string;
  readonly namespace?: string;
  /** Default: one Prefix path `/` to a Service named like the Ingress. */
  readonly paths?: readonly KubeIngressPath[];
  /** Full annotation keys (nginx.ingress.kubernetes.io/...). */
  readonly annotations?: Readonly<Record<string, string>>;
  /** spec.tls for `host` with this Secret. */
  readonly tlsSecret?: string;
}

export function ingressObject(spec: KubeIngressSpec): KubeObject {
  const paths = spec.paths ?? [{ service: spec.name }];
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: {
      name: spec.name,
      namespace: spec.namespace ?? 'default',
      ...(spec.annotations === undefined ? {} : { annotations: { ...spec.annotations } }),
    },
    spec: {
      ingressClassName: 'nginx',
      ...(spec.tlsSecret === undefined ? {} : { tls: [{ hosts: [spec.host], secretName: spec.tlsSecret }] }),
      rules: [
        {
          host: spec.host,
          http: {
            paths: paths.map((p) => ({
              path: p.path ?? '/',
              pathType: p.pathType ?? 'Prefix',
              backend: { service: { name: p.service, port: { number: 80 } } },
            })),
          },
        },
      ],
    },
  };
}

/** A Service and its EndpointSlice sending port 80 to 127.0.0.1:`port`. */
export function serviceObjects(name: string, port: number, namespace = 'default'): KubeObject[] {
  return [
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, namespace },
      spec: { clusterIP: '127.0.0.1', ports: [{ name: 'http', port: 80, targetPort: port }] },
    },
    {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: `${name}-1`, namespace, labels: { 'kubernetes.io/service-name': name } },
      addressType: 'IPv4',
      endpoints: [{ addresses: ['127.0.0.1'], conditions: { ready: true } }],
      ports: [{ name: 'http', port }],
    },
  ];
}

export function tlsSecretObject(
  name: string,
  pair: { readonly certPem: string; readonly keyPem: string },
  namespace = 'default',
): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace },
    type: 'kubernetes.io/tls',
    data: {
      'tls.crt': Buffer.from(pair.certPem).toString('base64'),
      'tls.key': Buffer.from(pair.keyPem).toString('base64'),
    },
  };
}

export function applyAll(api: FakeApiServer, objects: readonly KubeObject[]): void {
  for (const object of objects) api.apply(object);
}

/** What a plain-HTTP GET of host+path answers: the echo backend's name, or the status code. */
export async function routeOf(port: number, host: string, path = '/'): Promise<string> {
  try {
    const res = await get(port, { host, path, timeoutMs: 2_000 });
    if (res.status !== 200) return String(res.status);
    return (JSON.parse(res.body) as { backend: string }).backend;
  } catch (error) {
    return `error: ${String(error)}`;
  }
}

/**
 * Polls `probe` every 20 ms until it returns `wanted`; resolves with the milliseconds that took,
 * or rejects after `timeoutMs` naming the last answer.
 */
export async function until(
  probe: () => Promise<string>,
  wanted: string,
  timeoutMs = 5_000,
): Promise<number> {
  const started = Date.now();
  let last = '';
  while (Date.now() - started < timeoutMs) {
    last = await probe();
    if (last === wanted) return Date.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(
    `wanted ${JSON.stringify(wanted)} within ${timeoutMs} ms, last saw ${JSON.stringify(last)}`,
  );
}
