/**
 * The request headers sent upstream, as ingress-nginx's location block sets them
 * (nginx.tmpl: proxy_set_header Host $best_http_host; X-Request-ID $req_id; X-Real-IP
 * $remote_addr; X-Forwarded-For; X-Forwarded-Host; -Port; -Proto; -Scheme; X-Scheme;
 * X-Original-Forwarded-For; Proxy "").
 */
import { randomFillSync } from 'node:crypto';
import type { HttpSettings } from '@portcullis/config-model';
import type { ClientView } from './client.ts';
import type { UpstreamHeaders } from './types.ts';

type Headers = Readonly<Record<string, string | string[] | undefined>>;

/** RFC 9110 §7.6.1 hop-by-hop fields, plus the non-standard ones proxies also drop. */
const hopByHop = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  // nginx answers 100-continue itself and never forwards Expect (neither does undici).
  'expect',
  // nginx.tmpl `proxy_set_header Proxy ""`: the httpoxy mitigation (CVE-2016-5385).
  'proxy',
  'http2-settings',
]);

/** Replaced below; a client cannot pass its own. */
const overwritten = new Set([
  'host',
  'x-real-ip',
  'x-forwarded-for',
  'x-forwarded-host',
  'x-forwarded-port',
  'x-forwarded-proto',
  'x-forwarded-scheme',
  'x-scheme',
  'x-original-forwarded-for',
  'x-request-id',
]);

/** $req_id: the incoming X-Request-ID when present, else $request_id (16 random bytes, hex). */
export function requestId(headers: Headers): string {
  const incoming = headers['x-request-id'];
  const value = Array.isArray(incoming) ? incoming[0] : incoming;
  return value !== undefined && value !== '' ? value : randomId();
}

/**
 * One CSPRNG call per 256 ids instead of one per request (randomBytes was ~4% of a proxied
 * request). Each id still uses 16 fresh bytes, never handed out twice.
 */
const entropy = Buffer.alloc(4096);
let entropyAt = entropy.length;

function randomId(): string {
  if (entropyAt === entropy.length) {
    randomFillSync(entropy);
    entropyAt = 0;
  }
  const at = entropyAt;
  entropyAt += 16;
  return entropy.toString('hex', at, at + 16);
}

export function upstreamHeaders(
  headers: Headers,
  client: ClientView,
  http: HttpSettings,
  id: string,
  upgrade: boolean,
): UpstreamHeaders {
  const out: UpstreamHeaders = {};
  const named = connectionTokens(headers.connection);
  // for-in, not Object.entries: no [name, value] array per header per request.
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined || name.charCodeAt(0) === 58 /* ':' */ || overwritten.has(name)) continue;
    if (named?.has(name) === true) continue;
    if (hopByHop.has(name) && !keptHopHeader(name, value, upgrade)) continue;
    out[name] = value;
  }
  if (upgrade) out.connection = 'upgrade';
  out.host = client.host;
  out['x-request-id'] = id;
  out['x-real-ip'] = client.address;
  out['x-forwarded-for'] = forwardedFor(headers, client, http);
  out['x-forwarded-host'] = client.host;
  out['x-forwarded-port'] = client.port;
  out['x-forwarded-proto'] = client.scheme;
  out['x-forwarded-scheme'] = client.scheme;
  out['x-scheme'] = client.scheme;
  const original = headers['x-forwarded-for'];
  if (original !== undefined) out['x-original-forwarded-for'] = original;
  return out;
}

/**
 * `TE: trailers` is what gRPC needs end to end (the proxy re-sends it); Upgrade survives only on
 * the upgrade path, where nginx.tmpl sets Upgrade $http_upgrade / Connection $connection_upgrade.
 */
function keptHopHeader(name: string, value: string | string[], upgrade: boolean): boolean {
  if (name === 'te') return String(value).trim().toLowerCase() === 'trailers';
  return name === 'upgrade' && upgrade;
}

/**
 * ingress-nginx: with use-forwarded-headers and compute-full-forwarded-for, the incoming list
 * plus the peer ($full_x_forwarded_for); otherwise just $remote_addr (the real IP when
 * use-forwarded-headers resolved one). An untrusted peer's list is not appended to.
 */
function forwardedFor(headers: Headers, client: ClientView, http: HttpSettings): string {
  const incoming = headers['x-forwarded-for'];
  const list = Array.isArray(incoming) ? incoming.join(', ') : incoming;
  if (client.trusted && http.computeFullForwardedFor && list !== undefined && list !== '') {
    return `${list}, ${client.peer}`;
  }
  return client.trusted && http.computeFullForwardedFor ? client.peer : client.address;
}

function connectionTokens(value: string | string[] | undefined): Set<string> | null {
  // Most requests (and every HTTP/2 one) carry no Connection field: no set to build.
  if (value === undefined) return null;
  const tokens = new Set<string>();
  for (const part of (Array.isArray(value) ? value.join(',') : (value ?? '')).split(',')) {
    const token = part.trim().toLowerCase();
    if (token !== '' && token !== 'upgrade') tokens.add(token);
  }
  return tokens;
}
