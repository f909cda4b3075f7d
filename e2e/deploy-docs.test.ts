/**
 * docs/migration.md stays true to the code: it names every annotation and ConfigMap key that
 * config-model reads, its audit command lists exactly the supported annotations (so it prints
 * precisely the ignored ones), and every flag it tells operators to copy exists in --help.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { supportedAnnotations, supportedConfigMapKeys } from '@portcullis/config-model';
import { helpFlags } from './support/deploy-checks.ts';
import { repoRoot } from './support/paths.ts';

const migration = readFileSync(join(repoRoot, 'docs', 'migration.md'), 'utf8');

function section(title: string): string {
  const start = migration.indexOf(`## ${title}`);
  assert.ok(start >= 0, `section "${title}"`);
  const end = migration.indexOf('\n## ', start + 1);
  return migration.slice(start, end < 0 ? undefined : end);
}

describe('docs/migration.md', () => {
  it('names every annotation and ConfigMap key portcullis reads', () => {
    const carried = section('What carries over');
    for (const name of supportedAnnotations) assert.ok(carried.includes(`\`${name}\``), `annotation ${name}`);
    for (const key of supportedConfigMapKeys)
      assert.ok(carried.includes(`\`${key}\``), `ConfigMap key ${key}`);
  });

  it('the audit command prints exactly the annotations portcullis does not read', () => {
    const list = /select\(IN\(([^)]*)\)/.exec(migration)?.[1] ?? '';
    const names = [...list.matchAll(/"([a-z0-9-]+)"/g)].map((m) => m[1]);
    assert.deepEqual(names.sort(), [...supportedAnnotations].sort());
  });

  it('every flag it lists is one the binary accepts, and unknown flags are said to be refused', () => {
    const known = helpFlags();
    const listed = [...section('What carries over').matchAll(/`--([a-z-]+)`/g)].map((m) => m[1] as string);
    assert.ok(listed.length >= 10);
    for (const flag of listed) assert.ok(known.has(flag), `--${flag} is in portcullis --help`);
    assert.match(section('What does not, and what happens to it'), /exits 2 with `unknown flag`/);
  });
});
