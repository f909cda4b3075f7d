/** An echo backend for e2e tests: answers JSON describing the request it received. */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { echo } from './http-backends.ts';

export interface EchoBackend {
  readonly server: Server;
  readonly port: number;
  /** Requests seen, in order. */
  readonly requests: IncomingMessage[];
  close(): Promise<void>;
}

export async function startEchoBackend(name = 'echo'): Promise<EchoBackend> {
  const requests: IncomingMessage[] = [];
  const server = createServer((req, res) => {
    requests.push(req);
    echo(name, req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    server,
    port: (server.address() as AddressInfo).port,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Service + EndpointSlice YAML routing `name` to 127.0.0.1:port. */
export function serviceYaml(name: string, port: number, namespace = 'default'): string {
  return `apiVersion: v1
kind: Service
metadata: { name: ${name}, namespace: ${namespace} }
spec:
  clusterIP: 127.0.0.1
  ports: [{ name: http, port: 80, targetPort: ${port} }]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: { name: ${name}-1, namespace: ${namespace}, labels: { kubernetes.io/service-name: ${name} } }
addressType: IPv4
endpoints: [{ addresses: [127.0.0.1] }]
ports: [{ name: http, port: ${port} }]
`;
}

/** A TLS Secret's YAML from PEM material. */
export function tlsSecretYaml(
  name: string,
  pair: { certPem: string; keyPem: string },
  namespace = 'default',
): string {
  return `apiVersion: v1
kind: Secret
metadata: { name: ${name}, namespace: ${namespace} }
type: kubernetes.io/tls
data:
  tls.crt: ${Buffer.from(pair.certPem).toString('base64')}
  tls.key: ${Buffer.from(pair.keyPem).toString('base64')}
`;
}
