/**
 * What both proxies serve: one ECDSA P-256 certificate (the same file for nginx, portcullis and
 * the TLS backend) and the portcullis manifests equivalent to the nginx.conf in nginx-conf.ts.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { issueCertificate } from '@portcullis/config-model';
import { serviceYaml, tlsSecretYaml } from '../support/backend.ts';

export const HOST = 'bench.test';
export const PASSTHROUGH_HOST = 'pass.bench.test';

export interface CertFiles {
  readonly certFile: string;
  readonly keyFile: string;
  readonly certPem: string;
  readonly keyPem: string;
}

export async function writeCertificate(dir: string): Promise<CertFiles> {
  const pair = await issueCertificate({
    dnsNames: [HOST, PASSTHROUGH_HOST],
    keyType: 'ECDSA-P-256',
    notBefore: new Date(Date.now() - 86_400_000),
    notAfter: new Date(Date.now() + 7 * 86_400_000),
  });
  const certFile = join(dir, 'bench.crt');
  const keyFile = join(dir, 'bench.key');
  writeFileSync(certFile, pair.certPem);
  writeFileSync(keyFile, pair.keyPem, { mode: 0o600 });
  return { certFile, keyFile, ...pair };
}

export interface ManifestInput {
  readonly backendPort: number;
  readonly tlsBackendPort: number;
  readonly cert: CertFiles;
}

/**
 * One TLS Ingress for HOST to the plain backend, one ssl-passthrough Ingress for
 * PASSTHROUGH_HOST to the TLS backend (used only with --enable-ssl-passthrough), and the
 * certificate Secret (also the --default-ssl-certificate, so a client sending no SNI gets the
 * same ECDSA certificate as from nginx's default_server and not the generated fake one).
 */
export function manifestsYaml(input: ManifestInput): string {
  return `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: { name: bench, namespace: default }
spec:
  ingressClassName: nginx
  tls: [{ hosts: [${HOST}], secretName: bench-tls }]
  rules:
    - host: ${HOST}
      http: { paths: [{ path: /, pathType: Prefix, backend: { service: { name: backend, port: { number: 80 } } } }] }
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: pass
  namespace: default
  annotations: { nginx.ingress.kubernetes.io/ssl-passthrough: "true" }
spec:
  ingressClassName: nginx
  rules:
    - host: ${PASSTHROUGH_HOST}
      http: { paths: [{ path: /, pathType: Prefix, backend: { service: { name: tls-backend, port: { number: ${input.tlsBackendPort} } } } }] }
---
${serviceYaml('backend', input.backendPort)}---
${tlsServiceYaml(input.tlsBackendPort)}---
${tlsSecretYaml('bench-tls', input.cert)}`;
}

/**
 * ingress-nginx's passthrough proxy dials the Service's ClusterIP and Service port (not the
 * endpoints), and portcullis does the same: so ClusterIP 127.0.0.1 and port = the backend's.
 */
function tlsServiceYaml(port: number): string {
  return `apiVersion: v1
kind: Service
metadata: { name: tls-backend, namespace: default }
spec:
  clusterIP: 127.0.0.1
  ports: [{ name: https, port: ${port}, targetPort: ${port} }]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: { name: tls-backend-1, namespace: default, labels: { kubernetes.io/service-name: tls-backend } }
addressType: IPv4
endpoints: [{ addresses: [127.0.0.1] }]
ports: [{ name: https, port: ${port} }]
`;
}

/** A directory of its own: portcullis watches it, and logs written beside it would wake the watcher. */
export function writeManifests(dir: string, input: ManifestInput): string {
  const manifests = join(dir, 'manifests');
  mkdirSync(manifests);
  writeFileSync(join(manifests, 'bench.yaml'), manifestsYaml(input));
  return manifests;
}
