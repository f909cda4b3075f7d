/**
 * LIST responses: {kind: XList, apiVersion, metadata: {resourceVersion[, continue,
 * remainingItemCount]}, items}, filtered by label and field selectors and chunked by limit/continue.
 */
import { groupVersion, type ResourceType } from './resources.ts';
import { fieldMatcher, labelMatcher } from './selectors.ts';
import { badRequest } from './status.ts';
import type { KubeObject, Store } from './store.ts';

export function listBody(
  store: Store,
  type: ResourceType,
  namespace: string | undefined,
  query: URLSearchParams,
): object {
  const matchLabels = labelMatcher(query.get('labelSelector'));
  const matchFields = fieldMatcher(query.get('fieldSelector'));
  const all = store.list(type, namespace).filter((o) => matchLabels(o) && matchFields(o));
  const page = paginate(all, query, String(store.revision));
  // List items carry no kind/apiVersion on the wire (kubernetes/kubernetes#3030): strip them.
  const items = page.items.map(({ kind: _k, apiVersion: _a, ...rest }) => rest);
  return {
    kind: `${type.kind}List`,
    apiVersion: groupVersion(type),
    metadata: page.metadata,
    items,
  };
}

/** limit/continue chunking (API concepts, "Retrieving large results sets in chunks"). */
function paginate(
  all: KubeObject[],
  query: URLSearchParams,
  revision: string,
): { items: KubeObject[]; metadata: object } {
  const token = query.get('continue');
  let start = 0;
  let resourceVersion = revision;
  if (token !== null && token !== '') {
    try {
      const decoded = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as {
        rv: string;
        start: number;
      };
      start = decoded.start;
      resourceVersion = decoded.rv;
    } catch {
      throw badRequest('invalid continue token');
    }
  }
  const limit = Number(query.get('limit') ?? '0');
  if (!(limit > 0) || start + limit >= all.length)
    return { items: all.slice(start), metadata: { resourceVersion } };
  const next = Buffer.from(JSON.stringify({ rv: resourceVersion, start: start + limit })).toString(
    'base64url',
  );
  return {
    items: all.slice(start, start + limit),
    metadata: { resourceVersion, continue: next, remainingItemCount: all.length - start - limit },
  };
}
