/**
 * Memoized Secret inspection. build() runs on every tick with every Secret, so parsed
 * certificates are kept between builds, keyed by Secret uid + resourceVersion (any change to a
 * Secret bumps its resourceVersion), or by content when either is missing (standalone
 * manifests). Only clock-free results are stored: expiry warnings are recomputed per build.
 */
import type { Diagnostic } from '../diagnostics.ts';
import type { Certificate } from '../table.ts';

export interface CachedInspection {
  readonly certificate: Certificate | null;
  /** Everything but the validity-date warnings, which depend on `now`. */
  readonly diagnostics: readonly Diagnostic[];
}

export interface CertificateCache {
  readonly size: number;
  get(key: string): CachedInspection | undefined;
  /** Whether key is cached, without counting as a use (see sweep). */
  has(key: string): boolean;
  set(key: string, value: CachedInspection): void;
  /**
   * Drops the entries not read or written since the previous sweep (Secrets that are gone or
   * changed) and returns how many. Call it once per build, after every lookup.
   */
  sweep(): number;
}

interface Slot {
  readonly value: CachedInspection;
  generation: number;
}

export function createCertificateCache(): CertificateCache {
  const slots = new Map<string, Slot>();
  let generation = 0;
  return {
    get size() {
      return slots.size;
    },
    get(key) {
      const slot = slots.get(key);
      if (slot === undefined) return undefined;
      slot.generation = generation;
      return slot.value;
    },
    has(key) {
      return slots.has(key);
    },
    set(key, value) {
      slots.set(key, { value, generation });
    },
    sweep() {
      let dropped = 0;
      for (const [key, slot] of slots) {
        if (slot.generation < generation) {
          slots.delete(key);
          dropped++;
        }
      }
      generation++;
      return dropped;
    },
  };
}
