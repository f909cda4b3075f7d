/**
 * Rendering the deploy/ manifests the way an operator does (`helm template`, `kubectl
 * kustomize`) and reading them back as plain objects, plus small lookups the checks share.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { KubeTools } from './deploy-tools.ts';
import { run } from './deploy-tools.ts';
import { repoRoot } from './paths.ts';

export const chartDir = join(repoRoot, 'deploy', 'helm', 'portcullis');
export const kustomizeDir = join(repoRoot, 'deploy', 'kustomize');

/** A rendered object. Untyped on purpose: the checks assert its shape field by field. */
// biome-ignore lint/suspicious/noExplicitAny: manifests are arbitrary YAML.
export type Manifest = any;

export function parseManifests(text: string): Manifest[] {
  return parseAllDocuments(text).flatMap((doc) => {
    if (doc.errors.length > 0) throw new Error(`invalid YAML: ${doc.errors[0]?.message}`);
    const value: unknown = doc.toJS();
    return value === null || value === undefined ? [] : [value as Manifest];
  });
}

/** `helm template` of the chart with `--set`-style values and extra values files. */
export function helmTemplate(
  tools: KubeTools,
  options: {
    readonly set?: readonly string[];
    readonly files?: readonly string[];
    readonly release?: string;
    readonly namespace?: string;
  } = {},
): Manifest[] {
  const args = [
    'template',
    options.release ?? 'edge',
    chartDir,
    '--namespace',
    options.namespace ?? 'ingress',
  ];
  for (const file of options.files ?? []) args.push('--values', join(chartDir, file));
  for (const value of options.set ?? []) args.push('--set', value);
  return parseManifests(run(tools.helm, args));
}

/**
 * `kubectl kustomize` of the base, optionally with components: an overlay is written to a
 * temporary directory outside the tree, as a user's own overlay would be.
 */
export function kustomize(tools: KubeTools, components: readonly string[] = []): Manifest[] {
  if (components.length === 0)
    return parseManifests(run(tools.kubectl, ['kustomize', join(kustomizeDir, 'base')]));
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-overlay-'));
  try {
    const rel = (path: string) => relative(dir, join(kustomizeDir, path));
    writeFileSync(
      join(dir, 'kustomization.yaml'),
      [
        'apiVersion: kustomize.config.k8s.io/v1beta1',
        'kind: Kustomization',
        `resources: [${rel('base')}]`,
        `components: [${components.map((c) => rel(`components/${c}`)).join(', ')}]`,
        '',
      ].join('\n'),
    );
    return parseManifests(run(tools.kubectl, ['kustomize', '--load-restrictor=LoadRestrictionsNone', dir]));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function ofKind(manifests: readonly Manifest[], kind: string): Manifest[] {
  return manifests.filter((m) => m.kind === kind);
}

export function one(manifests: readonly Manifest[], kind: string, name?: string): Manifest {
  const found = ofKind(manifests, kind).filter((m) => name === undefined || m.metadata.name === name);
  if (found.length !== 1)
    throw new Error(`expected one ${kind}${name ? ` ${name}` : ''}, found ${found.length}`);
  return found[0];
}

/** The controller container of the one Deployment. */
export function controllerContainer(manifests: readonly Manifest[]): Manifest {
  const containers = one(manifests, 'Deployment').spec.template.spec.containers as Manifest[];
  if (containers.length !== 1) throw new Error(`expected one container, found ${containers.length}`);
  return containers[0];
}

/**
 * Container args as the kubelet passes them: $(VAR) expanded from env values and fieldRefs
 * (given), `--name=value` split; a bare `--name` is `true`.
 */
export function containerFlags(container: Manifest, fieldRefs: Readonly<Record<string, string>>): string[] {
  const env = new Map<string, string>();
  for (const e of container.env ?? []) {
    const value = e.value ?? fieldRefs[e.valueFrom?.fieldRef?.fieldPath as string];
    if (typeof value === 'string') env.set(e.name, value);
  }
  return (container.args as string[]).map((arg) =>
    arg.replace(/\$\(([A-Z_][A-Z0-9_]*)\)/g, (m, n) => env.get(n) ?? m),
  );
}

export function flagValue(args: readonly string[], name: string): string | undefined {
  for (const arg of args) {
    if (arg === `--${name}`) return 'true';
    if (arg.startsWith(`--${name}=`)) return arg.slice(name.length + 3);
  }
  return undefined;
}
