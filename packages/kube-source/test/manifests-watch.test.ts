import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type ManifestWatcher, watchManifests } from '../src/index.ts';

let root: string;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'portcullis-watch-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Counts onChange calls; `next()` resolves on the next one or rejects after a second. */
function recorder() {
  let count = 0;
  let waiter: (() => void) | null = null;
  return {
    onChange: () => {
      count++;
      waiter?.();
    },
    get count() {
      return count;
    },
    next(what: string): Promise<number> {
      const started = performance.now();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no change reported within 1 s after ${what}`)),
          1000,
        );
        waiter = () => {
          clearTimeout(timer);
          waiter = null;
          resolve(performance.now() - started);
        };
      });
    },
  };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 150));

describe('watchManifests', () => {
  let watcher: ManifestWatcher | undefined;
  after(() => watcher?.close());

  it('reports edits, new files, nested directories and deletions in a watched directory', async () => {
    const dir = await mkdtemp(join(root, 'dir-'));
    await writeFile(join(dir, 'a.yaml'), 'a: 1\n');
    const seen = recorder();
    watcher = watchManifests([dir], seen.onChange);
    await settle();

    let change = seen.next('an edit');
    await writeFile(join(dir, 'a.yaml'), 'a: 2\n');
    await change;

    change = seen.next('a new file in a new subdirectory');
    await mkdir(join(dir, 'sub'));
    await writeFile(join(dir, 'sub', 'b.yaml'), 'b: 1\n');
    await change;
    await settle();

    change = seen.next('an edit in the new subdirectory');
    await writeFile(join(dir, 'sub', 'b.yaml'), 'b: 2\n');
    await change;

    change = seen.next('a deletion');
    await rm(join(dir, 'a.yaml'));
    await change;
    watcher.close();
  });

  it('coalesces a burst of writes into one change', async () => {
    const dir = await mkdtemp(join(root, 'burst-'));
    const seen = recorder();
    watcher = watchManifests([dir], seen.onChange, { debounceMs: 75 });
    await settle();
    const change = seen.next('a burst');
    for (let i = 0; i < 10; i++) await writeFile(join(dir, `f${i}.yaml`), `n: ${i}\n`);
    await change;
    await settle();
    assert.equal(seen.count, 1);
    watcher.close();
  });

  it('survives rename-on-save and delete-then-recreate of a watched file', async () => {
    const dir = await mkdtemp(join(root, 'file-'));
    const file = join(dir, 'ingress.yaml');
    await writeFile(file, 'v: 1\n');
    await writeFile(join(dir, 'other.yaml'), 'x: 1\n');
    const seen = recorder();
    watcher = watchManifests([file], seen.onChange);
    await settle();

    // vim/VS Code style: write a temporary file, then rename it over the original.
    let change = seen.next('rename-on-save');
    await writeFile(join(dir, '.ingress.yaml.swp'), 'v: 2\n');
    await rename(join(dir, '.ingress.yaml.swp'), file);
    await change;
    await settle();

    change = seen.next('an in-place edit after the rename');
    await writeFile(file, 'v: 3\n');
    await change;
    await settle();

    change = seen.next('deletion');
    await rm(file);
    await change;
    await settle();

    change = seen.next('recreation');
    await writeFile(file, 'v: 4\n');
    await change;
    await settle();

    const before = seen.count;
    await writeFile(join(dir, 'other.yaml'), 'x: 2\n');
    await settle();
    assert.equal(seen.count, before, 'a sibling file that is not watched must not trigger a change');
    watcher.close();
  });

  it('re-arms after a watched directory is deleted and recreated', async () => {
    const parent = await mkdtemp(join(root, 'recreate-'));
    const dir = join(parent, 'manifests');
    await mkdir(dir);
    const seen = recorder();
    watcher = watchManifests([dir], seen.onChange);
    await settle();

    let change = seen.next('deleting the directory');
    await rm(dir, { recursive: true });
    await change;
    await settle();

    change = seen.next('recreating the directory');
    await mkdir(dir);
    await change;
    await settle();

    change = seen.next('a write into the recreated directory');
    await writeFile(join(dir, 'a.yaml'), 'a: 1\n');
    await change;
    watcher.close();
  });

  it('stops reporting after close()', async () => {
    const dir = await mkdtemp(join(root, 'closed-'));
    const seen = recorder();
    watcher = watchManifests([dir], seen.onChange);
    await settle();
    watcher.close();
    await writeFile(join(dir, 'a.yaml'), 'a: 1\n');
    await settle();
    assert.equal(seen.count, 0);
  });
});
