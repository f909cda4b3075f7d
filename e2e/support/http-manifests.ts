/**
 * Manifest builders for the HTTP/process e2e tests: Ingresses, ConfigMaps, multi-address
 * Services and certificates, written as an operator would write them (YAML text, not objects),
 * so the tests also exercise the manifest loader.
 */
import { issueCertificate } from '@portcullis/config-model';

export interface IngressPath {
  readonly path?: string;
  readonly pathType?: 'Prefix' | 'Exact' | 'ImplementationSpecific';
  readonly service: string;
}

export interface IngressSpec {
  readonly name: string;
  readonly host: string;
  /** Backend of the default single path `/` (Prefix); ignored when `paths` is given. */
  readonly service?: string;
  readonly paths?: readonly IngressPath[];
  /** Short names: `ssl-redirect` becomes nginx.ingress.kubernetes.io/ssl-redirect. */
  readonly annotations?: Readonly<Record<string, string>>;
  /** Secret holding the certificate for `host` (spec.tls). */
  readonly tlsSecret?: string;
  readonly namespace?: string;
}

export function ingressYaml(spec: IngressSpec): string {
  const paths = spec.paths ?? [{ service: spec.service ?? spec.name }];
  const annotations = Object.entries(spec.annotations ?? {})
    .map(([key, value]) => `    nginx.ingress.kubernetes.io/${key}: ${JSON.stringify(value)}\n`)
    .join('');
  const tls =
    spec.tlsSecret === undefined ? '' : `  tls: [{ hosts: [${spec.host}], secretName: ${spec.tlsSecret} }]\n`;
  const pathLines = paths
    .map(
      (p) =>
        `          - path: ${p.path ?? '/'}\n            pathType: ${p.pathType ?? 'Prefix'}\n` +
        `            backend: { service: { name: ${p.service}, port: { number: 80 } } }\n`,
    )
    .join('');
  return `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: ${spec.name}
  namespace: ${spec.namespace ?? 'default'}
${annotations === '' ? '' : `  annotations:\n${annotations}`}spec:
  ingressClassName: nginx
${tls}  rules:
    - host: ${spec.host}
      http:
        paths:
${pathLines}`;
}

/** The controller ConfigMap (pass `--configmap default/portcullis`). */
export function configMapYaml(data: Readonly<Record<string, string>>, name = 'portcullis'): string {
  const lines = Object.entries(data)
    .map(([key, value]) => `  ${key}: ${JSON.stringify(value)}\n`)
    .join('');
  return `apiVersion: v1
kind: ConfigMap
metadata: { name: ${name}, namespace: default }
data:
${lines}`;
}

/** A Service whose one EndpointSlice lists several addresses on one port (a Deployment's pods). */
export function multiEndpointServiceYaml(name: string, addresses: readonly string[], port: number): string {
  return `apiVersion: v1
kind: Service
metadata: { name: ${name}, namespace: default }
spec:
  clusterIP: 10.96.0.10
  ports: [{ name: http, port: 80, targetPort: ${port} }]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: { name: ${name}-1, namespace: default, labels: { kubernetes.io/service-name: ${name} } }
addressType: IPv4
endpoints: [${addresses.map((a) => `{ addresses: [${a}] }`).join(', ')}]
ports: [{ name: http, port: ${port} }]
`;
}

/** A Service with no endpoints at all (scaled to zero): ingress-nginx answers 503. */
export function serviceWithoutEndpointsYaml(name: string): string {
  return `apiVersion: v1
kind: Service
metadata: { name: ${name}, namespace: default }
spec:
  clusterIP: 10.96.0.11
  ports: [{ name: http, port: 80, targetPort: 8080 }]
`;
}

export interface HostCertificate {
  /** The CA that signed `pair`, for clients to trust. */
  readonly caPem: string;
  /** Leaf + CA chain and key, ready for tlsSecretYaml. */
  readonly pair: { readonly certPem: string; readonly keyPem: string };
}

/** A CA and a leaf for `hosts`, valid yesterday to tomorrow (generated at test time). */
export async function issueHostCertificate(hosts: readonly string[]): Promise<HostCertificate> {
  const validity = {
    notBefore: new Date(Date.now() - 86_400_000),
    notAfter: new Date(Date.now() + 86_400_000),
    keyType: 'ECDSA-P-256' as const,
  };
  const ca = await issueCertificate({ commonName: 'e2e http CA', isCa: true, ...validity });
  const leaf = await issueCertificate({ dnsNames: hosts, issuer: ca, ...validity });
  return { caPem: ca.certPem, pair: { certPem: leaf.certPem + ca.certPem, keyPem: leaf.keyPem } };
}
