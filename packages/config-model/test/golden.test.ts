/**
 * Golden files for build(): test/golden/NAME.yaml (input manifests plus one GoldenSetup
 * document: options and certificates to generate) -> test/golden/NAME.golden.json (the table,
 * rendered without secrets or random bytes, and the diagnostics).
 * Regenerate with: UPDATE_GOLDEN=1 pnpm exec node --test packages/config-model/test/golden.test.ts
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { build, type RoutingTable, snapshotFromObjects } from '../src/index.ts';
import { goldenCases, goldenDir, loadGoldenCase } from './support/golden.ts';

const update = process.env.UPDATE_GOLDEN === '1';

/** The table without private keys, PEM bodies, serials, fingerprints or the hash. */
export function render(table: RoutingTable): unknown {
  return JSON.parse(
    JSON.stringify(table, (key, value) => {
      if (key === 'hash' || key === 'revision' || key === 'serial' || key === 'fingerprint') return undefined;
      if (key === 'keyPem') return value === null ? null : '<private key>';
      if ((key === 'certPem' || key === 'caPem') && typeof value === 'string') {
        return `<${value.match(/-----BEGIN CERTIFICATE-----/g)?.length ?? 0} PEM certificate(s)>`;
      }
      return value;
    }),
  );
}

describe('build() golden files', () => {
  for (const file of goldenCases) {
    it(file.replace(/\.yaml$/, ''), async () => {
      const { objects, options } = await loadGoldenCase(file);
      const { table, diagnostics } = build(snapshotFromObjects(objects).snapshot, options);
      const actual = `${JSON.stringify({ table: render(table), diagnostics }, null, 2)}\n`;
      const goldenUrl = new URL(file.replace(/\.yaml$/, '.golden.json'), goldenDir);
      if (update) writeFileSync(goldenUrl, actual);
      assert.ok(existsSync(goldenUrl), `${goldenUrl.pathname} is missing: run with UPDATE_GOLDEN=1`);
      assert.deepEqual(JSON.parse(actual), JSON.parse(readFileSync(goldenUrl, 'utf8')));
    });
  }
});
