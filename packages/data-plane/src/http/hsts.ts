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

type WriteHead = (this: HttpResponse, statusCode: number, ...rest: unknown[]) => HttpResponse;

export function enforceHsts(res: HttpResponse, value: string): void {
  res.setHeader(name, value);
  const original = res.writeHead as unknown as WriteHead;
  const patched: WriteHead = function (this: HttpResponse, statusCode, ...rest) {
    for (let i = 0; i < rest.length; i++) rest[i] = withoutSts(rest[i]);
    this.setHeader(name, value);
    return original.call(this, statusCode, ...rest);
  };
  (res as unknown as { writeHead: WriteHead }).writeHead = patched;
}

/** writeHead(status, [message], [headers]) where headers is an object or a flat [k, v, ...] list. */
function withoutSts(arg: unknown): unknown {
  if (Array.isArray(arg)) {
    const kept: unknown[] = [];
    for (let i = 0; i < arg.length; i += 2) {
      if (String(arg[i]).toLowerCase() !== name) kept.push(arg[i], arg[i + 1]);
    }
    return kept;
  }
  if (typeof arg === 'object' && arg !== null) {
    // Nearly every response carries no STS of its own: then pass the same object, no copy.
    if (!hasSts(arg)) return arg;
    return Object.fromEntries(Object.entries(arg).filter(([key]) => key.toLowerCase() !== name));
  }
  return arg;
}

function hasSts(headers: object): boolean {
  for (const key in headers) {
    if (key.length === name.length && key.toLowerCase() === name) return true;
  }
  return false;
}
