/**
 * deploy/Dockerfile read as BuildKit reads it (no Docker engine here): instructions with
 * continuation lines joined, grouped by stage, ARG defaults substituted into FROM; and the
 * Dockerfile-specific .dockerignore applied to build-context paths.
 */
import { readFileSync } from 'node:fs';
import { matchesGlob } from 'node:path';

export interface Instruction {
  readonly keyword: string;
  readonly args: string;
}

export interface Stage {
  readonly from: string;
  readonly name: string | undefined;
  readonly instructions: Instruction[];
}

export function readDockerfile(path: string): Stage[] {
  const text = readFileSync(path, 'utf8').replace(/\\\n/g, ' ');
  const globalArgs = new Map<string, string>();
  const stages: Stage[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const [, keyword = '', args = ''] = /^(\S+)\s*(.*)$/.exec(line) ?? [];
    const upper = keyword.toUpperCase();
    if (upper === 'FROM') {
      const expanded = args.replace(/\$\{(\w+)\}|\$(\w+)/g, (m, a, b) => globalArgs.get(a ?? b) ?? m);
      const [image = '', as, name] = expanded.split(/\s+/);
      stages.push({ from: image, name: as?.toUpperCase() === 'AS' ? name : undefined, instructions: [] });
      continue;
    }
    const stage = stages.at(-1);
    if (stage === undefined && upper === 'ARG') {
      const [key = '', value = ''] = args.split('=');
      globalArgs.set(key, value);
    } else if (stage !== undefined) {
      stage.instructions.push({ keyword: upper, args });
    }
  }
  return stages;
}

/** `COPY [--flags] src... dest` (shell form): sources, destination and flags. */
export function copyParts(args: string): { flags: string[]; sources: string[]; dest: string } {
  const words = args.split(/\s+/);
  const flags = words.filter((w) => w.startsWith('--'));
  const paths = words.filter((w) => !w.startsWith('--'));
  return { flags, sources: paths.slice(0, -1), dest: paths.at(-1) ?? '' };
}

/** Exec form (JSON array) of ENTRYPOINT/CMD. */
export function execForm(args: string): string[] {
  const parsed: unknown = JSON.parse(args);
  if (!Array.isArray(parsed) || !parsed.every((a) => typeof a === 'string'))
    throw new Error(`not exec form: ${args}`);
  return parsed;
}

/** Whether a build-context path is sent to the builder (last matching pattern wins). */
export function included(dockerignore: string, path: string): boolean {
  // Docker's `**` matches dot-directories too (Go filepath.Match); node's glob skips them.
  const plain = path.replace(/(^|\/)\./g, '$1_');
  let keep = true;
  for (const raw of dockerignore.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const negated = line.startsWith('!');
    const pattern = negated ? line.slice(1) : line;
    if (matchesGlob(plain, pattern) || matchesGlob(plain, `${pattern}/**`)) keep = negated;
  }
  return keep;
}
