/**
 * Watch events are signals, not data: a burst of them (a Deployment rollout rewriting
 * EndpointSlices, a relist replaying every object) becomes one tick. The window is fixed from the
 * first signal and not extended by later ones, so a steady stream still ticks every `windowMs`.
 */

export interface Coalescer {
  signal(): void;
  cancel(): void;
}

export function createCoalescer(windowMs: number, fire: () => void): Coalescer {
  let timer: NodeJS.Timeout | null = null;
  return {
    signal() {
      if (timer !== null) return;
      timer = setTimeout(() => {
        timer = null;
        fire();
      }, windowMs);
    },
    cancel() {
      if (timer !== null) clearTimeout(timer);
      timer = null;
    },
  };
}
