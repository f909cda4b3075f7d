/** `portcullis --help`: every flag with its default, generated from the flag table. */
import { flagTable } from './flag-table.ts';

export function usage(): string {
  const rows = flagTable.map((flag) => {
    const left = flag.value === undefined ? `--${flag.name}` : `--${flag.name} ${flag.value}`;
    return { left, right: `${flag.help} (default: ${flag.default})` };
  });
  const width = Math.max(...rows.map((row) => row.left.length)) + 2;
  return [
    'Usage:',
    '  portcullis [run] [flags]           serve traffic (Kubernetes API, or --manifests)',
    '  portcullis check [flags] PATH...   build the routing table from manifests and report it',
    '',
    'Flags (also as --flag=value; booleans also as --flag=true|false):',
    ...rows.map((row) => `  ${row.left.padEnd(width)}${row.right}`),
    '',
    'Exit codes: 0 ok, 1 errors found (check) or failure, 2 bad usage.',
    '',
  ].join('\n');
}
