/**
 * Upstream endpoints as pool keys. A key names everything that makes two connections
 * interchangeable: wire protocol, address:port, the TLS settings (CA, client certificate,
 * server name, verification) and the connect and read timeouts the pool's connections enforce.
 * Equal keys share one keep-alive pool across table generations.
 */
import { createHash } from 'node:crypto';
import { type ConnectionOptions, checkServerIdentity, type PeerCertificate } from 'node:tls';
import type { Endpoint, ProxySsl, ServiceBackend, UpstreamPolicy } from '@portcullis/config-model';
import type { ProxyOptions } from './options.ts';

/** http: HTTP/1.1; https: HTTP/1.1 over TLS; h2c: cleartext HTTP/2 (GRPC); h2: HTTP/2 over TLS (GRPCS). */
export type WireProtocol = 'http' | 'https' | 'h2c' | 'h2';

export interface EndpointSpec {
  readonly key: string;
  /** `address:port`, as ingress-nginx logs upstream_addr. */
  readonly label: string;
  readonly host: string;
  readonly port: number;
  /** Origin URL for undici (IPv6 literals bracketed). */
  readonly origin: string;
  readonly wire: WireProtocol;
  /** tls.connect options for https/h2, null for cleartext. */
  readonly tls: ConnectionOptions | null;
  /** The route's proxy-*-timeout values, else the proxy's defaults. */
  readonly timeouts: UpstreamTimeouts;
}

export interface UpstreamTimeouts {
  readonly connectTimeoutMs: number;
  readonly readTimeoutMs: number;
  readonly sendTimeoutMs: number;
}

const resolvedTimeouts = new WeakMap<UpstreamPolicy['timeouts'], WeakMap<ProxyOptions, UpstreamTimeouts>>();

/** The policy's timeouts (seconds, null when unset) over the proxy's defaults, one object per pair. */
export function upstreamTimeouts(policy: UpstreamPolicy, defaults: ProxyOptions): UpstreamTimeouts {
  let byDefaults = resolvedTimeouts.get(policy.timeouts);
  if (byDefaults === undefined) {
    byDefaults = new WeakMap();
    resolvedTimeouts.set(policy.timeouts, byDefaults);
  }
  let resolved = byDefaults.get(defaults);
  if (resolved === undefined) {
    const { connect, read, send } = policy.timeouts;
    resolved = Object.freeze({
      connectTimeoutMs: connect === null ? defaults.connectTimeoutMs : connect * 1000,
      readTimeoutMs: read === null ? defaults.readTimeoutMs : read * 1000,
      sendTimeoutMs: send === null ? defaults.sendTimeoutMs : send * 1000,
    });
    byDefaults.set(defaults, resolved);
  }
  return resolved;
}

export function wireProtocol(policy: UpstreamPolicy): WireProtocol {
  switch (policy.protocol) {
    case 'HTTPS':
      return 'https';
    case 'GRPC':
      return 'h2c';
    case 'GRPCS':
      return 'h2';
    default:
      // AUTO_HTTP is ingress-nginx's HTTP with a protocol guess it never acts on for upstreams.
      return 'http';
  }
}

const tlsHashes = new WeakMap<ProxySsl, string>();

function tlsHash(ssl: ProxySsl | null): string {
  if (ssl === null) return 'none';
  let hash = tlsHashes.get(ssl);
  if (hash === undefined) {
    const material = [ssl.verify, ssl.name, ssl.serverName, ssl.caPem, ssl.certPem, ssl.keyPem];
    hash = createHash('sha256').update(JSON.stringify(material)).digest('hex').slice(0, 16);
    tlsHashes.set(ssl, hash);
  }
  return hash;
}

export function endpointSpec(
  endpoint: Endpoint,
  backend: ServiceBackend,
  policy: UpstreamPolicy,
  defaults: ProxyOptions,
): EndpointSpec {
  const wire = wireProtocol(policy);
  const secure = wire === 'https' || wire === 'h2';
  const host = endpoint.address;
  const hostPart = host.includes(':') ? `[${host}]` : host;
  const label = `${hostPart}:${endpoint.port}`;
  const origin = `${secure ? 'https' : 'http'}://${label}`;
  const timeouts = upstreamTimeouts(policy, defaults);
  const key = `${wire}://${label}#${secure ? tlsHash(policy.proxySsl) : ''}#${timeouts.connectTimeoutMs}/${timeouts.readTimeoutMs}`;
  const tls = secure ? tlsOptions(policy.proxySsl, host, backend.externalName) : null;
  return { key, label, host, port: endpoint.port, origin, wire, tls, timeouts };
}

/**
 * TLS to the backend as nginx's proxy_ssl_* directives: verification off unless proxy-ssl-verify
 * (proxy_ssl_verify off is nginx's default), SNI only with proxy-ssl-server-name, the name checked
 * is proxy-ssl-name. Without a name we check the endpoint address (IP SAN) or ExternalName, where
 * nginx would check the upstream group name and always fail.
 */
export function tlsOptions(ssl: ProxySsl | null, host: string, externalName: boolean): ConnectionOptions {
  const options: ConnectionOptions = { rejectUnauthorized: ssl?.verify === true };
  if (ssl === null) return options;
  if (ssl.caPem !== null) options.ca = ssl.caPem;
  if (ssl.certPem !== null && ssl.keyPem !== null) {
    options.cert = ssl.certPem;
    options.key = ssl.keyPem;
  }
  const serverName = ssl.name ?? (externalName ? host : null);
  if (ssl.serverName && serverName !== null) options.servername = serverName;
  if (ssl.verify) {
    const expected = ssl.name ?? host;
    options.checkServerIdentity = (_name: string, cert: PeerCertificate) =>
      checkServerIdentity(expected, cert);
  }
  return options;
}
