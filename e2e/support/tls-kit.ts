/**
 * Shared pieces for the TLS e2e files: certificates issued at test time, manifest snippets
 * (Ingress, ConfigMap) and real TLS clients (node:tls, node:https, `openssl s_client`), each
 * bounded in time so a hung handshake fails the test instead of stalling the suite.
 */
import { execFile, spawnSync } from 'node:child_process';
import { request } from 'node:https';
import { connect, type PeerCertificate, type TLSSocket } from 'node:tls';
import { issueCertificate } from '@portcullis/config-model';
import type { Portcullis } from './portcullis.ts';

const DAY_MS = 86_400_000;

/** issueCertificate's options and result (the package exports the function, not these types). */
export type IssueOptions = Parameters<typeof issueCertificate>[0];
export type IssuedCertificate = Awaited<ReturnType<typeof issueCertificate>>;

/** Valid from yesterday to tomorrow unless the options say otherwise; ECDSA P-256 by default. */
export function issue(options: Partial<IssueOptions>): Promise<IssuedCertificate> {
  return issueCertificate({
    keyType: 'ECDSA-P-256',
    notBefore: new Date(Date.now() - DAY_MS),
    notAfter: new Date(Date.now() + DAY_MS),
    ...options,
  });
}

/** A CA and a leaf it signs for `dnsNames`. */
export async function issueChain(
  dnsNames: readonly string[],
  leafOptions: Partial<IssueOptions> = {},
): Promise<{ ca: IssuedCertificate; leaf: IssuedCertificate }> {
  const ca = await issue({ commonName: `CA for ${dnsNames[0] ?? 'tests'}`, isCa: true });
  const leaf = await issue({ dnsNames, issuer: ca, ...leafOptions });
  return { ca, leaf };
}

export interface IngressSpec {
  readonly name: string;
  readonly hosts: readonly string[];
  /** tls: entries; omitted: no tls section. */
  readonly tls?: readonly { readonly hosts: readonly string[]; readonly secretName?: string }[];
  readonly service: string;
  readonly port?: number;
  readonly annotations?: Readonly<Record<string, string>>;
}

/** One Ingress of class nginx routing `/` of every host to `service`. */
export function ingressYaml(spec: IngressSpec): string {
  const annotations = Object.entries(spec.annotations ?? {})
    .map(([k, v]) => `    ${k}: ${JSON.stringify(v)}\n`)
    .join('');
  const tls = (spec.tls ?? [])
    .map(
      (t) =>
        `    - hosts: [${t.hosts.map((h) => JSON.stringify(h)).join(', ')}]\n` +
        (t.secretName === undefined ? '' : `      secretName: ${t.secretName}\n`),
    )
    .join('');
  const rules = spec.hosts
    .map(
      (host) => `    - host: ${JSON.stringify(host)}
      http:
        paths:
          - path: /
            pathType: Prefix
            backend: { service: { name: ${spec.service}, port: { number: ${spec.port ?? 80} } } }
`,
    )
    .join('');
  return `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: ${spec.name}
  namespace: default
${annotations === '' ? '' : `  annotations:\n${annotations}`}spec:
  ingressClassName: nginx
${tls === '' ? '' : `  tls:\n${tls}`}  rules:
${rules}`;
}

export { configMapYaml } from './http-manifests.ts';

export interface Handshake {
  readonly protocol: string | null;
  readonly alpn: string | false | null;
  readonly cipher: string;
  readonly cert: PeerCertificate;
  /** SHA-256 fingerprint of the leaf, as `AA:BB:...`. */
  readonly fingerprint: string;
}

export interface HandshakeOptions {
  /** SNI; omitted: none (an IP address is never sent as SNI, RFC 6066 §3). */
  readonly servername?: string;
  readonly ALPNProtocols?: string[];
  readonly minVersion?: 'TLSv1.2' | 'TLSv1.3';
  readonly maxVersion?: 'TLSv1.2' | 'TLSv1.3';
  readonly ciphers?: string;
  readonly ca?: string;
  readonly timeoutMs?: number;
}

/** Handshakes (never verifying unless `ca` is given), reads what the server presented, closes. */
export function handshake(port: number, options: HandshakeOptions = {}): Promise<Handshake> {
  return new Promise((resolve, reject) => {
    const socket: TLSSocket = connect({
      host: '127.0.0.1',
      port,
      ...(options.servername === undefined ? {} : { servername: options.servername }),
      ...(options.ALPNProtocols === undefined ? {} : { ALPNProtocols: options.ALPNProtocols }),
      ...(options.minVersion === undefined ? {} : { minVersion: options.minVersion }),
      ...(options.maxVersion === undefined ? {} : { maxVersion: options.maxVersion }),
      ...(options.ciphers === undefined ? {} : { ciphers: options.ciphers }),
      ...(options.ca === undefined ? { rejectUnauthorized: false } : { ca: options.ca }),
      // With a CA the chain is verified; the host name is checked against the SNI.
      ...(options.ca !== undefined && options.servername === undefined
        ? { checkServerIdentity: () => undefined }
        : {}),
    });
    socket.setTimeout(options.timeoutMs ?? 5_000, () => socket.destroy(new Error('handshake timed out')));
    socket.once('secureConnect', () => {
      const cert = socket.getPeerCertificate();
      resolve({
        protocol: socket.getProtocol(),
        alpn: socket.alpnProtocol,
        cipher: socket.getCipher().name,
        cert,
        fingerprint: cert.fingerprint256,
      });
      socket.destroy();
    });
    socket.once('error', reject);
  });
}

/** SHA-256 fingerprint of a PEM certificate, in node's `AA:BB:...` form. */
export async function fingerprintOf(certPem: string): Promise<string> {
  const { X509Certificate } = await import('node:crypto');
  return new X509Certificate(certPem).fingerprint256;
}

export interface HttpsResult {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
  readonly fingerprint: string;
}

/** One HTTPS/1.1 GET over a fresh connection (no agent), SNI = host, not verifying. */
export function httpsGet(port: number, host: string, path = '/', timeoutMs = 5_000): Promise<HttpsResult> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        servername: host,
        headers: { host },
        agent: false,
        rejectUnauthorized: false,
      },
      (res) => {
        const fingerprint = (res.socket as TLSSocket).getPeerCertificate().fingerprint256;
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString(),
            fingerprint,
          }),
        );
        res.on('error', reject);
      },
    );
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`GET ${host}${path} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

export interface CommandResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunOptions {
  /** Written to stdin, then EOF. */
  readonly input?: string;
  /** Killed (SIGTERM) after this long; default 10 s. */
  readonly timeoutMs?: number;
  /** Added to this process's environment. */
  readonly env?: Readonly<Record<string, string>>;
}

/** Runs a command, never throwing on a non-zero exit; `code` is null when it was killed. */
export function runCommand(
  file: string,
  args: readonly string[],
  options: RunOptions = {},
): Promise<CommandResult> {
  return new Promise((resolve) => {
    const child = execFile(
      file,
      args,
      {
        timeout: options.timeoutMs ?? 10_000,
        maxBuffer: 16 * 1024 * 1024,
        env: { ...process.env, ...options.env },
      },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
        resolve({ code, stdout, stderr });
      },
    );
    child.stdin?.end(options.input ?? '');
  });
}

/**
 * `openssl s_client` against 127.0.0.1:port. stdin carries `input` (e.g. a GET), then EOF; with
 * input, `-ign_eof` keeps reading the reply after that EOF (send `Connection: close` so the
 * server ends it); without, s_client hangs up right after the handshake.
 */
export function sClient(port: number, args: readonly string[], input = ''): Promise<CommandResult> {
  const eof = input === '' ? [] : ['-ign_eof'];
  return runCommand('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, ...eof, ...args], { input });
}

/** PEM blocks in s_client -showcerts output, in the order the server sent them. */
export function pemBlocks(text: string): string[] {
  return text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
}

/** The reason to skip when a command-line client is not installed, or undefined. */
export function missingTool(name: string): string | undefined {
  const found = spawnSync('sh', ['-c', `command -v ${name}`]).status === 0;
  return found ? undefined : `${name} is not installed (bash .ci/system-packages installs it)`;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Rewrites a manifest file and waits until the running process applied a new routing table
 * (the "routing table applied" log line counts generations).
 */
export async function rewriteAndApply(
  portcullis: Portcullis,
  file: string,
  yaml: string,
  timeoutMs = 5_000,
): Promise<void> {
  const applied = () => portcullis.logs.filter((l) => l.msg === 'routing table applied').length;
  const before = applied();
  portcullis.write(file, yaml);
  const deadline = Date.now() + timeoutMs;
  while (applied() <= before) {
    if (Date.now() > deadline) throw new Error(`${file}: no new routing table within ${timeoutMs} ms`);
    await sleep(25);
  }
}
