/**
 * The fake's etcd: objects keyed by resource/namespace/name, one global revision that every write
 * bumps (resourceVersion is an etcd revision, so it is shared by all kinds), and a bounded event
 * history that watches resume from. Write semantics follow kube-apiserver's generic registry:
 * optimistic concurrency on metadata.resourceVersion, no-op writes do not bump the revision,
 * generation counts spec changes, and the /status subresource splits status from the rest.
 */
import { randomUUID } from 'node:crypto';
import { applyPatch } from './patch.ts';
import { groupVersion, type ResourceType } from './resources.ts';
import { alreadyExists, badRequest, conflict, invalid, notFound } from './status.ts';

export interface ObjectMeta {
  name: string;
  namespace?: string;
  generateName?: string;
  resourceVersion?: string;
  uid?: string;
  creationTimestamp?: string;
  generation?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  [field: string]: unknown;
}

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  [field: string]: unknown;
}

export interface StoredEvent {
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED';
  readonly resource: ResourceType;
  readonly revision: number;
  readonly object: KubeObject;
  /** MODIFIED only: the object before the write, so selector watches can turn it into ADDED/DELETED. */
  readonly previous?: KubeObject;
}

export type Subresource = 'status' | undefined;

const nameAlphabet = 'bcdfghjklmnpqrstvwxz2456789';

function key(type: ResourceType, namespace: string, name: string): string {
  return `${groupVersion(type)}/${type.resource}/${namespace}/${name}`;
}

/** RFC 3339 at second precision, as metav1.Time marshals. */
function now(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Everything except metadata and status: what metadata.generation counts changes of. */
function specPart(object: KubeObject): string {
  const { metadata: _m, status: _s, ...rest } = object;
  return JSON.stringify(rest);
}

function sameContent(a: KubeObject, b: KubeObject): boolean {
  const strip = (o: KubeObject) =>
    JSON.stringify({ ...o, metadata: { ...o.metadata, resourceVersion: undefined } });
  return strip(a) === strip(b);
}

export class Store {
  revision = 1;
  /** Revisions up to and including this one can no longer be watched from. */
  compacted = 0;
  readonly history: StoredEvent[] = [];
  readonly listeners = new Set<(event: StoredEvent) => void>();
  readonly maxHistory: number;
  readonly #objects = new Map<string, KubeObject>();

  constructor(maxHistory: number) {
    this.maxHistory = maxHistory;
  }

  /** Sorted by namespace then name: etcd's key order, which LIST preserves. */
  list(type: ResourceType, namespace: string | undefined): KubeObject[] {
    return [...this.#objects.values()]
      .filter((o) => o.kind === type.kind && o.apiVersion === groupVersion(type))
      .filter((o) => namespace === undefined || (o.metadata.namespace ?? '') === namespace)
      .sort((a, b) =>
        key(type, a.metadata.namespace ?? '', a.metadata.name).localeCompare(
          key(type, b.metadata.namespace ?? '', b.metadata.name),
        ),
      )
      .map((o) => structuredClone(o));
  }

  get(type: ResourceType, namespace: string, name: string): KubeObject | undefined {
    const found = this.#objects.get(key(type, namespace, name));
    return found === undefined ? undefined : structuredClone(found);
  }

  #require(type: ResourceType, namespace: string, name: string): KubeObject {
    const found = this.get(type, namespace, name);
    if (found === undefined) throw notFound(type, name);
    return found;
  }

  #normalize(type: ResourceType, namespace: string, body: unknown): KubeObject {
    if (typeof body !== 'object' || body === null || Array.isArray(body))
      throw badRequest('body must be a JSON object');
    const object = structuredClone(body) as KubeObject;
    object.metadata = { ...(object.metadata ?? {}) } as ObjectMeta;
    const bodyNamespace = object.metadata.namespace;
    if (type.namespaced && bodyNamespace !== undefined && bodyNamespace !== '' && bodyNamespace !== namespace)
      throw badRequest(
        'the namespace of the provided object does not match the namespace sent on the request',
      );
    if (type.namespaced) object.metadata.namespace = namespace;
    else delete object.metadata.namespace;
    return { apiVersion: groupVersion(type), kind: type.kind, ...object, metadata: object.metadata };
  }

  #commit(type: ResourceType, eventType: StoredEvent['type'], object: KubeObject): KubeObject {
    this.revision++;
    object.metadata.resourceVersion = String(this.revision);
    const k = key(type, object.metadata.namespace ?? '', object.metadata.name);
    const previous = this.#objects.get(k);
    if (eventType === 'DELETED') this.#objects.delete(k);
    else this.#objects.set(k, object);
    const event = {
      type: eventType,
      resource: type,
      revision: this.revision,
      object: structuredClone(object),
    };
    this.#record(eventType === 'MODIFIED' && previous !== undefined ? { ...event, previous } : event);
    return structuredClone(object);
  }

  #record(event: StoredEvent): void {
    this.history.push(event);
    while (this.history.length > this.maxHistory)
      this.compacted = this.history.shift()?.revision ?? this.compacted;
    for (const listener of this.listeners) listener(event);
  }

  create(type: ResourceType, namespace: string, body: unknown, fromTest = false): KubeObject {
    const object = this.#normalize(type, namespace, body);
    const meta = object.metadata;
    if ((meta.name ?? '') === '' && meta.generateName !== undefined) {
      meta.name =
        meta.generateName +
        Array.from({ length: 5 }, () => nameAlphabet[Math.floor(Math.random() * nameAlphabet.length)]).join(
          '',
        );
    }
    if (typeof meta.name !== 'string' || meta.name === '')
      throw invalid(type, '', 'metadata.name: Required value: name or generateName is required');
    if (this.#objects.has(key(type, meta.namespace ?? '', meta.name))) throw alreadyExists(type, meta.name);
    // kube-apiserver's PrepareForCreate drops status for types with a status subresource.
    if (type.status && !fromTest) delete object.status;
    Object.assign(meta, { uid: randomUUID(), creationTimestamp: now(), generation: 1 });
    return this.#commit(type, 'ADDED', object);
  }

  /** PUT (and the result of PATCH): the resourceVersion in the body, if any, is a precondition. */
  update(
    type: ResourceType,
    namespace: string,
    name: string,
    body: unknown,
    sub: Subresource,
    fromTest = false,
  ): KubeObject {
    const old = this.#require(type, namespace, name);
    const incoming = this.#normalize(type, namespace, body);
    if (incoming.metadata.name !== name)
      throw badRequest('the name of the object does not match the name on the URL');
    const precondition = incoming.metadata.resourceVersion;
    if (precondition !== undefined && precondition !== '' && precondition !== old.metadata.resourceVersion)
      throw conflict(type, name);
    let next: KubeObject;
    if (sub === 'status') next = { ...old, status: incoming.status };
    else if (type.status && !fromTest) next = { ...incoming, status: old.status };
    else next = incoming;
    if (next.status === undefined) delete next.status;
    next.metadata = {
      ...next.metadata,
      uid: old.metadata.uid,
      creationTimestamp: old.metadata.creationTimestamp,
    } as ObjectMeta;
    next.metadata.generation = (old.metadata.generation ?? 1) + (specPart(next) === specPart(old) ? 0 : 1);
    next.metadata.resourceVersion = old.metadata.resourceVersion ?? '';
    if (sameContent(next, old)) return old; // no-op write: same revision, no watch event
    return this.#commit(type, 'MODIFIED', next);
  }

  patch(
    type: ResourceType,
    namespace: string,
    name: string,
    contentType: string,
    body: unknown,
    sub: Subresource,
  ): KubeObject {
    const old = this.#require(type, namespace, name);
    const patched = applyPatch(old, contentType, body) as KubeObject;
    return this.update(type, namespace, name, patched, sub);
  }

  delete(
    type: ResourceType,
    namespace: string,
    name: string,
    precondition?: { resourceVersion?: string; uid?: string },
  ): KubeObject {
    const old = this.#require(type, namespace, name);
    if (
      precondition?.resourceVersion !== undefined &&
      precondition.resourceVersion !== old.metadata.resourceVersion
    )
      throw conflict(type, name);
    if (precondition?.uid !== undefined && precondition.uid !== old.metadata.uid) throw conflict(type, name);
    // The DELETED event carries the object at the deletion's revision, as the etcd3 watcher sends it.
    return this.#commit(type, 'DELETED', old);
  }

  /** Test control: create or replace without preconditions; status is taken as given. */
  apply(type: ResourceType, body: KubeObject): KubeObject {
    const namespace = type.namespaced ? (body.metadata.namespace ?? 'default') : '';
    const existing = this.get(type, namespace, body.metadata.name);
    const unconditional = structuredClone(body);
    delete unconditional.metadata.resourceVersion;
    return existing === undefined
      ? this.create(type, namespace, unconditional, true)
      : this.update(type, namespace, body.metadata.name, unconditional, undefined, true);
  }

  /** Simulates etcd compaction: every revision handed out so far becomes too old to watch from. */
  expire(): void {
    this.revision++;
    this.compacted = this.revision;
    this.history.length = 0;
  }

  /** Events after `from`, or 'expired' when some of them were compacted away (HTTP 410 Gone). */
  since(from: number): StoredEvent[] | 'expired' {
    if (from < this.compacted) return 'expired';
    return this.history.filter((e) => e.revision > from);
  }
}
