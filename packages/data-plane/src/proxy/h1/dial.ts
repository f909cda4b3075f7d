/**
 * Opening an upstream connection: TCP, or TLS with the endpoint's proxy-ssl-* options. Reads go
 * to `onread` (node's buffer mode: no stream machinery per read). SNI follows undici's connector,
 * which the HTTPS pools used before: proxy-ssl-name when proxy-ssl-server-name is on, else the
 * host when it is a name (an ExternalName Service), none for an IP address.
 */
import { connect as netConnect, type OnReadOpts, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { EndpointSpec } from '../endpoint.ts';

export function dial(endpoint: EndpointSpec, onread: OnReadOpts, session: Buffer | undefined): Socket {
  const address = { host: endpoint.host, port: endpoint.port, noDelay: true, onread };
  if (endpoint.tls === null) return netConnect(address);
  const servername = endpoint.tls.servername ?? (isIpLiteral(endpoint.host) ? undefined : endpoint.host);
  return tlsConnect({
    ...endpoint.tls,
    ...address,
    ...(servername === undefined ? {} : { servername }),
    // TLS session resumption across connections, as undici's connector caches sessions.
    ...(session === undefined ? {} : { session }),
    ALPNProtocols: ['http/1.1'],
  });
}

function isIpLiteral(host: string): boolean {
  return host.includes(':') || /^\d+\.\d+\.\d+\.\d+$/.test(host);
}
