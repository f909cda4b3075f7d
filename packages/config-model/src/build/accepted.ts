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

/** More replaced Ingresses than this and the list is sorted again. */
const PATCH_LIMIT = 64;

/**
 * The build order of a list of Ingresses. Sorting 10,000 costs milliseconds on every build, so
 * the last order is kept: the same list gives the same array, and a list where a few Ingresses
 * were replaced by versions with the same sort key (an update never changes the name or the
 * creationTimestamp) gets the last order with those swapped in place, which is exactly what a
 * stable sort of the new list gives.
 */
export class IngressOrder {
  #input: readonly Ingress[] = [];
  #sorted: readonly Ingress[] = [];

  of(input: readonly Ingress[]): readonly Ingress[] {
    if (input !== this.#input) this.#sorted = this.#patch(input) ?? [...input].sort(compareIngresses);
    this.#input = input;
    return this.#sorted;
  }

  #patch(input: readonly Ingress[]): Ingress[] | undefined {
    const before = this.#input;
    if (before.length !== input.length) return undefined;
    const sorted = this.#sorted.slice();
    let replaced = 0;
    for (let i = 0; i < input.length; i++) {
      const old = before[i] as Ingress;
      const now = input[i] as Ingress;
      if (old === now) continue;
      if (++replaced > PATCH_LIMIT || compareIngresses(old, now) !== 0) return undefined;
      const at = sorted.indexOf(old);
      // An object listed twice: which copy moved is ambiguous; sort instead.
      if (at < 0 || sorted.indexOf(old, at + 1) >= 0) return undefined;
      sorted[at] = now;
    }
    return sorted;
  }
}
