/**
 * deploy/Dockerfile, linted by reading (there is no Docker engine on CI): the runtime is Node 24
 * distroless or slim, non-root with the uid the chart runs as, it starts the real CLI, ships
 * production dependencies only, and every path it copies exists and reaches the build context.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { copyParts, execForm, included, readDockerfile } from './support/deploy-dockerfile.ts';
import { cliEntry, repoRoot } from './support/paths.ts';

const dockerfile = join(repoRoot, 'deploy', 'Dockerfile');
const dockerignore = readFileSync(`${dockerfile}.dockerignore`, 'utf8');
const stages = readDockerfile(dockerfile);
const runtime = stages.at(-1);
const build = stages[0];
const values = parse(readFileSync(join(repoRoot, 'deploy', 'helm', 'portcullis', 'values.yaml'), 'utf8'));

function instructions(stage: typeof runtime, keyword: string): string[] {
  return (stage?.instructions ?? []).filter((i) => i.keyword === keyword).map((i) => i.args);
}

/** Workspace packages the controller needs at run time: itself and its workspace: dependencies. */
function controllerClosure(): string[] {
  const byName = new Map<string, string>();
  for (const dir of readdirSync(join(repoRoot, 'packages'))) {
    const pkg = JSON.parse(readFileSync(join(repoRoot, 'packages', dir, 'package.json'), 'utf8'));
    byName.set(pkg.name, `packages/${dir}`);
  }
  const seen = new Set<string>();
  const visit = (name: string) => {
    const dir = byName.get(name);
    if (dir === undefined || seen.has(dir)) return;
    seen.add(dir);
    const pkg = JSON.parse(readFileSync(join(repoRoot, dir, 'package.json'), 'utf8'));
    for (const [dep, spec] of Object.entries(pkg.dependencies ?? {}))
      if (String(spec).startsWith('workspace:')) visit(dep);
  };
  visit('@portcullis/controller');
  return [...seen].sort();
}

describe('deploy/Dockerfile', () => {
  it('is multi-stage with a Node 24 distroless or slim runtime', () => {
    assert.ok(stages.length >= 2, 'a build stage and a runtime stage');
    assert.match(
      runtime?.from ?? '',
      /^(gcr\.io\/distroless\/nodejs24-debian1[23](:[\w.-]+)?|node:24(\.[\d.]+)?-(bookworm-|trixie-)?slim)$/,
    );
    assert.match(build?.from ?? '', /^node:24\b/, 'the build stage runs the same Node major');
    assert.deepEqual(
      instructions(runtime, 'RUN'),
      [],
      'nothing runs in the runtime stage (distroless has no shell)',
    );
  });

  it('runs as the non-root uid the chart sets, numerically', () => {
    const [user] = instructions(runtime, 'USER');
    assert.match(user ?? '', /^(65532|10001)(:\d+)?$/);
    assert.equal(Number(user?.split(':')[0]), values.podSecurityContext.runAsUser);
  });

  it('starts the real CLI, and its default args are flags the binary accepts', () => {
    const entrypoint = execForm(instructions(runtime, 'ENTRYPOINT')[0] ?? '');
    const [workdir] = instructions(runtime, 'WORKDIR');
    assert.equal(entrypoint.at(-1), `${workdir}/packages/controller/src/cli.ts`);
    assert.ok(existsSync(cliEntry));
    assert.match(entrypoint[0] ?? '', /(^|\/)node$/);
    const cmd = execForm(instructions(runtime, 'CMD')[0] ?? '[]');
    const result = spawnSync(process.execPath, [cliEntry, ...cmd, '--help'], { encoding: 'utf8' });
    assert.equal(result.status, 0, result.stderr);
  });

  it('exposes the container ports the chart declares', () => {
    const exposed = instructions(runtime, 'EXPOSE').flatMap((a) => a.split(/\s+/).map(Number));
    assert.deepEqual(exposed.sort(), [values.ports.http, values.ports.https, values.ports.healthz].sort());
  });

  it('installs production dependencies only, from the lockfile, with the pinned pnpm', () => {
    const runs = instructions(build, 'RUN').join('\n');
    assert.match(runs, /pnpm install [^\n]*--prod/);
    assert.match(runs, /pnpm install [^\n]*--frozen-lockfile/);
    assert.doesNotMatch(
      runs,
      /pnpm deploy/,
      'pnpm deploy copies workspace packages into node_modules, where Node will not strip types',
    );
    const { packageManager } = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8'));
    assert.ok(runs.includes(String(packageManager)), `installs ${packageManager}`);
  });

  it('copies every path from the build context, and each exists and is not ignored', () => {
    const sources = stages.flatMap((s) =>
      instructions(s, 'COPY')
        .map(copyParts)
        .filter((c) => !c.flags.some((f) => f.startsWith('--from')))
        .flatMap((c) => c.sources),
    );
    assert.ok(sources.length > 0);
    for (const source of sources) {
      assert.ok(existsSync(join(repoRoot, source)), `${source} exists`);
      const probe = source.endsWith('src') ? `${source}/index.ts` : source;
      assert.ok(included(dockerignore, probe), `${probe} reaches the build context`);
    }
    // --frozen-lockfile needs every workspace project's manifest; the runtime needs the sources.
    for (const dir of [
      'packages/config-model',
      'packages/kube-source',
      'packages/data-plane',
      'packages/controller',
      'e2e',
    ]) {
      assert.ok(sources.includes(`${dir}/package.json`), `${dir}/package.json copied`);
    }
    for (const dir of controllerClosure()) assert.ok(sources.includes(`${dir}/src`), `${dir}/src copied`);
    // Every addon's C source is built in the image, and the build fails without its .node.
    const runs = stages.flatMap((s) => instructions(s, 'RUN')).join('\n');
    const native = 'packages/data-plane/native';
    for (const c of readdirSync(join(repoRoot, native)).filter((f) => f.endsWith('.c'))) {
      assert.ok(sources.includes(`${native}/${c}`), `${native}/${c} copied`);
      assert.ok(runs.includes(`test -f ${native}/build/${c.replace(/\.c$/, '.node')}`), `${c} checked`);
    }
    assert.ok(!included(dockerignore, 'node_modules/.bin/node'), 'the host node_modules stays out');
    assert.ok(!included(dockerignore, 'e2e/smoke.test.ts'), 'tests stay out');
  });
});
