/**
 * Fixtures for the TLS tests: certificates made with the openssl CLI at test time, hand-built
 * routing tables, an HTTPS listener on 127.0.0.1:0, and two real clients (node:tls and
 * `openssl s_client`) reporting what was negotiated.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ConnectionOptions, connect } from 'node:tls';
import { promisify } from 'node:util';
import type {
  Certificate,
  CertificateFacts,
  ClientAuth,
  RoutingTable,
  Server,
  TlsSettings,
} from '@portcullis/config-model';
import {
  applyGeneration,
  createHttpsServer,
  type TlsErrorEvent,
  type TlsGeneration,
} from '../src/tls/index.ts';

const run = promisify(execFile);

export interface Pem {
  readonly cert: string;
  readonly key: string;
}

/** A P-256 certificate for `name`; self-signed unless an issuer is given. */
export async function issue(name: string, opts: { issuer?: Pem; ca?: boolean } = {}): Promise<Pem> {
  const dir = await mkdtemp(join(tmpdir(), 'portcullis-tls-'));
  try {
    const f = (n: string) => join(dir, n);
    const ext = opts.ca
      ? 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign,digitalSignature\n'
      : `basicConstraints=CA:FALSE\nsubjectAltName=DNS:${name}\nextendedKeyUsage=serverAuth,clientAuth\n`;
    await writeFile(f('ext'), ext);
    await run('openssl', ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', f('k.pem')]);
    await run('openssl', ['pkcs8', '-topk8', '-nocrypt', '-in', f('k.pem'), '-out', f('key.pem')]);
    await run('openssl', ['req', '-new', '-key', f('key.pem'), '-subj', `/CN=${name}`, '-out', f('csr')]);
    const signer = opts.issuer;
    if (signer !== undefined) {
      await writeFile(f('ca.crt'), signer.cert);
      await writeFile(f('ca.key'), signer.key);
    }
    const signArgs =
      signer === undefined
        ? ['-signkey', f('key.pem')]
        : ['-CA', f('ca.crt'), '-CAkey', f('ca.key'), '-set_serial', `${Date.now()}`];
    await run('openssl', [
      'x509',
      '-req',
      '-in',
      f('csr'),
      '-days',
      '2',
      '-extfile',
      f('ext'),
      ...signArgs,
      '-out',
      f('crt'),
    ]);
    return { cert: await readFile(f('crt'), 'utf8'), key: await readFile(f('key.pem'), 'utf8') };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export const defaultTls: TlsSettings = {
  protocols: ['TLSv1.2', 'TLSv1.3'],
  ciphers:
    'ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:' +
    'ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:' +
    'DHE-RSA-AES256-GCM-SHA384:DHE-RSA-AES128-GCM-SHA256',
  ecdhCurve: 'auto',
  sessionCache: true,
  sessionCacheSize: 10 * 1024 * 1024,
  sessionTimeout: 600,
  sessionTickets: false,
  sessionTicketKey: null,
  rejectHandshake: false,
  useHttp2: true,
};

export function certificate(id: string, pem: Pem, revision = id): Certificate {
  return { id, revision, certPem: pem.cert, keyPem: pem.key, facts: {} as CertificateFacts };
}

export interface HostSpec {
  readonly cert: string | null;
  readonly clientAuth?: ClientAuth;
  readonly ciphers?: string;
}

/** A routing table with the given certificates (the first is the default) and hosts. */
export function table(
  certs: readonly Certificate[],
  hosts: Readonly<Record<string, HostSpec>>,
  tls: Partial<TlsSettings> = {},
): RoutingTable {
  const servers: Record<string, Server> = {};
  for (const [host, spec] of Object.entries(hosts)) servers[host] = server(host, spec);
  return {
    hash: Math.random().toString(36),
    tls: { ...defaultTls, ...tls },
    http: {} as RoutingTable['http'],
    hsts: {} as RoutingTable['hsts'],
    certificates: Object.fromEntries(certs.map((c) => [c.id, c])),
    defaultCertificate: certs[0]?.id ?? 'none',
    servers,
    aliases: {},
    wwwRedirects: {},
    catchAll: server('_', { cert: null }),
    passthrough: {},
  };
}

function server(host: string, spec: HostSpec): Server {
  const ingress = { namespace: 'default', name: host };
  return {
    host,
    tls:
      spec.cert === null
        ? null
        : {
            certificate: spec.cert,
            ingress,
            ciphers: spec.ciphers ?? null,
            preferServerCiphers: null,
            clientAuth: spec.clientAuth ?? null,
          },
    routes: [],
    fallback: { type: 'default' },
  };
}

export interface Listener {
  readonly port: number;
  readonly errors: TlsErrorEvent[];
  /** Make `gen` current and apply it to the listener, as the composition does on a swap. */
  swap(gen: TlsGeneration): boolean;
  close(): Promise<void>;
}

/** An HTTPS listener answering every request with `<httpVersion> <client cert status>`. */
export async function listen(
  first: TlsGeneration,
  onRequest?: Parameters<typeof createHttpsServer>[0]['onRequest'],
  tls13Tickets?: (count: number) => void,
): Promise<Listener> {
  let gen = first;
  const errors: TlsErrorEvent[] = [];
  const server = createHttpsServer({
    current: () => gen,
    onRequest: onRequest ?? ((req, res) => res.end(`${req.httpVersion}`)),
    onTlsError: (e) => errors.push(e),
    tls13Tickets,
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    errors,
    swap(next) {
      gen = next;
      return applyGeneration(server, next);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
      }),
  };
}

export interface Handshake {
  readonly ok: boolean;
  readonly error?: string;
  readonly protocol?: string | null;
  readonly cipher?: string;
  readonly alpn?: string | false | null;
  readonly subject?: string;
  readonly reused?: boolean;
  readonly session?: Buffer;
  readonly body?: string;
}

/** One node:tls connection; sends a GET over HTTP/1.1 when `request` so tickets arrive. */
export function handshake(
  port: number,
  options: ConnectionOptions & { request?: boolean; hostHeader?: string } = {},
): Promise<Handshake> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port, rejectUnauthorized: false, ...options });
    let session: Buffer | undefined;
    let body = '';
    let result: Handshake | undefined;
    socket.on('session', (s) => {
      session = s;
    });
    socket.on('secureConnect', () => {
      result = {
        ok: true,
        protocol: socket.getProtocol(),
        cipher: socket.getCipher().name,
        alpn: socket.alpnProtocol,
        subject: String(socket.getPeerCertificate().subject?.CN ?? ''),
        reused: socket.isSessionReused(),
      };
      const host = options.hostHeader ?? (options.servername || 'h');
      if (options.request) socket.end(`GET / HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
      else socket.end();
    });
    socket.on('data', (d: Buffer) => {
      body += d.toString();
    });
    socket.on('error', (e: Error & { code?: string }) => {
      result ??= { ok: false, error: e.code ?? e.message };
    });
    socket.on('close', () => {
      const done = result ?? { ok: false, error: 'closed' };
      resolve({ ...done, ...(session ? { session } : {}), body: body.split('\r\n\r\n')[1] ?? '' });
    });
  });
}

/** `openssl s_client` (Debian's OpenSSL 3.0) against the listener; returns its whole output. */
export async function sClient(port: number, args: readonly string[]): Promise<string> {
  const child = execFile('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, ...args], {
    timeout: 10_000,
  });
  let out = '';
  child.stdout?.on('data', (d) => {
    out += d;
  });
  child.stderr?.on('data', (d) => {
    out += d;
  });
  child.stdin?.end();
  await new Promise((resolve) => child.on('close', resolve));
  return out;
}

/** The negotiated protocol from s_client's summary, or null when the handshake failed. */
export function sClientProtocol(out: string): string | null {
  // The `New, TLSv1.0, Cipher is` line names the cipher's version; the session block the protocol.
  if (!/^New, \S+, Cipher is (?!\(NONE\))/m.test(out)) return null;
  return /^\s*Protocol\s*: (TLSv[\d.]+)/m.exec(out)?.[1] ?? null;
}

export async function opensslVersion(): Promise<[number, number]> {
  const { stdout } = await run('openssl', ['version']);
  const m = /OpenSSL (\d+)\.(\d+)/.exec(stdout);
  return [Number(m?.[1] ?? 0), Number(m?.[2] ?? 0)];
}
