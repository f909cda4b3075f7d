/** Ingress path and host validation, normalization and match ordering. */
import type { PathType, Route } from '../table.ts';

// RFC 1123 labels; a leading `*.` makes a wildcard host (Ingress v1 allows exactly that form).
const label = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const hostPattern = new RegExp(`^(\\*\\.)?${label}(\\.${label})*$`);
// Exact/Prefix paths: no query, fragment, whitespace or control characters (nginx would reject
// them as location names; the API server rejects some of them too).
const pathPattern = /^\/[^\s?#\p{Cc}]*$/u;

export function hostProblem(host: string): string | null {
  if (host.length > 253) return 'host name is longer than 253 characters';
  if (!hostPattern.test(host))
    return 'host must be a DNS name (lowercase letters, digits, "-", "."), optionally "*." first';
  return null;
}

export function pathProblem(path: string): string | null {
  if (!path.startsWith('/')) return `path "${path}" must start with "/"`;
  if (!pathPattern.test(path)) return `path "${path}" contains whitespace, control characters, "?" or "#"`;
  return null;
}

/** ImplementationSpecific is served as Prefix; Prefix ignores a trailing slash (k8s docs). */
export function normalizePath(path: string, pathType: 'Exact' | 'Prefix' | 'ImplementationSpecific') {
  const type: PathType = pathType === 'Exact' ? 'Exact' : 'Prefix';
  if (type === 'Exact' || path === '/') return { path, pathType: type };
  const trimmed = path.replace(/\/+$/, '');
  return { path: trimmed === '' ? '/' : trimmed, pathType: type };
}

/** Longest path first; on a tie Exact before Prefix (the Ingress v1 precedence rules). */
export function compareRoutes(a: Route, b: Route): number {
  if (a.path.length !== b.path.length) return b.path.length - a.path.length;
  if (a.pathType !== b.pathType) return a.pathType === 'Exact' ? -1 : 1;
  return a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
}
