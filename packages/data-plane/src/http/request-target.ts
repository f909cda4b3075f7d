/**
 * The request target as nginx sees it: $request_uri (raw, forwarded and redirected unchanged),
 * the Host ($http_host, with port) and the path used for location matching ($uri).
 *
 * Decision (path matching): like nginx's ngx_http_parse_complex_uri, the match path is
 * percent-decoded once (%2F and %2E included), slashes are merged and "." / ".." segments are
 * resolved. Matching on the normalized form is the safe choice: `/public/%2e%2e/admin` must hit
 * the `/admin` route (and its denied/redirect policy), not slip through `/public` to a backend
 * that normalizes it itself. Like nginx, a malformed escape, a decoded NUL or a ".." above the
 * root is a 400. The raw URI is what the backend receives (nginx proxy_pass without a URI part).
 */
import type { IncomingHttpHeaders } from 'node:http';

export interface RequestTarget {
  /** Raw path + query exactly as received ($request_uri). */
  readonly uri: string;
  /** Decoded, normalized path for matchRoute ($uri). */
  readonly path: string;
  /** Host header value as received, port included ($http_host); '' when absent. */
  readonly httpHost: string;
  /** Lowercase host without port ($host). */
  readonly host: string;
}

/** The target, or null when nginx would answer 400 Bad Request. */
export function parseRequestTarget(url: string, headers: IncomingHttpHeaders): RequestTarget | null {
  let uri = url;
  let httpHost = headerHost(headers);
  // RFC 9112 §3.2.2: in absolute-form the target's authority replaces the Host header.
  if (!uri.startsWith('/')) {
    const absolute = absoluteForm(uri);
    if (absolute === null) return null;
    uri = absolute.uri;
    httpHost = absolute.host;
  }
  const query = uri.indexOf('?');
  const path = normalizePath(query === -1 ? uri : uri.slice(0, query));
  if (path === null) return null;
  return { uri, path, httpHost, host: hostWithoutPort(httpHost) };
}

/** HTTP/2 sends :authority (RFC 9113 §8.3.1); Host is used when it is absent. */
function headerHost(headers: IncomingHttpHeaders): string {
  const authority = headers[':authority'];
  if (typeof authority === 'string' && authority !== '') return authority;
  return headers.host ?? '';
}

function absoluteForm(target: string): { uri: string; host: string } | null {
  if (!/^https?:\/\//i.test(target)) return null;
  try {
    const url = new URL(target);
    return { uri: `${url.pathname}${url.search}`, host: url.host };
  } catch {
    return null;
  }
}

/** `example.com:8080` -> `example.com`, `[::1]:80` -> `[::1]`; lowercase, no trailing dot. */
export function hostWithoutPort(httpHost: string): string {
  let host = httpHost.trim().toLowerCase();
  if (host.startsWith('[')) {
    const end = host.indexOf(']');
    host = end === -1 ? host : host.slice(0, end + 1);
  } else {
    const colon = host.indexOf(':');
    if (colon !== -1) host = host.slice(0, colon);
  }
  return host.endsWith('.') ? host.slice(0, -1) : host;
}

/** Decode once, merge slashes, resolve dot segments; null for what nginx rejects with 400. */
export function normalizePath(rawPath: string): string | null {
  if (!rawPath.startsWith('/')) return null;
  // Nothing to decode, merge or resolve (the usual path): it is its own normal form.
  if (!/%|\/\/|\/\.|\0/.test(rawPath)) return rawPath;
  const decoded = percentDecode(rawPath);
  if (decoded === null || decoded.includes('\0')) return null;
  const segments: string[] = [];
  const parts = decoded.split('/');
  let trailingSlash = false;
  for (let i = 1; i < parts.length; i++) {
    const part = parts[i] ?? '';
    trailingSlash = part === '' || part === '.' || part === '..';
    if (part === '..') {
      if (segments.length === 0) return null;
      segments.pop();
    } else if (part !== '' && part !== '.') {
      segments.push(part);
    }
  }
  const joined = `/${segments.join('/')}`;
  return trailingSlash && segments.length > 0 ? `${joined}/` : joined;
}

function percentDecode(raw: string): string | null {
  if (!raw.includes('%')) return raw;
  const bytes: number[] = [];
  const input = Buffer.from(raw, 'utf8');
  for (let i = 0; i < input.length; i++) {
    const byte = input[i] ?? 0;
    if (byte !== 0x25) {
      bytes.push(byte);
      continue;
    }
    const hex = input.subarray(i + 1, i + 3).toString('latin1');
    if (!/^[0-9a-fA-F]{2}$/.test(hex)) return null;
    bytes.push(Number.parseInt(hex, 16));
    i += 2;
  }
  return Buffer.from(bytes).toString('utf8');
}
