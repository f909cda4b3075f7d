/**
 * Standalone mode's source: the --manifests paths, loaded into a snapshot and watched. Changes
 * are coalesced into one rebuild at a time (a change during a rebuild schedules one more), so a
 * burst of file writes costs at most two builds.
 */

import type { Diagnostic } from '@portcullis/config-model';
import { type Snapshot, snapshotFromObjects } from '@portcullis/config-model';
import { loadManifests, watchManifests } from '@portcullis/kube-source';

export interface SourceTick {
  readonly snapshot: Snapshot;
  /** Problems reading the manifests (malformed YAML...), reported with the build's. */
  readonly diagnostics: readonly Diagnostic[];
}

/** Where objects come from: a manifests directory or the Kubernetes API. */
export interface Source {
  /** The first complete snapshot; throws with a one-line message when it cannot be had. */
  load(): Promise<SourceTick>;
  /** Calls onTick after every change; errors go to onError and keep the last table. */
  watch(onTick: (tick: SourceTick) => void, onError: (error: Error) => void): void;
  close(): void;
}

export function standaloneSource(paths: readonly string[]): Source {
  let watcher: { close(): void } | null = null;
  const load = async (): Promise<SourceTick> => {
    const loaded = await loadManifests(paths);
    return { snapshot: snapshotFromObjects(loaded.objects).snapshot, diagnostics: loaded.diagnostics };
  };
  return {
    load,
    watch(onTick, onError) {
      let running = false;
      let again = false;
      const run = async () => {
        if (running) {
          again = true;
          return;
        }
        running = true;
        try {
          do {
            again = false;
            onTick(await load());
          } while (again);
        } catch (error) {
          onError(error instanceof Error ? error : new Error(String(error)));
        } finally {
          running = false;
        }
      };
      watcher = watchManifests(paths, () => void run());
    },
    close() {
      watcher?.close();
    },
  };
}
