/**
 * Reads the .cpuprofile files that `node --cpu-prof` wrote for portcullis and prints where the
 * time went: self time per function and per source file, heaviest first. Idle time ("(idle)")
 * is dropped so the shares are of busy CPU.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: {
    readonly functionName: string;
    readonly url: string;
    readonly lineNumber: number;
  };
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** Self time per node id, counting only samples taken skipMicros or later after the profile began. */
function selfTimes(profile: CpuProfile, skipMicros: number): Map<number, number> {
  const times = new Map<number, number>();
  let elapsed = 0;
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    elapsed += delta;
    if (elapsed >= skipMicros) times.set(id, (times.get(id) ?? 0) + delta);
  });
  return times;
}

function shortUrl(url: string, root: string): string {
  if (url === '') return '(native)';
  const path = url.startsWith('file://') ? new URL(url).pathname : url;
  const rel = relative(root, path);
  return rel.startsWith('..') ? path : rel.replace(/^.*node_modules\/\.pnpm\/[^/]+\/node_modules\//, '');
}

function top(map: Map<string, number>, total: number, count: number): string[] {
  return [...map.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([name, us]) => `  ${((us / total) * 100).toFixed(1).padStart(5)}%  ${name}`);
}

/**
 * One summary per profile file in dir (one per portcullis process). skipMicros drops the
 * start-up (module loading, type stripping, first build) so the figures are of serving traffic.
 */
export function summarizeProfiles(dir: string, root: string, skipMicros: number, count = 25): string {
  const out: string[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'))) {
    const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile;
    const byId = new Map(profile.nodes.map((node) => [node.id, node]));
    const byFunction = new Map<string, number>();
    const byFile = new Map<string, number>();
    let total = 0;
    for (const [id, us] of selfTimes(profile, skipMicros)) {
      const frame = byId.get(id)?.callFrame;
      if (frame === undefined || frame.functionName === '(idle)') continue;
      total += us;
      const where = shortUrl(frame.url, root);
      const name = `${frame.functionName || '(anonymous)'}  ${where}:${frame.lineNumber + 1}`;
      byFunction.set(name, (byFunction.get(name) ?? 0) + us);
      byFile.set(where, (byFile.get(where) ?? 0) + us);
    }
    out.push(`${file}: ${(total / 1e6).toFixed(1)} s busy after start-up (sampled)`);
    out.push('  self time by function:', ...top(byFunction, total, count));
    out.push('  self time by file:', ...top(byFile, total, 15), '');
  }
  return out.join('\n');
}
