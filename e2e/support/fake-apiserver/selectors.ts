/**
 * labelSelector and fieldSelector query parameters as kube-apiserver parses them
 * (k8s.io/apimachinery/pkg/labels and pkg/fields): equality, inequality, set-based `in`/`notin`
 * and existence for labels; `=`, `==`, `!=` on metadata.name / metadata.namespace for fields.
 */
import { badRequest } from './status.ts';
import type { KubeObject } from './store.ts';

export type Matcher = (object: KubeObject) => boolean;

const all: Matcher = () => true;

/** Splits on commas that are not inside `in (a,b)` parentheses. */
function requirements(selector: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of selector) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(current.trim());
      current = '';
    } else current += ch;
  }
  parts.push(current.trim());
  return parts.filter((p) => p !== '');
}

function labelRequirement(text: string): Matcher {
  const set = /^([^\s!=]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(text);
  if (set !== null) {
    const [, key = '', op, list = ''] = set;
    const values = new Set(list.split(',').map((v) => v.trim()));
    return (o) => {
      const v = o.metadata.labels?.[key];
      return op === 'in' ? v !== undefined && values.has(v) : v === undefined || !values.has(v);
    };
  }
  const eq = /^([^\s!=]+)\s*(==|=|!=)\s*([^\s]*)$/.exec(text);
  if (eq !== null) {
    const [, key = '', op, value] = eq;
    // `!=` also matches objects without the label (labels.Selector semantics).
    return (o) => (o.metadata.labels?.[key] === value) === (op !== '!=');
  }
  const exists = /^(!?)([^\s!=(),]+)$/.exec(text);
  if (exists !== null) {
    const [, not, key = ''] = exists;
    return (o) => (o.metadata.labels?.[key] !== undefined) === (not !== '!');
  }
  throw badRequest(`unable to parse requirement: ${text}`);
}

export function labelMatcher(selector: string | null): Matcher {
  if (selector === null || selector.trim() === '') return all;
  const matchers = requirements(selector).map(labelRequirement);
  return (o) => matchers.every((m) => m(o));
}

function fieldValue(object: KubeObject, field: string): string {
  if (field === 'metadata.name') return object.metadata.name;
  if (field === 'metadata.namespace') return object.metadata.namespace ?? '';
  // Secrets also select on `type` (kube-apiserver's secret field label; ingress-nginx and
  // portcullis use type!=helm.sh/release.v1).
  if (field === 'type') {
    const type = (object as { type?: unknown }).type;
    return typeof type === 'string' ? type : '';
  }
  throw badRequest(`field label not supported: ${field}`);
}

export function fieldMatcher(selector: string | null): Matcher {
  if (selector === null || selector.trim() === '') return all;
  const matchers = selector.split(',').map((text): Matcher => {
    const m = /^([^!=]+)(==|=|!=)(.*)$/.exec(text.trim());
    if (m === null) throw badRequest(`invalid field selector: ${text}`);
    const [, field = '', op, value] = m;
    return (o) => (fieldValue(o, field) === value) === (op !== '!=');
  });
  // Validate unsupported field labels up front, as the server does, rather than per object.
  const probe: KubeObject = { metadata: { name: '', namespace: '' } } as KubeObject;
  for (const match of matchers) match(probe);
  return (o) => matchers.every((m) => m(o));
}
