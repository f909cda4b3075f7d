/**
 * Hand-written readers for the four kinds a cluster has thousands of (Ingress, Secret, Service,
 * EndpointSlice): the same output zod's schemas (schemas.ts, the schema of record) give for a
 * well-formed object, frozen as it is built, in a fraction of the time. They only ever say yes:
 * anything unusual (a wrong type, a Date, an undefined value, a resource backend, a __proto__
 * key) returns undefined and the object goes through zod, so what is rejected and how it is
 * worded stays zod's. objects.fast.test.ts holds the two to each other.
 */
import type { EndpointSlice, Ingress, Secret, Service } from './schemas.ts';

type Raw = Readonly<Record<string, unknown>>;
type Out = Record<string, unknown>;

/** Thrown (and caught below) when an object leaves the well-formed path. */
const unsure = new Error('not on the fast path');

export const fastReaders: Readonly<Record<string, (raw: unknown) => unknown>> = {
  Ingress: (raw) => attempt(raw, ingress),
  Secret: (raw) => attempt(raw, secret),
  Service: (raw) => attempt(raw, service),
  EndpointSlice: (raw) => attempt(raw, endpointSlice),
};

function attempt<T>(raw: unknown, read: (o: Raw) => T): T | undefined {
  try {
    return read(object(raw));
  } catch (error) {
    if (error === unsure) return undefined;
    throw error;
  }
}

function ingress(o: Raw): Ingress {
  const out: Out = { ...kind(o, 'networking.k8s.io/v1', 'Ingress'), metadata: metadata(o.metadata) };
  out.spec = o.spec === undefined ? Object.freeze({}) : ingressSpec(object(o.spec));
  return Object.freeze(out) as Ingress;
}

function ingressSpec(s: Raw): unknown {
  const out: Out = {};
  optional(out, s, 'ingressClassName', string);
  optional(out, s, 'defaultBackend', backend);
  optional(out, s, 'tls', (v) =>
    list(v, (t) => {
      const entry = object(t);
      const item: Out = {};
      optional(item, entry, 'hosts', (h) => list(h, string));
      optional(item, entry, 'secretName', string);
      return Object.freeze(item);
    }),
  );
  optional(out, s, 'rules', (v) => list(v, rule));
  return Object.freeze(out);
}

function rule(v: unknown): unknown {
  const r = object(v);
  const out: Out = {};
  optional(out, r, 'host', string);
  optional(out, r, 'http', (h) => Object.freeze({ paths: list(object(h).paths, httpPath) }));
  return Object.freeze(out);
}

function httpPath(v: unknown): unknown {
  const p = object(v);
  const out: Out = {};
  optional(out, p, 'path', string);
  const pathType = p.pathType;
  if (pathType !== 'Exact' && pathType !== 'Prefix' && pathType !== 'ImplementationSpecific') throw unsure;
  out.pathType = pathType;
  out.backend = backend(p.backend);
  return Object.freeze(out);
}

function backend(v: unknown): unknown {
  const b = object(v);
  if (b.resource !== undefined || Object.hasOwn(b, 'resource')) throw unsure;
  const out: Out = {};
  optional(out, b, 'service', (s) => {
    const service = object(s);
    const port = object(service.port);
    const portOut: Out = {};
    optional(portOut, port, 'number', portNumber);
    optional(portOut, port, 'name', nonEmpty);
    return Object.freeze({ name: nonEmpty(service.name), port: Object.freeze(portOut) });
  });
  return Object.freeze(out);
}

function secret(o: Raw): Secret {
  const out: Out = { ...kind(o, 'v1', 'Secret'), metadata: metadata(o.metadata) };
  optional(out, o, 'type', string);
  optional(out, o, 'data', stringMap);
  optional(out, o, 'stringData', stringMap);
  return Object.freeze(out) as Secret;
}

function service(o: Raw): Service {
  const out: Out = { ...kind(o, 'v1', 'Service'), metadata: metadata(o.metadata) };
  if (o.spec === undefined) out.spec = Object.freeze({});
  else {
    const s = object(o.spec);
    const spec: Out = {};
    optional(spec, s, 'type', string);
    optional(spec, s, 'clusterIP', string);
    optional(spec, s, 'externalName', string);
    optional(spec, s, 'ports', (v) => list(v, servicePort));
    out.spec = Object.freeze(spec);
  }
  return Object.freeze(out) as Service;
}

function servicePort(v: unknown): unknown {
  const p = object(v);
  const out: Out = {};
  optional(out, p, 'name', string);
  out.port = portNumber(p.port);
  optional(out, p, 'targetPort', (t) => (typeof t === 'number' ? portNumber(t) : nonEmpty(t)));
  optional(out, p, 'protocol', string);
  return Object.freeze(out);
}

function endpointSlice(o: Raw): EndpointSlice {
  const out: Out = { ...kind(o, 'discovery.k8s.io/v1', 'EndpointSlice'), metadata: metadata(o.metadata) };
  out.addressType = string(o.addressType);
  optional(out, o, 'endpoints', (v) =>
    v === null
      ? null
      : list(v, (e) => {
          const endpoint = object(e);
          const item: Out = { addresses: list(endpoint.addresses, string) };
          optional(item, endpoint, 'conditions', (c) => {
            const conditions: Out = {};
            optional(conditions, object(c), 'ready', (r) => (r === null ? null : boolean(r)));
            return Object.freeze(conditions);
          });
          return Object.freeze(item);
        }),
  );
  optional(out, o, 'ports', (v) =>
    v === null
      ? null
      : list(v, (p) => {
          const port = object(p);
          const item: Out = {};
          optional(item, port, 'name', (n) => (n === null ? null : string(n)));
          optional(item, port, 'port', (n) => (n === null ? null : integer(n)));
          optional(item, port, 'protocol', (n) => (n === null ? null : string(n)));
          return Object.freeze(item);
        }),
  );
  return Object.freeze(out) as EndpointSlice;
}

function kind(o: Raw, apiVersion: string, kind: string): Out {
  if (o.apiVersion !== apiVersion || o.kind !== kind) throw unsure;
  return { apiVersion, kind };
}

/** metadataSchema: name, namespace (default "default"), uid, resourceVersion, ... in its order. */
function metadata(v: unknown): unknown {
  const m = object(v);
  const out: Out = {
    name: nonEmpty(m.name),
    namespace: m.namespace === undefined ? 'default' : nonEmpty(m.namespace),
  };
  optional(out, m, 'uid', string);
  optional(out, m, 'resourceVersion', string);
  optional(out, m, 'generation', number);
  optional(out, m, 'creationTimestamp', string);
  optional(out, m, 'labels', stringMap);
  optional(out, m, 'annotations', stringMap);
  return Object.freeze(out);
}

/** Sets out[key] from src[key] when present; zod keeps a key given as undefined, so: unsure. */
function optional(out: Out, src: Raw, key: string, read: (v: unknown) => unknown): void {
  const value = src[key];
  if (value !== undefined) out[key] = read(value);
  else if (Object.hasOwn(src, key)) throw unsure;
}

/** Plain objects only (zod takes some others; they go through zod). */
function object(v: unknown): Raw {
  if (typeof v !== 'object' || v === null || Object.getPrototypeOf(v) !== Object.prototype) throw unsure;
  return v as Raw;
}

/**
 * Allocated at its final length: an array grown by push() keeps room for 17 items, and the
 * table holds tens of thousands of one-item lists (ports, paths, hosts, endpoints).
 */
function list<T>(v: unknown, read: (item: unknown) => T): readonly T[] {
  if (!Array.isArray(v)) throw unsure;
  const n = v.length;
  const out = new Array<T>(n);
  for (let i = 0; i < n; i++) out[i] = read(v[i]);
  return Object.freeze(out);
}

function stringMap(v: unknown): unknown {
  const map = object(v);
  if (Object.hasOwn(map, '__proto__')) throw unsure; // zod drops it
  const out: Out = {};
  for (const key of Object.keys(map)) out[key] = string(map[key]);
  return Object.freeze(out);
}

function string(v: unknown): string {
  if (typeof v !== 'string') throw unsure;
  return v;
}

function nonEmpty(v: unknown): string {
  if (typeof v !== 'string' || v === '') throw unsure;
  return v;
}

function boolean(v: unknown): boolean {
  if (typeof v !== 'boolean') throw unsure;
  return v;
}

function number(v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw unsure;
  return v;
}

function integer(v: unknown): number {
  if (!Number.isSafeInteger(v)) throw unsure;
  return v as number;
}

function portNumber(v: unknown): number {
  const n = integer(v);
  if (n < 1 || n > 65535) throw unsure;
  return n;
}
