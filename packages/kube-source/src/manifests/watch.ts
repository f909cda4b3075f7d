/**
 * Tells standalone mode that a manifest changed, so it can reload and rebuild. The change is a
 * signal, not data: the caller re-reads everything with loadManifests().
 *
 * Editors save by writing a temporary file and renaming it over the original, and operators
 * delete and recreate files and whole directories; a watch on the original inode goes deaf after
 * either. So every path is watched through its parent directory (which sees renames, creations
 * and deletions of the name), and a directory path additionally gets a recursive watch that is
 * re-armed whenever the directory is replaced.
 */
import { type FSWatcher, type Stats, statSync, watch } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';

export interface ManifestWatcher {
  close(): void;
}

export interface WatchOptions {
  /** Changes within this window are coalesced into one onChange (default 75 ms). */
  readonly debounceMs?: number;
}

const pollMs = 1000;

interface Target {
  readonly path: string;
  parent: FSWatcher | null;
  inner: FSWatcher | null;
  /** Inode of the directory `inner` watches; a new inode means the directory was recreated. */
  innerIno: number | null;
}

export function watchManifests(
  paths: readonly string[],
  onChange: () => void,
  options: WatchOptions = {},
): ManifestWatcher {
  const debounceMs = options.debounceMs ?? 75;
  let timer: NodeJS.Timeout | null = null;
  let closed = false;

  // A fixed window from the first event (not reset by later ones), so a steady stream of writes
  // still delivers a change within debounceMs.
  const schedule = (): void => {
    if (closed || timer !== null) return;
    timer = setTimeout(() => {
      timer = null;
      if (closed) return;
      for (const target of targets) arm(target, schedule);
      onChange();
    }, debounceMs);
  };

  const targets: Target[] = paths.map((path) => ({
    path: resolve(path),
    parent: null,
    inner: null,
    innerIno: null,
  }));
  for (const target of targets) arm(target, schedule);
  // Safety net for what no watcher can see, e.g. a parent directory that did not exist yet.
  const poll = setInterval(() => {
    if (targets.some(stale)) schedule();
  }, pollMs);
  poll.unref();

  return {
    close(): void {
      closed = true;
      clearInterval(poll);
      if (timer !== null) clearTimeout(timer);
      for (const target of targets) {
        target.parent?.close();
        target.inner?.close();
        target.parent = null;
        target.inner = null;
      }
    },
  };
}

/** (Re)creates whichever watchers of a target are missing or stale. Never throws. */
function arm(target: Target, schedule: () => void): void {
  if (target.parent === null) {
    const name = basename(target.path);
    const parent = tryWatch(dirname(target.path), false, schedule, (_event, filename) => {
      // filename can be null on some platforms; then any change in the parent counts.
      if (filename === null || filename === name) schedule();
    });
    parent?.on('close', () => {
      if (target.parent === parent) target.parent = null;
    });
    target.parent = parent;
  }
  const info = tryStat(target.path);
  const ino = info?.isDirectory() === true ? info.ino : null;
  if (ino === target.innerIno && target.inner !== null) return;
  target.inner?.close();
  target.inner = null;
  target.innerIno = null;
  if (ino === null) return; // a file (its parent watch suffices) or gone (the parent sees it return)
  const inner = tryWatch(target.path, true, schedule, () => schedule());
  inner?.on('close', () => {
    if (target.inner !== inner) return;
    target.inner = null;
    target.innerIno = null;
  });
  target.inner = inner;
  target.innerIno = inner === null ? null : ino;
}

/** True when a watcher is missing or watches a replaced directory: the safety-net poll's test. */
function stale(target: Target): boolean {
  if (target.parent === null) return tryStat(dirname(target.path)) !== null;
  const info = tryStat(target.path);
  const ino = info?.isDirectory() === true ? info.ino : null;
  return ino !== target.innerIno || (ino !== null && target.inner === null);
}

function tryWatch(
  path: string,
  recursive: boolean,
  schedule: () => void,
  listener: (event: string, filename: string | null) => void,
): FSWatcher | null {
  try {
    const watcher = watch(path, { recursive, persistent: true, encoding: 'utf8' }, listener);
    // A watched directory that is deleted emits an error on some platforms; the next flush
    // re-arms from scratch.
    watcher.on('error', () => {
      watcher.close();
      schedule();
    });
    return watcher;
  } catch {
    return null;
  }
}

function tryStat(path: string): Stats | null {
  try {
    return statSync(path);
  } catch {
    return null;
  }
}
