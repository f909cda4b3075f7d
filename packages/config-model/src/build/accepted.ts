import type { IngressAnnotations } from '../annotations/types.ts';
import type { Ingress } from '../objects/schemas.ts';
import type { IngressRef } from '../table.ts';

/** An Ingress that passed class selection and annotation validation, in build order. */
export interface AcceptedIngress {
  readonly ingress: Ingress;
  readonly ref: IngressRef;
  readonly annotations: IngressAnnotations;
  /** Lowercase rule hosts in rule order, '' for rules without host, invalid hosts dropped. */
  readonly hosts: readonly string[];
}

/** creationTimestamp, then namespace/name: ingress-nginx's order, so the oldest Ingress wins. */
export function compareIngresses(a: Ingress, b: Ingress): number {
  const ka = sortKey(a);
  const kb = sortKey(b);
  if (ka.time !== kb.time) return ka.time - kb.time;
  return ka.name < kb.name ? -1 : ka.name > kb.name ? 1 : 0;
}

const sortKeys = new WeakMap<Ingress, { time: number; name: string }>();

/** Parsed once per (memoized, frozen) Ingress object: sorting 10,000 must not parse dates 10^5 times. */
function sortKey(ingress: Ingress): { time: number; name: string } {
  let key = sortKeys.get(ingress);
  if (key === undefined) {
    const time = Date.parse(ingress.metadata.creationTimestamp ?? '');
    key = {
      time: Number.isNaN(time) ? 0 : time,
      name: `${ingress.metadata.namespace}/${ingress.metadata.name}`,
    };
    sortKeys.set(ingress, key);
  }
  return key;
}
