/**
 * HTTP routing of kube-apiserver's REST paths (API concepts, "Resource URIs"):
 *   /api/v1/RESOURCE, /apis/GROUP/VERSION/RESOURCE                  (all namespaces / cluster-scoped)
 *   .../namespaces/NS/RESOURCE[/NAME[/status]]                       (namespaced)
 *   .../watch/...                                                    (legacy watch prefix)
 * plus discovery and /version. Failures are metav1.Status bodies with the matching HTTP code.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { listBody } from './list.ts';
import {
  apiGroup,
  apiGroupList,
  apiResourceList,
  apiVersions,
  type ResourceType,
  typeByResource,
  versionInfo,
} from './resources.ts';
import { fieldMatcher, labelMatcher } from './selectors.ts';
import {
  ApiError,
  badRequest,
  deleted,
  methodNotAllowed,
  notFound,
  pathNotFound,
  unauthorized,
  unavailable,
  unsupportedMediaType,
} from './status.ts';
import type { Store, Subresource } from './store.ts';
import type { Watches } from './watch.ts';

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  readonly contentType: string | undefined;
  readonly watch: boolean;
  /** The response status; 200 for a watch as soon as its stream starts. */
  status: number;
}

export interface RouterContext {
  readonly store: Store;
  readonly watches: Watches;
  readonly token: string;
  readonly serverAddress: () => string;
  /** setDown(true, '503') answers everything with 503 instead of refusing connections. */
  readonly unavailable: () => boolean;
  readonly requests: RecordedRequest[];
  readonly changed: () => void;
}

interface Target {
  readonly type: ResourceType;
  readonly namespace: string | undefined;
  readonly name: string | undefined;
  readonly sub: Subresource;
  readonly legacyWatch: boolean;
}

const maxBodyBytes = 3 * 1024 * 1024; // kube-apiserver's default request body limit

function reply(res: ServerResponse, code: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(code, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function discovery(path: string, ctx: RouterContext): object | undefined {
  if (path === '/version') return versionInfo;
  if (path === '/api') return apiVersions(ctx.serverAddress());
  if (path === '/apis') return apiGroupList();
  const core = /^\/api\/(v1)$/.exec(path);
  if (core !== null) return apiResourceList('', core[1] ?? '');
  const group = /^\/apis\/([^/]+)$/.exec(path);
  if (group !== null) return apiGroup(group[1] ?? '');
  const gv = /^\/apis\/([^/]+)\/([^/]+)$/.exec(path);
  if (gv !== null) return apiResourceList(gv[1] ?? '', gv[2] ?? '');
  return undefined;
}

function parseTarget(path: string): Target | undefined {
  const m = /^\/(?:api\/(v1)|apis\/([^/]+)\/([^/]+))\/(.+)$/.exec(path);
  if (m === null) return undefined;
  const [, coreVersion, group = '', groupVersion_ = '', rest = ''] = m;
  let segments = rest.split('/').map(decodeURIComponent);
  const legacyWatch = segments[0] === 'watch';
  if (legacyWatch) segments = segments.slice(1);
  let namespace: string | undefined;
  if (segments[0] === 'namespaces' && segments.length >= 3) {
    namespace = segments[1];
    segments = segments.slice(2);
  }
  const [resource = '', name, sub, extra] = segments;
  const type = typeByResource(coreVersion === undefined ? group : '', coreVersion ?? groupVersion_, resource);
  if (type === undefined || extra !== undefined || (sub !== undefined && !(sub === 'status' && type.status)))
    return undefined;
  if (!type.namespaced && namespace !== undefined) return undefined;
  if (type.namespaced && namespace === undefined && name !== undefined) return undefined;
  return { type, namespace, name, sub: sub === 'status' ? 'status' : undefined, legacyWatch };
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBodyBytes)
      throw new ApiError({
        ...badRequest('request entity too large').status,
        code: 413,
        reason: 'RequestEntityTooLarge',
      });
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw badRequest('the request body is not valid JSON');
  }
}

function requireJson(req: IncomingMessage): void {
  const type = req.headers['content-type'] ?? 'application/json';
  if (!/^application\/json\b/i.test(type)) throw unsupportedMediaType(type);
}

async function resource(
  ctx: RouterContext,
  req: IncomingMessage,
  res: ServerResponse,
  target: Target,
  query: URLSearchParams,
): Promise<void> {
  const { store } = ctx;
  const { type, name, sub } = target;
  const namespace = target.namespace ?? '';
  const method = req.method ?? 'GET';
  if (name === undefined) {
    const watch = target.legacyWatch || query.get('watch') === 'true' || query.get('watch') === '1';
    if (method === 'GET' && watch) {
      const timeout = query.get('timeoutSeconds');
      const matchLabels = labelMatcher(query.get('labelSelector'));
      const matchFields = fieldMatcher(query.get('fieldSelector'));
      ctx.watches.serve(
        {
          type,
          namespace: target.namespace,
          matches: (o) => matchLabels(o) && matchFields(o),
          resourceVersion: query.get('resourceVersion') ?? '',
          bookmarks: query.get('allowWatchBookmarks') === 'true',
          timeoutSeconds: timeout === null ? undefined : Number(timeout),
        },
        res,
      );
      return;
    }
    if (method === 'GET') return reply(res, 200, listBody(store, type, target.namespace, query));
    if (method === 'POST' && (target.namespace !== undefined) === type.namespaced) {
      requireJson(req);
      return reply(res, 201, store.create(type, namespace, await readBody(req)));
    }
    throw methodNotAllowed(method);
  }
  switch (method) {
    case 'GET': {
      const found = store.get(type, namespace, name);
      if (found === undefined) throw notFound(type, name);
      return reply(res, 200, found);
    }
    case 'PUT':
      requireJson(req);
      return reply(res, 200, store.update(type, namespace, name, await readBody(req), sub));
    case 'PATCH':
      return reply(
        res,
        200,
        store.patch(type, namespace, name, req.headers['content-type'] ?? '', await readBody(req), sub),
      );
    case 'DELETE': {
      if (sub !== undefined) throw methodNotAllowed(method);
      const options = (await readBody(req)) as
        | { preconditions?: { resourceVersion?: string; uid?: string } }
        | undefined;
      const gone = store.delete(type, namespace, name, options?.preconditions);
      return reply(res, 200, deleted(type, name, gone.metadata.uid ?? ''));
    }
    default:
      throw methodNotAllowed(method);
  }
}

async function route(ctx: RouterContext, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  if (ctx.unavailable()) throw unavailable();
  if (req.headers.authorization !== `Bearer ${ctx.token}`) throw unauthorized();
  if (url.pathname === '/healthz' || url.pathname === '/readyz' || url.pathname === '/livez') {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('ok');
    return;
  }
  const doc = req.method === 'GET' ? discovery(url.pathname, ctx) : undefined;
  if (doc !== undefined) return reply(res, 200, doc);
  const target = parseTarget(url.pathname);
  if (target === undefined) throw pathNotFound(url.pathname);
  await resource(ctx, req, res, target, url.searchParams);
}

export async function handle(ctx: RouterContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'https://fake-apiserver');
  const entry: RecordedRequest = {
    method: req.method ?? 'GET',
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
    contentType: req.headers['content-type'],
    watch: url.searchParams.get('watch') === 'true' || url.searchParams.get('watch') === '1',
    status: 0,
  };
  ctx.requests.push(entry);
  try {
    await route(ctx, req, res, url);
  } catch (error) {
    // A bug in the fake shows up as a 500 InternalError, never as a hung request.
    const status =
      error instanceof ApiError
        ? error.status
        : { ...badRequest(String(error)).status, code: 500, reason: 'InternalError' };
    if (res.headersSent) res.destroy();
    else reply(res, status.code, status);
  }
  entry.status = res.statusCode;
  ctx.changed();
}
