/**
 * Every command-line flag, named as ingress-nginx names it so Deployment args carry over.
 * One table drives parsing, validation and `--help`.
 */
export type FlagKind = 'boolean' | 'string';

export interface FlagSpec {
  readonly name: string;
  readonly kind: FlagKind;
  /** Shown in --help as `--name VALUE`. */
  readonly value?: string;
  /** The default as --help shows it. */
  readonly default: string;
  readonly multiple?: boolean;
  readonly help: string;
}

export const flagTable: readonly FlagSpec[] = [
  {
    name: 'manifests',
    kind: 'string',
    value: 'PATH',
    default: 'none (Kubernetes mode: not available yet)',
    multiple: true,
    help: 'Read objects from a manifest file or directory instead of the API (repeatable).',
  },
  { name: 'http-port', kind: 'string', value: 'PORT', default: '80', help: 'Port for HTTP traffic.' },
  { name: 'https-port', kind: 'string', value: 'PORT', default: '443', help: 'Port for HTTPS traffic.' },
  {
    name: 'healthz-port',
    kind: 'string',
    value: 'PORT',
    default: '10254',
    help: 'Port for /healthz and /metrics.',
  },
  {
    name: 'bind-address',
    kind: 'string',
    value: 'IP',
    default: 'all addresses',
    help: 'IP address the listeners bind to.',
  },
  {
    name: 'default-ssl-certificate',
    kind: 'string',
    value: 'NS/NAME',
    default: 'generated fake certificate',
    help: 'Secret with the certificate served when no other matches.',
  },
  {
    name: 'enable-ssl-passthrough',
    kind: 'boolean',
    default: 'false',
    help: 'Honour the ssl-passthrough annotation (TLS forwarded to the backend unterminated).',
  },
  {
    name: 'passthrough-splicer',
    kind: 'string',
    value: 'native|javascript',
    default: 'native',
    help: 'What relays passthrough bytes: the C splicer (JavaScript if it was not built) or JavaScript.',
  },
  {
    name: 'configmap',
    kind: 'string',
    value: 'NS/NAME',
    default: 'none',
    help: 'ConfigMap with controller settings (ssl-protocols, hsts, ...).',
  },
  {
    name: 'ingress-class',
    kind: 'string',
    value: 'NAME',
    default: 'nginx',
    help: 'Ingress class (IngressClass name and kubernetes.io/ingress.class annotation) to own.',
  },
  {
    name: 'controller-class',
    kind: 'string',
    value: 'CLASS',
    default: 'k8s.io/ingress-nginx',
    help: 'IngressClass spec.controller value to own.',
  },
  {
    name: 'watch-ingress-without-class',
    kind: 'boolean',
    default: 'false',
    help: 'Also serve Ingresses that name no class.',
  },
  {
    name: 'workers',
    kind: 'string',
    value: 'N|auto',
    default: 'auto',
    help: 'Data-plane worker processes sharing the ports; auto = one per CPU.',
  },
  {
    name: 'kubeconfig',
    kind: 'string',
    value: 'PATH',
    default: 'in-cluster config',
    help: 'kubeconfig file to reach the API server.',
  },
  {
    name: 'watch-namespace',
    kind: 'string',
    value: 'NS',
    default: 'all namespaces',
    help: 'Only watch objects in this namespace.',
  },
  {
    name: 'election-id',
    kind: 'string',
    value: 'NAME',
    default: 'ingress-controller-leader',
    help: 'Lease name for leader election (status updates).',
  },
  {
    name: 'publish-service',
    kind: 'string',
    value: 'NS/NAME',
    default: 'none',
    help: 'Service whose addresses are written to Ingress status.',
  },
  {
    name: 'publish-status-address',
    kind: 'string',
    value: 'ADDR[,ADDR]',
    default: 'none',
    help: 'Addresses (IPs or host names) written to Ingress status.',
  },
  {
    name: 'output',
    kind: 'string',
    value: 'text|json',
    default: 'text',
    help: 'check only: report format.',
  },
  { name: 'help', kind: 'boolean', default: 'false', help: 'Print this help and exit.' },
];

export const flagsByName: ReadonlyMap<string, FlagSpec> = new Map(flagTable.map((flag) => [flag.name, flag]));
