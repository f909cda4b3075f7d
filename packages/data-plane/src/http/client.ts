/**
 * Who the client is and how it reached us, as ingress-nginx computes it before proxying:
 * - $remote_addr: the peer, or with use-forwarded-headers the realip module's answer
 *   (real_ip_header X-Forwarded-For, real_ip_recursive on, set_real_ip_from proxy-real-ip-cidr);
 * - $pass_access_scheme, $best_http_host, $pass_port: lua_ingress.rewrite().
 *
 * Decision: ingress-nginx trusts X-Forwarded-Proto/-Host/-Port from any peer when
 * use-forwarded-headers is on (only the real IP is CIDR-gated). portcullis gates all of them on
 * proxy-real-ip-cidr: with the default 0.0.0.0/0 that is the same for IPv4 peers, and a
 * restricted CIDR list then also stops untrusted clients from faking "https".
 */
import { BlockList, isIP } from 'node:net';
import type { HttpSettings } from '@portcullis/config-model';
import type { RequestTarget } from './request-target.ts';

export interface ClientView {
  /** The direct peer ($realip_remote_addr). */
  readonly peer: string;
  /** $remote_addr after the realip module. */
  readonly address: string;
  /** Forwarded headers are honoured for this request. */
  readonly trusted: boolean;
  /** $pass_access_scheme: 'http'/'https', or X-Forwarded-Proto verbatim when trusted. */
  readonly scheme: string;
  /** $best_http_host: Host with port, or the first X-Forwarded-Host when trusted. */
  readonly host: string;
  /** $pass_port. */
  readonly port: string;
}

export interface ConnectionFacts {
  readonly scheme: 'http' | 'https';
  readonly peer: string | undefined;
  readonly localPort: number | undefined;
  readonly httpsPort: number;
}

type Headers = Readonly<Record<string, string | string[] | undefined>>;

const trustCache = new WeakMap<readonly string[], BlockList>();

export function clientView(
  http: HttpSettings,
  conn: ConnectionFacts,
  target: RequestTarget,
  headers: Headers,
): ClientView {
  const peer = unmapIPv4(conn.peer ?? '');
  const trust = trustedProxies(http.proxyRealIpCidr);
  const trusted = http.useForwardedHeaders && isTrusted(trust, peer);
  let scheme: string = conn.scheme;
  let host = target.httpHost;
  let port = String(conn.localPort ?? '');
  let address = peer;
  if (trusted) {
    scheme = first(headers['x-forwarded-proto']) ?? scheme;
    port = first(headers['x-forwarded-port']) ?? port;
    const forwardedHost = first(headers['x-forwarded-host']);
    if (forwardedHost !== undefined) host = forwardedHost.split(',')[0]?.trim() ?? '';
    address = realIp(trust, peer, first(headers['x-forwarded-for']));
  }
  // lua_ingress: the HTTPS listen port is reported as 443 (the Service usually maps it so).
  if (port === String(conn.httpsPort)) port = '443';
  return { peer, address, trusted, scheme, host, port };
}

/** Node reports IPv4 clients of a dual-stack socket as ::ffff:a.b.c.d; nginx sees a.b.c.d. */
export function unmapIPv4(address: string): string {
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}

function trustedProxies(cidrs: readonly string[]): BlockList {
  let list = trustCache.get(cidrs);
  if (list !== undefined) return list;
  list = new BlockList();
  for (const cidr of cidrs) {
    const [network = '', prefix] = cidr.split('/');
    const type = isIP(network) === 6 ? 'ipv6' : 'ipv4';
    if (prefix === undefined) list.addAddress(network, type);
    else list.addSubnet(network, Number(prefix), type);
  }
  trustCache.set(cidrs, list);
  return list;
}

function isTrusted(list: BlockList, address: string): boolean {
  const family = isIP(address);
  return family !== 0 && list.check(address, family === 6 ? 'ipv6' : 'ipv4');
}

/**
 * nginx ngx_http_get_forwarded_addr with real_ip_recursive on: walk X-Forwarded-For from the
 * right while the current address is trusted; stop at the first untrusted one, at the
 * leftmost, or before an entry that does not parse (keeping the last good one).
 */
function realIp(trust: BlockList, peer: string, xff: string | undefined): string {
  if (xff === undefined) return peer;
  let current = peer;
  const entries = xff.split(',');
  for (let i = entries.length - 1; i >= 0 && isTrusted(trust, current); i--) {
    const parsed = parseForwardedAddress(entries[i] ?? '');
    if (parsed === null) return current;
    current = parsed;
  }
  return current;
}

/** An address as ngx_parse_addr_port accepts it: `a.b.c.d`, `a.b.c.d:port`, `v6`, `[v6]:port`. */
function parseForwardedAddress(entry: string): string | null {
  let text = entry.trim();
  if (text.startsWith('[')) text = text.slice(1, text.indexOf(']') === -1 ? undefined : text.indexOf(']'));
  else if (/^[\d.]+:\d+$/.test(text)) text = text.slice(0, text.indexOf(':'));
  return isIP(text) === 0 ? null : unmapIPv4(text);
}

/** Node joins repeated headers with ", ", as nginx >= 1.23 does for $http_x_... variables. */
function first(value: string | string[] | undefined): string | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  return v === undefined || v === '' ? undefined : v;
}
