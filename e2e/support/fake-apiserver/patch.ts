/**
 * PATCH bodies. client-node 2.x sends `application/json-patch+json` by default (the generated
 * client picks the first JSON-like type of the operation's list), so JSON Patch (RFC 6902) must
 * work; merge patch (RFC 7386) is what callers choose via PatchStrategy. Strategic merge is
 * served as a merge patch: lists are replaced, not merged by key (good enough for status).
 */
import { badRequest, unsupportedMediaType } from './status.ts';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function isObject(value: unknown): value is Record<string, Json> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** RFC 7386 §2: null deletes, objects merge recursively, everything else replaces. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return structuredClone(patch);
  const result: Record<string, unknown> = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = mergePatch(result[key], value);
  }
  return result;
}

/** RFC 6901 §4: `~1` is `/`, `~0` is `~`, decoded in that order. */
function pointer(path: string): string[] {
  if (path === '') return [];
  if (!path.startsWith('/')) throw badRequest(`invalid JSON pointer: ${path}`);
  return path
    .slice(1)
    .split('/')
    .map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'));
}

function parentOf(doc: unknown, tokens: string[], path: string): { parent: unknown; key: string } {
  let node: unknown = doc;
  for (const token of tokens.slice(0, -1)) {
    node = Array.isArray(node) ? node[Number(token)] : isObject(node) ? node[token] : undefined;
    if (node === undefined) throw badRequest(`json patch: path ${path} does not exist`);
  }
  return { parent: node, key: tokens.at(-1) ?? '' };
}

function read(doc: unknown, path: string): unknown {
  let node: unknown = doc;
  for (const token of pointer(path)) {
    node = Array.isArray(node) ? node[Number(token)] : isObject(node) ? node[token] : undefined;
    if (node === undefined) throw badRequest(`json patch: path ${path} does not exist`);
  }
  return node;
}

function remove(doc: unknown, path: string): unknown {
  const { parent, key } = parentOf(doc, pointer(path), path);
  const value = read(doc, path);
  if (Array.isArray(parent)) parent.splice(Number(key), 1);
  else if (isObject(parent)) delete parent[key];
  return value;
}

function add(doc: unknown, path: string, value: unknown, replace: boolean): unknown {
  const tokens = pointer(path);
  if (tokens.length === 0) return structuredClone(value);
  if (replace) read(doc, path); // §4.3: the target location MUST exist
  const { parent, key } = parentOf(doc, tokens, path);
  if (Array.isArray(parent)) {
    const index = key === '-' ? parent.length : Number(key);
    if (!Number.isInteger(index) || index < 0 || index > parent.length)
      throw badRequest(`json patch: bad index ${path}`);
    parent.splice(index, replace ? 1 : 0, structuredClone(value));
  } else if (isObject(parent)) parent[key] = structuredClone(value) as Json;
  else throw badRequest(`json patch: path ${path} does not exist`);
  return doc;
}

interface Operation {
  readonly op: string;
  readonly path: string;
  readonly from?: string;
  readonly value?: unknown;
}

/** RFC 6902 §4, applied to a copy: any failing operation fails the whole patch (§5). */
export function jsonPatch(target: unknown, operations: unknown): unknown {
  if (!Array.isArray(operations)) throw badRequest('json patch: body must be an array of operations');
  let doc: unknown = structuredClone(target);
  for (const op of operations as Operation[]) {
    switch (op.op) {
      case 'add':
      case 'replace':
        doc = add(doc, op.path, op.value, op.op === 'replace');
        break;
      case 'remove':
        remove(doc, op.path);
        break;
      case 'move':
      case 'copy': {
        const from = op.from ?? '';
        const value = op.op === 'move' ? remove(doc, from) : structuredClone(read(doc, from));
        doc = add(doc, op.path, value, false);
        break;
      }
      case 'test':
        if (JSON.stringify(read(doc, op.path)) !== JSON.stringify(op.value))
          throw badRequest(`json patch: test failed at ${op.path}`);
        break;
      default:
        throw badRequest(`json patch: unknown op ${String(op.op)}`);
    }
  }
  return doc;
}

export function applyPatch(target: unknown, contentType: string, body: unknown): unknown {
  const mediaType = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  switch (mediaType) {
    case 'application/json-patch+json':
      return jsonPatch(target, body);
    case 'application/merge-patch+json':
    case 'application/strategic-merge-patch+json':
      return mergePatch(target, body);
    default:
      throw unsupportedMediaType(contentType);
  }
}
