/**
 * Standalone mode's object source: Kubernetes manifests on disk, as `kubectl apply -f` reads
 * them (files or directories, YAML streams with `---`, JSON objects and `List`s).
 * A malformed document is isolated (one diagnostic naming file, document and line); an
 * unreadable path is a hard error, because serving from a partial set of files would silently
 * drop routes.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { type Diagnostic, diagnostic, objectRef } from '@portcullis/config-model';
import { LineCounter, parseAllDocuments } from 'yaml';
import { withDefaultNamespace } from './namespace.ts';

export interface LoadedManifests {
  /** Every object, Lists flattened, in file order then document order. */
  readonly objects: unknown[];
  readonly diagnostics: Diagnostic[];
  /** The manifest files read, in load order. */
  readonly files: string[];
}

const manifestExtensions = new Set(['.yaml', '.yml', '.json']);

export async function loadManifests(paths: readonly string[]): Promise<LoadedManifests> {
  const files: string[] = [];
  for (const path of paths) files.push(...(await manifestFiles(path)));
  const objects: unknown[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const file of files) {
    const text = await readText(file);
    const parsed = extname(file) === '.json' ? parseJson(file, text) : parseYaml(file, text);
    for (const value of parsed.values) objects.push(...flatten(value).map(withDefaultNamespace));
    diagnostics.push(...parsed.diagnostics);
  }
  return { objects, diagnostics, files };
}

/** A file as given (whatever its extension, like kubectl -f), or a directory's manifests. */
async function manifestFiles(path: string): Promise<string[]> {
  const info = await stat(path).catch((error: unknown) => {
    throw new Error(`cannot read manifests path ${path}: ${reason(error)}`);
  });
  if (!info.isDirectory()) return [path];
  const found: string[] = [];
  await walk(path, found);
  return found;
}

async function walk(dir: string, found: string[]): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true }).catch((error: unknown) => {
    throw new Error(`cannot read manifests directory ${dir}: ${reason(error)}`);
  });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    // Dotfiles include editors' swap files and Kubernetes' ..data symlinks in mounted ConfigMaps.
    if (entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) await walk(path, found);
    else if (manifestExtensions.has(extname(entry.name).toLowerCase())) found.push(path);
  }
}

async function readText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw new Error(`cannot read manifest file ${file}: ${reason(error)}`);
  }
}

interface Parsed {
  values: unknown[];
  diagnostics: Diagnostic[];
}

function parseYaml(file: string, text: string): Parsed {
  const lineCounter = new LineCounter();
  const parsed: Parsed = { values: [], diagnostics: [] };
  parseAllDocuments(text, { lineCounter }).forEach((doc, index) => {
    const start = lineCounter.linePos(doc.range[0]).line;
    const error = doc.errors[0];
    if (error !== undefined) {
      const line = error.linePos?.[0].line ?? start;
      parsed.diagnostics.push(invalid(file, index + 1, line, yamlReason(error.message)));
      return;
    }
    try {
      const value: unknown = doc.toJS();
      if (value === null || value === undefined) return; // empty document: `---` twice, comments only
      if (isObject(value)) parsed.values.push(value);
      else parsed.diagnostics.push(invalid(file, index + 1, start, 'document is not a mapping (an object)'));
    } catch (cause) {
      parsed.diagnostics.push(invalid(file, index + 1, start, reason(cause)));
    }
  });
  return parsed;
}

/** The yaml package appends ` at line L, column C:` and a source excerpt; we report the line ourselves. */
function yamlReason(message: string): string {
  const first = message.split('\n', 1)[0] ?? message;
  return first.replace(/ at line \d+, column \d+:?$/, '');
}

function parseJson(file: string, text: string): Parsed {
  try {
    const value: unknown = JSON.parse(text);
    const values = Array.isArray(value) ? value : [value];
    const parsed: Parsed = { values: [], diagnostics: [] };
    values.forEach((item, index) => {
      if (isObject(item)) parsed.values.push(item);
      else parsed.diagnostics.push(invalid(file, index + 1, 1, 'document is not an object'));
    });
    return parsed;
  } catch (error) {
    const message = reason(error);
    const line = Number(/\(line (\d+) column \d+\)/.exec(message)?.[1] ?? 1);
    const clean = message.replace(/ \(line \d+ column \d+\)$/, '');
    return { values: [], diagnostics: [invalid(file, 1, line, clean)] };
  }
}

/** `kubectl get -o yaml` writes `kind: List` (or FooList) with the objects under items. */
function flatten(value: unknown): unknown[] {
  if (!isObject(value)) return [value];
  const { kind, items } = value;
  if (typeof kind === 'string' && kind.endsWith('List') && Array.isArray(items))
    return items.flatMap(flatten);
  return [value];
}

function invalid(file: string, document: number, line: number, why: string): Diagnostic {
  return diagnostic(
    'ManifestInvalid',
    objectRef('Manifest', '', file, `document ${document}`),
    `${file}: document ${document} (line ${line}): ${why}`,
  );
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function reason(error: unknown): string {
  if (error instanceof Error) {
    const first = error.message.split('\n', 1)[0] ?? error.message;
    // Node's errno messages end with `, stat '/the/path'`; the caller names the path already.
    return (error as NodeJS.ErrnoException).syscall === undefined ? first : first.replace(/, \w+ '.*'$/, '');
  }
  return String(error);
}
