import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadManifests } from '../src/index.ts';

let root: string;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'portcullis-load-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

async function fixture(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(root, 'case-'));
  for (const [name, text] of Object.entries(files)) {
    await mkdir(join(dir, name, '..'), { recursive: true });
    await writeFile(join(dir, name), text);
  }
  return dir;
}

function names(objects: unknown[]): string[] {
  return objects.map((o) => {
    const { kind, metadata } = o as { kind: string; metadata: { namespace?: string; name: string } };
    return `${kind} ${metadata.namespace ?? '-'}/${metadata.name}`;
  });
}

describe('loadManifests', () => {
  it('reads every document of a YAML stream and skips empty ones', async () => {
    const dir = await fixture({
      'app.yaml': [
        '# leading comment',
        '---',
        'apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: shop}',
        '---',
        '---',
        '# only a comment',
        '---',
        'apiVersion: v1\nkind: Secret\nmetadata:\n  name: tls\n  namespace: shop',
        '',
      ].join('\n'),
    });
    const result = await loadManifests([dir]);
    assert.deepEqual(names(result.objects), ['Service shop/web', 'Secret shop/tls']);
    assert.deepEqual(result.diagnostics, []);
    assert.deepEqual(result.files, [join(dir, 'app.yaml')]);
  });

  it('reads JSON files holding one object or a List, and flattens YAML Lists', async () => {
    const list = {
      apiVersion: 'v1',
      kind: 'List',
      items: [
        { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', namespace: 'x' } },
        { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'b', namespace: 'x' } },
      ],
    };
    const dir = await fixture({
      'a.json': JSON.stringify({
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 's', namespace: 'x' },
      }),
      'b.json': JSON.stringify(list),
      'c.yml':
        'apiVersion: v1\nkind: SecretList\nitems:\n- {apiVersion: v1, kind: Secret, metadata: {name: c}}\n',
    });
    const result = await loadManifests([dir]);
    assert.deepEqual(names(result.objects), [
      'Service x/s',
      'ConfigMap x/a',
      'ConfigMap x/b',
      'Secret default/c',
    ]);
  });

  it('puts namespaced objects without a namespace into "default", not cluster-scoped ones', async () => {
    const dir = await fixture({
      'x.yaml': [
        'apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: web}',
        'apiVersion: networking.k8s.io/v1\nkind: IngressClass\nmetadata: {name: nginx}',
        'apiVersion: v1\nkind: Service\nmetadata: {name: svc, namespace: ""}',
      ].join('\n---\n'),
    });
    const result = await loadManifests([dir]);
    assert.deepEqual(names(result.objects), [
      'Ingress default/web',
      'IngressClass -/nginx',
      'Service default/svc',
    ]);
  });

  it('isolates a malformed document: names file, document and line; the rest still loads', async () => {
    const dir = await fixture({
      'a.yaml': [
        'apiVersion: v1\nkind: Service\nmetadata: {name: one}',
        'apiVersion: v1\nkind: Service\nmetadata:\n  name: two\n    bad: indentation',
        'apiVersion: v1\nkind: Service\nmetadata: {name: three}',
      ].join('\n---\n'),
      'b.json': '{\n  "kind": "Service",\n  "metadata": {"name": "x"},\n}\n',
      'c.yaml': 'apiVersion: v1\nkind: Service\nmetadata: {name: four}\n',
      'd.yaml': 'just a string\n',
    });
    const result = await loadManifests([dir]);
    assert.deepEqual(names(result.objects), [
      'Service default/one',
      'Service default/three',
      'Service default/four',
    ]);
    assert.equal(result.diagnostics.length, 3);
    const [yaml, json, scalar] = result.diagnostics;
    assert.equal(yaml?.code, 'ManifestInvalid');
    assert.equal(yaml?.severity, 'error');
    assert.match(yaml?.message ?? '', new RegExp(`^${join(dir, 'a.yaml')}: document 2 \\(line 8\\): \\S`));
    assert.doesNotMatch(yaml?.message ?? '', /\n/);
    assert.match(json?.message ?? '', new RegExp(`^${join(dir, 'b.json')}: document 1 \\(line 4\\): .*JSON`));
    assert.match(scalar?.message ?? '', /d\.yaml: document 1 \(line 1\): document is not a mapping/);
  });

  it('reports duplicate keys (kubectl rejects them too) instead of silently keeping one', async () => {
    const dir = await fixture({
      'a.yaml': 'apiVersion: v1\nkind: Service\nkind: Secret\nmetadata: {name: x}\n',
    });
    const result = await loadManifests([dir]);
    assert.deepEqual(result.objects, []);
    assert.match(result.diagnostics[0]?.message ?? '', /document 1 \(line 3\): Map keys must be unique/);
  });

  it('walks directories recursively in sorted order, skipping dotfiles and other extensions', async () => {
    const svc = (name: string) => `apiVersion: v1\nkind: Service\nmetadata: {name: ${name}}\n`;
    const dir = await fixture({
      'b.yaml': svc('b'),
      'a/z.yml': svc('az'),
      'a/nested/m.yaml': svc('anm'),
      'c.YAML': svc('c-upper'),
      '.hidden.yaml': svc('hidden'),
      '.git/config.yaml': svc('git'),
      'README.md': '# not a manifest',
      'chart.tpl': svc('tpl'),
    });
    const result = await loadManifests([dir]);
    assert.deepEqual(
      result.files.map((f) => f.slice(dir.length + 1)),
      ['a/nested/m.yaml', 'a/z.yml', 'b.yaml', 'c.YAML'],
    );
    assert.deepEqual(names(result.objects), [
      'Service default/anm',
      'Service default/az',
      'Service default/b',
      'Service default/c-upper',
    ]);
  });

  it('reads a file path given directly, and several paths in order', async () => {
    const dir = await fixture({
      'one.yaml': 'apiVersion: v1\nkind: Service\nmetadata: {name: one}\n',
      'two.txt': 'apiVersion: v1\nkind: Service\nmetadata: {name: two}\n',
    });
    const result = await loadManifests([join(dir, 'two.txt'), join(dir, 'one.yaml')]);
    assert.deepEqual(names(result.objects), ['Service default/two', 'Service default/one']);
  });

  it('throws a one-line error naming a missing or unreadable path', async () => {
    const missing = join(root, 'does-not-exist');
    await assert.rejects(loadManifests([missing]), (error: Error) => {
      assert.match(error.message, new RegExp(`^cannot read manifests path ${missing}: ENOENT`));
      assert.doesNotMatch(error.message, /\n/);
      return true;
    });
    if (process.getuid?.() === 0) return; // root reads anything; the permission case cannot occur
    const dir = await fixture({ 'locked.yaml': 'a: 1\n' });
    await chmod(join(dir, 'locked.yaml'), 0o000);
    await assert.rejects(loadManifests([dir]), /cannot read manifest file .*locked\.yaml: EACCES/);
  });
});
