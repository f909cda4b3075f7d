/**
 * `portcullis check PATH...`: load manifests, build the routing table exactly as `run` would,
 * and report it. Exit 1 when any error-level diagnostic exists, so CI can gate on it.
 */
import { build, generateFakeCertificate, snapshotFromObjects } from '@portcullis/config-model';
import { loadManifests } from '@portcullis/kube-source';
import { toBuildOptions } from '../build-options.ts';
import type { ControllerOptions } from '../flags.ts';
import { formatJson } from './json.ts';
import { formatReport } from './report.ts';

export interface CheckIO {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly now?: Date;
}

export async function runCheck(options: ControllerOptions, io: CheckIO): Promise<number> {
  let loaded: Awaited<ReturnType<typeof loadManifests>>;
  try {
    loaded = await loadManifests(options.manifests);
  } catch (error) {
    io.stderr(`portcullis check: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
  const now = io.now ?? new Date();
  const fake = await generateFakeCertificate(now);
  const { snapshot, ignored } = snapshotFromObjects(loaded.objects);
  const result = build(snapshot, toBuildOptions(options, fake, now));
  const diagnostics = [...loaded.diagnostics, ...result.diagnostics];
  if (options.output === 'json') {
    io.stdout(formatJson(result.table, diagnostics));
  } else {
    const report = {
      table: result.table,
      diagnostics,
      files: loaded.files,
      objects: loaded.objects.length,
      ignored: countKinds(ignored),
    };
    io.stdout(formatReport(report));
  }
  return diagnostics.some((d) => d.severity === 'error') ? 1 : 0;
}

function countKinds(objects: readonly unknown[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const object of objects) {
    const kind = (object as { kind?: unknown } | null)?.kind;
    const name = typeof kind === 'string' ? kind : '(no kind)';
    counts[name] = (counts[name] ?? 0) + 1;
  }
  return counts;
}
