/**
 * argv -> validated ControllerOptions. The only place flags are read; everything downstream gets
 * typed values. Errors are UsageError (one line naming the flag and value; the CLI exits 2).
 */
import { type ParseArgsOptionsConfig, parseArgs } from 'node:util';
import { type FlagSpec, flagsByName, flagTable } from './flag-table.ts';
import {
  parseAddressList,
  parseBindAddress,
  parseChoice,
  parseDnsLabel,
  parseNamespacedName,
  parseNonEmpty,
  parsePort,
  parseWorkers,
  UsageError,
} from './flag-values.ts';

export { UsageError } from './flag-values.ts';

export interface NamespacedName {
  readonly namespace: string;
  readonly name: string;
}

export type Command = 'run' | 'check';

export interface ControllerOptions {
  readonly command: Command;
  /** check: positional PATHs and --manifests; run: --manifests (empty = Kubernetes API). */
  readonly manifests: readonly string[];
  readonly httpPort: number;
  readonly httpsPort: number;
  readonly healthzPort: number;
  /** null: all addresses. */
  readonly bindAddress: string | null;
  readonly defaultSslCertificate: NamespacedName | null;
  readonly enableSslPassthrough: boolean;
  /** portcullis's own: who relays passthrough bytes (docs/adr/0006). */
  readonly passthroughSplicer: 'native' | 'javascript';
  readonly configMap: NamespacedName | null;
  readonly ingressClass: string;
  readonly controllerClass: string;
  readonly watchIngressWithoutClass: boolean;
  readonly workers: number | 'auto';
  readonly kubeconfig: string | null;
  /** null: all namespaces (ingress-nginx's empty --watch-namespace). */
  readonly watchNamespace: string | null;
  readonly electionId: string;
  readonly publishService: NamespacedName | null;
  readonly publishStatusAddress: readonly string[];
  readonly output: 'text' | 'json';
  readonly help: boolean;
}

const commands: ReadonlySet<string> = new Set<Command>(['run', 'check']);

export function parseFlags(argv: readonly string[]): ControllerOptions {
  const parseOptions: ParseArgsOptionsConfig = Object.fromEntries(
    flagTable.map((flag) => [flag.name, { type: flag.kind, multiple: flag.multiple === true }]),
  );
  const { values, positionals } = parse(normalize(argv), parseOptions);
  const value = (name: string): string | undefined => {
    const raw = values[name];
    return typeof raw === 'string' ? raw : undefined;
  };
  const flag = (name: string): boolean => values[name] === true;
  const [first, ...rest] = positionals;
  const command = first === undefined ? 'run' : first;
  if (!commands.has(command)) throw new UsageError(`unknown command "${command}" (expected run or check)`);
  const manifests = (values.manifests as string[] | undefined) ?? [];
  for (const path of manifests) parseNonEmpty('manifests', path);
  if (command === 'run' && rest.length > 0) throw new UsageError(`unexpected argument "${rest[0]}" for run`);
  const paths = command === 'check' ? [...rest, ...manifests] : manifests;
  const help = flag('help');
  if (command === 'check' && paths.length === 0 && !help) {
    throw new UsageError('check needs at least one manifest PATH');
  }
  const output = value('output') ?? 'text';
  if (output !== 'text' && output !== 'json') {
    throw new UsageError(`invalid value "${output}" for --output: expected text or json`);
  }
  const options: ControllerOptions = {
    command: command as Command,
    manifests: paths,
    httpPort: parsePort('http-port', value('http-port') ?? '80'),
    httpsPort: parsePort('https-port', value('https-port') ?? '443'),
    healthzPort: parsePort('healthz-port', value('healthz-port') ?? '10254'),
    bindAddress: optional(value('bind-address'), (v) => parseBindAddress('bind-address', v)),
    defaultSslCertificate: optional(value('default-ssl-certificate'), (v) =>
      parseNamespacedName('default-ssl-certificate', v),
    ),
    enableSslPassthrough: flag('enable-ssl-passthrough'),
    passthroughSplicer: parseChoice('passthrough-splicer', value('passthrough-splicer') ?? 'native', [
      'native',
      'javascript',
    ] as const),
    configMap: optional(value('configmap'), (v) => parseNamespacedName('configmap', v)),
    ingressClass: parseNonEmpty('ingress-class', value('ingress-class') ?? 'nginx'),
    controllerClass: parseNonEmpty('controller-class', value('controller-class') ?? 'k8s.io/ingress-nginx'),
    watchIngressWithoutClass: flag('watch-ingress-without-class'),
    workers: parseWorkers('workers', value('workers') ?? 'auto'),
    kubeconfig: optional(value('kubeconfig'), (v) => parseNonEmpty('kubeconfig', v)),
    // ingress-nginx treats an empty --watch-namespace as "all namespaces".
    watchNamespace: optional(value('watch-namespace') || undefined, (v) =>
      parseDnsLabel('watch-namespace', v),
    ),
    electionId: parseNonEmpty('election-id', value('election-id') ?? 'ingress-controller-leader'),
    publishService: optional(value('publish-service'), (v) => parseNamespacedName('publish-service', v)),
    publishStatusAddress: parseAddressList('publish-status-address', value('publish-status-address') ?? ''),
    output,
    help,
  };
  checkDistinctPorts(options);
  return options;
}

function parse(args: string[], options: ParseArgsOptionsConfig) {
  try {
    return parseArgs({ args, options, allowPositionals: true, allowNegative: true, strict: true });
  } catch (error) {
    // normalize() already rejects what parseArgs would; this keeps any remaining case one line.
    throw new UsageError(error instanceof Error ? (error.message.split('\n', 1)[0] ?? '') : String(error));
  }
}

function optional<T>(raw: string | undefined, parse: (value: string) => T): T | null {
  return raw === undefined ? null : parse(raw);
}

/**
 * Rewrites argv into the one form parseArgs handles unambiguously: `--name=value` for string
 * flags (so a value may start with `-`), `--name` / `--no-name` for booleans (Go's flag package,
 * which ingress-nginx uses, accepts `--flag=true|false`). Unknown flags fail here, by name.
 */
function normalize(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--') {
      out.push(...argv.slice(i));
      break;
    }
    if (arg === '-h') {
      out.push('--help');
      continue;
    }
    if (!arg.startsWith('-') || arg === '-') {
      out.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(arg.startsWith('--') ? 2 : 1, eq === -1 ? undefined : eq);
    const inline = eq === -1 ? undefined : arg.slice(eq + 1);
    const spec = lookup(name, arg);
    if (spec.kind === 'boolean') {
      out.push(booleanForm(spec, name, inline));
      continue;
    }
    if (inline !== undefined) {
      out.push(`--${spec.name}=${inline}`);
      continue;
    }
    const next = argv[i + 1];
    if (next === undefined || next.startsWith('--'))
      throw new UsageError(`flag --${spec.name} needs a value`);
    out.push(`--${spec.name}=${next}`);
    i++;
  }
  return out;
}

function lookup(name: string, arg: string): FlagSpec {
  const spec = flagsByName.get(name);
  if (spec !== undefined) return spec;
  const negated = name.startsWith('no-') ? flagsByName.get(name.slice(3)) : undefined;
  if (negated?.kind === 'boolean') return negated;
  throw new UsageError(`unknown flag ${arg.split('=', 1)[0]}`);
}

function booleanForm(spec: FlagSpec, name: string, inline: string | undefined): string {
  const negated = name !== spec.name;
  if (inline === undefined) return negated ? `--no-${spec.name}` : `--${spec.name}`;
  if (negated) throw new UsageError(`flag --${name} takes no value (got "${inline}")`);
  if (inline === 'true') return `--${spec.name}`;
  if (inline === 'false') return `--no-${spec.name}`;
  throw new UsageError(`invalid value "${inline}" for --${spec.name}: expected true or false`);
}

function checkDistinctPorts(options: ControllerOptions): void {
  const ports: [string, number][] = [
    ['http-port', options.httpPort],
    ['https-port', options.httpsPort],
    ['healthz-port', options.healthzPort],
  ];
  for (const [i, [name, port]] of ports.entries()) {
    // Port 0 asks the OS for a free port, so zeros never collide.
    const clash = ports.slice(0, i).find(([, other]) => other === port && port !== 0);
    if (clash !== undefined) throw new UsageError(`--${name} ${port} is already used by --${clash[0]}`);
  }
}
