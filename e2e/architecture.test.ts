/**
 * The dependency direction of DESIGN.md, checked mechanically: controller -> {kube-source,
 * data-plane} -> config-model; kube-source and data-plane never import each other; config-model
 * does no I/O (no sockets, HTTP, TLS, files, environment, Kubernetes client, metrics). Biome's
 * noRestrictedImports enforces the last one in the editor too; this test covers every package.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { repoRoot } from './support/paths.ts';

const allowed: Record<string, readonly string[]> = {
  'config-model': [],
  'kube-source': ['config-model'],
  'data-plane': ['config-model'],
  controller: ['config-model', 'kube-source', 'data-plane'],
};
const impureForConfigModel = [
  'node:net',
  'node:tls',
  'node:http',
  'node:https',
  'node:http2',
  'node:fs',
  'node:fs/promises',
  'node:process',
  'node:child_process',
  '@kubernetes/client-node',
  'prom-client',
  'undici',
];

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : path.endsWith('.ts') ? [path] : [];
  });
}

function imports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [
    ...text.matchAll(
      /(?:^|\n)\s*(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g,
    ),
  ].map((m) => (m[1] ?? m[2]) as string);
}

describe('package dependency direction', () => {
  for (const [pkg, deps] of Object.entries(allowed)) {
    it(`${pkg} imports only ${deps.length ? deps.join(', ') : 'no other package'}`, () => {
      const manifest = JSON.parse(readFileSync(join(repoRoot, 'packages', pkg, 'package.json'), 'utf8')) as {
        dependencies?: Record<string, string>;
      };
      const declared = Object.keys(manifest.dependencies ?? {})
        .filter((d) => d.startsWith('@portcullis/'))
        .map((d) => d.slice('@portcullis/'.length));
      assert.deepEqual(
        declared.filter((d) => !deps.includes(d)),
        [],
        `${pkg}/package.json declares a forbidden dependency`,
      );
      for (const file of sources(join(repoRoot, 'packages', pkg, 'src'))) {
        for (const spec of imports(file)) {
          if (spec.startsWith('@portcullis/')) {
            assert.ok(
              deps.includes(spec.slice('@portcullis/'.length).split('/')[0] ?? ''),
              `${file} imports ${spec}`,
            );
          }
          if (spec.startsWith('../../')) assert.fail(`${file} reaches outside its package: ${spec}`);
          if (pkg === 'config-model')
            assert.ok(!impureForConfigModel.includes(spec), `${file} imports ${spec}`);
        }
      }
    });
  }
});
