/**
 * A minimal in-test Kubernetes API server (plain HTTP on 127.0.0.1:0) for kube-source's unit
 * tests: list, watch (with resume from resourceVersion and 410 after expireHistory()), get,
 * create, replace (optimistic concurrency; /status replaces only status), merge-patch, delete,
 * and field selectors on metadata.name, metadata.namespace and Secret type. `intercept` lets a
 * test fail or observe any request. e2e/support/fake-apiserver is the full-featured one.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';

type Obj = {
  apiVersion: string;
  kind: string;
  metadata: Record<string, unknown> & { name: string };
  [k: string]: unknown;
};

const kinds = [
  ['v1', 'Secret', 'secrets', true],
  ['v1', 'Service', 'services', true],
  ['v1', 'ConfigMap', 'configmaps', true],
  ['v1', 'Event', 'events', true],
  ['networking.k8s.io/v1', 'Ingress', 'ingresses', true],
  ['networking.k8s.io/v1', 'IngressClass', 'ingressclasses', false],
  ['discovery.k8s.io/v1', 'EndpointSlice', 'endpointslices', true],
  ['coordination.k8s.io/v1', 'Lease', 'leases', true],
] as const;

export interface FakeRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly watch: boolean;
}

export interface FakeApi {
  readonly url: string;
  readonly requests: FakeRequest[];
  /** Return an HTTP status to fail the request with it; runs before the request is served. */
  intercept: ((request: FakeRequest) => number | undefined) | undefined;
  kubeConfig(): KubeConfig;
  apply(object: Obj): Obj;
  get(kind: string, namespace: string, name: string): Obj | undefined;
  list(kind: string): Obj[];
  remove(kind: string, namespace: string, name: string): void;
  expireHistory(): void;
  dropWatches(): void;
  close(): Promise<void>;
}

interface Watcher {
  readonly plural: string;
  readonly namespace: string | undefined;
  readonly match: (o: Obj) => boolean;
  readonly res: ServerResponse;
}

export async function startFakeApi(): Promise<FakeApi> {
  const store = new Map<string, Obj>();
  const history: { rev: number; plural: string; type: string; object: Obj }[] = [];
  const watchers = new Set<Watcher>();
  let revision = 1;
  let floor = 0;
  const key = (plural: string, ns: string, name: string) => `${plural}/${ns}/${name}`;
  const kindOf = (k: string) => {
    const found = kinds.find(([, kind, plural]) => kind === k || plural === k);
    if (found === undefined) throw new Error(`fake does not serve ${k}`);
    return { apiVersion: found[0], kind: found[1], plural: found[2], namespaced: found[3] };
  };
  const emit = (plural: string, type: string, object: Obj) => {
    history.push({ rev: revision, plural, type, object });
    for (const w of watchers) if (watchMatches(w, plural, object)) send(w.res, type, object);
  };
  const write = (plural: string, object: Obj, type: 'ADDED' | 'MODIFIED'): Obj => {
    revision += 1;
    const meta = object.metadata;
    const stored = { ...object, metadata: { ...meta, resourceVersion: String(revision) } };
    store.set(key(plural, String(meta.namespace ?? ''), meta.name), stored);
    emit(plural, type, stored);
    return stored;
  };
  const create = (plural: string, object: Obj): Obj => {
    const meta = object.metadata;
    const fresh = { uid: randomUUID(), creationTimestamp: new Date().toISOString().replace(/\.\d+Z$/, 'Z') };
    return write(plural, { ...object, metadata: { ...fresh, ...meta } }, 'ADDED');
  };

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    const request: FakeRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: url.searchParams,
      watch: url.searchParams.get('watch') === 'true',
    };
    api.requests.push(request);
    const forced = api.intercept?.(request);
    if (forced !== undefined) {
      fail(res, forced, `injected ${forced}`);
      return;
    }
    readBody(req)
      .then((body) => serve(request, body, res))
      .catch((error: unknown) => fail(res, 500, String(error)));
  });

  const serve = (request: FakeRequest, body: unknown, res: ServerResponse): boolean => {
    const target = parsePath(request.path);
    if (target === undefined) return fail(res, 404, `no route ${request.path}`);
    const type = kindOf(target.plural);
    const ns = type.namespaced ? (target.namespace ?? '') : '';
    const match = fieldMatcher(request.query.get('fieldSelector'));
    if (target.name === undefined && request.method === 'GET') {
      const inScope = (o: Obj) =>
        (target.namespace === undefined || o.metadata.namespace === target.namespace) && match(o);
      if (!request.watch) {
        const items = [...store.entries()]
          .filter(([k, o]) => k.startsWith(`${type.plural}/`) && inScope(o))
          .map(([, { apiVersion: _a, kind: _k, ...rest }]) => rest);
        return reply(res, 200, {
          apiVersion: type.apiVersion,
          kind: `${type.kind}List`,
          metadata: { resourceVersion: String(revision) },
          items,
        });
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.flushHeaders();
      const from = Number(request.query.get('resourceVersion') || revision);
      const watcher: Watcher = { plural: type.plural, namespace: target.namespace, match, res };
      if (from < floor) {
        send(res, 'ERROR', {
          apiVersion: 'v1',
          kind: 'Status',
          metadata: { name: '' },
          code: 410,
          reason: 'Expired',
        });
        res.end();
        return true;
      }
      for (const e of history)
        if (e.rev > from && watchMatches(watcher, e.plural, e.object)) send(res, e.type, e.object);
      watchers.add(watcher);
      res.on('close', () => watchers.delete(watcher));
      return true;
    }
    if (request.method === 'POST' && target.name === undefined) {
      const object = { ...(body as Obj), apiVersion: type.apiVersion, kind: type.kind };
      object.metadata = { ...object.metadata, namespace: ns || undefined };
      if (store.has(key(type.plural, ns, object.metadata.name))) return fail(res, 409, 'AlreadyExists');
      return reply(res, 201, create(type.plural, object));
    }
    const name = target.name ?? '';
    const current = store.get(key(type.plural, ns, name));
    if (current === undefined) return fail(res, 404, `${type.plural} "${name}" not found`);
    switch (request.method) {
      case 'GET':
        return reply(res, 200, current);
      case 'PUT': {
        const next = body as Obj;
        const rv = next.metadata?.resourceVersion;
        if (rv !== undefined && rv !== current.metadata.resourceVersion) return fail(res, 409, 'Conflict');
        const merged =
          target.sub === 'status'
            ? { ...current, status: next.status }
            : { ...next, apiVersion: type.apiVersion, kind: type.kind, status: current.status };
        merged.metadata = { ...current.metadata, ...(target.sub === 'status' ? {} : next.metadata) };
        return reply(res, 200, write(type.plural, merged as Obj, 'MODIFIED'));
      }
      case 'PATCH':
        return reply(res, 200, write(type.plural, mergePatch(current, body) as Obj, 'MODIFIED'));
      case 'DELETE':
        store.delete(key(type.plural, ns, name));
        revision += 1;
        emit(type.plural, 'DELETED', {
          ...current,
          metadata: { ...current.metadata, resourceVersion: String(revision) },
        });
        return reply(res, 200, { kind: 'Status', apiVersion: 'v1', status: 'Success' });
      default:
        return fail(res, 405, 'MethodNotAllowed');
    }
  };

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const api: FakeApi = {
    url,
    requests: [],
    intercept: undefined,
    kubeConfig() {
      const config = new KubeConfig();
      config.loadFromOptions({
        clusters: [{ name: 'fake', server: url, skipTLSVerify: true }],
        users: [{ name: 'fake', token: 'fake-token' }],
        contexts: [{ name: 'fake', cluster: 'fake', user: 'fake' }],
        currentContext: 'fake',
      });
      return config;
    },
    apply(object) {
      const type = kindOf(object.kind);
      const ns = type.namespaced ? String(object.metadata.namespace ?? 'default') : '';
      const full = { ...object, metadata: { ...object.metadata, ...(ns === '' ? {} : { namespace: ns }) } };
      const current = store.get(key(type.plural, ns, object.metadata.name));
      if (current === undefined) return create(type.plural, full);
      return write(type.plural, { ...full, metadata: { ...current.metadata, ...full.metadata } }, 'MODIFIED');
    },
    get: (kind, namespace, name) => store.get(key(kindOf(kind).plural, namespace, name)),
    list: (kind) =>
      [...store.entries()].filter(([k]) => k.startsWith(`${kindOf(kind).plural}/`)).map(([, o]) => o),
    remove(kind, namespace, name) {
      const type = kindOf(kind);
      const current = store.get(key(type.plural, namespace, name));
      if (current === undefined) return;
      store.delete(key(type.plural, namespace, name));
      revision += 1;
      emit(type.plural, 'DELETED', {
        ...current,
        metadata: { ...current.metadata, resourceVersion: String(revision) },
      });
    },
    expireHistory() {
      floor = revision + 1;
      history.length = 0;
    },
    dropWatches() {
      for (const w of watchers) w.res.destroy();
      watchers.clear();
    },
    async close() {
      api.dropWatches();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return api;
}

function watchMatches(w: Watcher, plural: string, object: Obj): boolean {
  return (
    w.plural === plural &&
    (w.namespace === undefined || object.metadata.namespace === w.namespace) &&
    w.match(object)
  );
}

function send(res: ServerResponse, type: string, object: unknown): void {
  res.write(`${JSON.stringify({ type, object })}\n`);
}

function reply(res: ServerResponse, status: number, body: unknown): boolean {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
  return true;
}

function fail(res: ServerResponse, code: number, message: string): boolean {
  return reply(res, code, { kind: 'Status', apiVersion: 'v1', status: 'Failure', message, code });
}

function parsePath(
  path: string,
): { namespace?: string; plural: string; name?: string; sub?: string } | undefined {
  const parts = path.split('/').filter(Boolean);
  const rest = parts[0] === 'api' ? parts.slice(2) : parts[0] === 'apis' ? parts.slice(3) : undefined;
  if (rest === undefined) return undefined;
  const [a, b, c, d, e] = rest;
  if (a === 'namespaces' && c !== undefined) {
    const out: { namespace?: string; plural: string; name?: string; sub?: string } = { plural: c };
    if (b !== undefined) out.namespace = b;
    if (d !== undefined) out.name = d;
    if (e !== undefined) out.sub = e;
    return out;
  }
  if (a === undefined) return undefined;
  const out: { plural: string; name?: string } = { plural: a };
  if (b !== undefined) out.name = b;
  return out;
}

function fieldMatcher(selector: string | null): (o: Obj) => boolean {
  if (selector === null || selector === '') return () => true;
  const terms = selector.split(',').map((term) => {
    const m = /^([^!=]+)(!=|==|=)(.*)$/.exec(term);
    if (m === null) throw new Error(`bad field selector ${term}`);
    const [, field = '', op, value] = m;
    const read = (o: Obj): unknown =>
      field === 'type' ? o.type : field === 'metadata.name' ? o.metadata.name : o.metadata.namespace;
    return (o: Obj) => (read(o) === value) === (op !== '!=');
  });
  return (o) => terms.every((t) => t(o));
}

/** RFC 7386. */
function mergePatch(target: unknown, patch: unknown): unknown {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) return patch;
  const out: Record<string, unknown> =
    typeof target === 'object' && target !== null && !Array.isArray(target) ? { ...(target as object) } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  if (chunks.length === 0) return undefined;
  if (req.headers['content-type']?.includes('json-patch'))
    throw new Error('json-patch not supported by the fake');
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}
