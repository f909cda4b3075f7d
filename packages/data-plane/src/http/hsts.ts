/**
 * Strict-Transport-Security on HTTPS responses. ingress-nginx's lua_ingress.header() runs as a
 * header filter on every response of the HTTPS server and assigns ngx.header[...], which
 * REPLACES whatever the upstream sent: exactly one STS header, ours. RFC 6797 §7.2: never on
 * plain HTTP, so this is only installed by the HTTPS listener.
 *
 * The proxy writes the upstream's headers itself, so the guarantee is enforced here, at the
 * last moment: writeHead (which node's implicit-header path also calls) drops any STS passed
 * in and re-sets ours, whatever setHeader/removeHeader calls happened before.
 */
import type { HttpResponse } from './types.ts';

const name = 'strict-transport-security';

type WriteHead = (
  this: HttpResponse,
  statusCode: number,
  reason?: unknown,
  headers?: unknown,
) => HttpResponse;

const enforced = Symbol('portcullis.hsts');
type Enforced = HttpResponse & { [enforced]?: string };

/**
 * Installs the header. A flat [name, value, ...] list (the proxy's) gets ours appended, so node
 * keeps its writeHead fast path (no header object); anything else is setHeader'ed as before.
 */
export function enforceHsts(res: HttpResponse, value: string): void {
  (res as Enforced)[enforced] = value;
  (res as unknown as { writeHead: WriteHead }).writeHead = patched;
}

const patched: WriteHead = function (this: Enforced, statusCode, reason, headers) {
  const value = this[enforced] as string;
  const original = Object.getPrototypeOf(this).writeHead as WriteHead;
  const list = typeof reason === 'string' ? headers : reason;
  if (Array.isArray(list)) {
    const fields = withoutSts(list);
    fields.push(name, value);
    return typeof reason === 'string'
      ? original.call(this, statusCode, reason, fields)
      : original.call(this, statusCode, fields);
  }
  this.setHeader(name, value);
  if (typeof list === 'object' && list !== null && hasSts(list)) {
    const kept = Object.fromEntries(Object.entries(list).filter(([key]) => key.toLowerCase() !== name));
    return typeof reason === 'string'
      ? original.call(this, statusCode, reason, kept)
      : original.call(this, statusCode, kept);
  }
  return original.call(this, statusCode, reason, headers);
};

/** A copy of a flat list without STS entries (the caller's list is not modified). */
function withoutSts(list: unknown[]): unknown[] {
  const kept: unknown[] = [];
  for (let i = 0; i < list.length; i += 2) {
    const key = list[i];
    if (typeof key === 'string' && key.length === name.length && key.toLowerCase() === name) continue;
    kept.push(key, list[i + 1]);
  }
  return kept;
}

function hasSts(headers: object): boolean {
  for (const key in headers) {
    if (key.length === name.length && key.toLowerCase() === name) return true;
  }
  return false;
}
