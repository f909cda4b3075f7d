/**
 * Shared fixtures for the passthrough tests: certificates made with openssl at test time, a
 * ClientHello captured from a real node:tls client, ClientHellos built byte by byte, and record
 * re-framing. Independent of the parser under test (record lengths are read directly).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { type AddressInfo, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ConnectionOptions, connect as tlsConnect } from 'node:tls';
import { promisify } from 'node:util';
import { loadNativeSplicer, type NativeSplicer } from '../src/passthrough/native.ts';

const run = promisify(execFile);

export interface KeyPair {
  readonly key: string;
  readonly cert: string;
}

/** Self-signed P-256 certificates, one per name (CN and the only DNS SAN). */
export async function makeCertificates(...names: string[]): Promise<Record<string, KeyPair>> {
  const dir = await mkdtemp(join(tmpdir(), 'portcullis-passthrough-'));
  try {
    const pairs: Record<string, KeyPair> = {};
    for (const name of names) {
      const key = join(dir, `${name}.key`);
      const cert = join(dir, `${name}.crt`);
      await run('openssl', [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-subj',
        `/CN=${name}`,
        '-addext',
        `subjectAltName=DNS:${name}`,
        '-days',
        '1',
        '-keyout',
        key,
        '-out',
        cert,
      ]);
      pairs[name] = { key: await readFile(key, 'utf8'), cert: await readFile(cert, 'utf8') };
    }
    return pairs;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

/** The first TLS record a real node:tls client sends (its whole ClientHello). */
export async function captureClientHello(options: ConnectionOptions): Promise<Buffer> {
  let finish: (hello: Buffer) => void = () => {};
  const captured = new Promise<Buffer>((resolve) => {
    finish = resolve;
  });
  const server = createServer((socket) => {
    let data = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      data = Buffer.concat([data, chunk]);
      if (data.length >= 5 && data.length >= 5 + data.readUInt16BE(3)) {
        finish(data.subarray(0, 5 + data.readUInt16BE(3)));
        socket.destroy();
      }
    });
  });
  const port = await listen(server);
  const client = tlsConnect({ host: '127.0.0.1', port, rejectUnauthorized: false, ...options });
  client.on('error', () => {});
  try {
    return await captured;
  } finally {
    client.destroy();
    server.close();
  }
}

/** Re-frame a single-record ClientHello into records carrying `sizes` bytes each (rest in the last). */
export function reframe(record: Buffer, sizes: readonly number[]): Buffer {
  return frame(record.subarray(5), sizes, record.readUInt16BE(1));
}

/** Wrap handshake bytes in handshake records of the given fragment sizes. */
export function frame(handshake: Buffer, sizes: readonly number[] = [], version = 0x0301): Buffer {
  const records: Buffer[] = [];
  let offset = 0;
  for (const size of [...sizes, Number.POSITIVE_INFINITY]) {
    if (offset >= handshake.length) break;
    const fragment = handshake.subarray(offset, Math.min(handshake.length, offset + size));
    const header = Buffer.alloc(5);
    header.writeUInt8(22, 0);
    header.writeUInt16BE(version, 1);
    header.writeUInt16BE(fragment.length, 3);
    records.push(header, fragment);
    offset += fragment.length;
  }
  return Buffer.concat(records);
}

const u16 = (n: number): Buffer => Buffer.from([n >> 8, n & 0xff]);
const vec8 = (b: Buffer): Buffer => Buffer.concat([Buffer.from([b.length]), b]);
const vec16 = (b: Buffer): Buffer => Buffer.concat([u16(b.length), b]);

export const extension = (type: number, data: Buffer): Buffer => Buffer.concat([u16(type), vec16(data)]);

export function sniExtension(name: string | Buffer): Buffer {
  const host = typeof name === 'string' ? Buffer.from(name, 'latin1') : name;
  return extension(0, vec16(Buffer.concat([Buffer.from([0]), vec16(host)])));
}

export function alpnExtension(protocols: readonly string[]): Buffer {
  return extension(16, vec16(Buffer.concat(protocols.map((p) => vec8(Buffer.from(p, 'latin1'))))));
}

export function versionsExtension(versions: readonly number[]): Buffer {
  return extension(43, vec8(Buffer.concat(versions.map(u16))));
}

/** A handshake message (type 1, 24-bit length, body) with the given extensions block. */
export function buildClientHello(extensions: readonly Buffer[] | null, legacyVersion = 0x0303): Buffer {
  const parts = [
    u16(legacyVersion),
    Buffer.alloc(32, 7), // random
    vec8(Buffer.alloc(32, 1)), // legacy_session_id
    vec16(Buffer.from([0x13, 0x01, 0x13, 0x02])), // cipher_suites
    vec8(Buffer.from([0])), // legacy_compression_methods
  ];
  if (extensions !== null) parts.push(vec16(Buffer.concat(extensions)));
  const body = Buffer.concat(parts);
  return Buffer.concat([
    Buffer.from([1, body.length >> 16, (body.length >> 8) & 0xff, body.length & 0xff]),
    body,
  ]);
}

/** Resolves when the peer ends or the socket closes; collects everything the peer sent. */
export function readAll(socket: Socket): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const done = (): void => resolve(Buffer.concat(chunks));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', () => {});
    socket.on('end', done);
    socket.on('close', done);
  });
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Both relays must behave the same: the JavaScript one, and the C one (built at install). */
export const relays = ['javascript', 'native'] as const;
export type Relay = (typeof relays)[number];

/** A native splicer; fails (never skips) when the addon was not built. */
export function nativeSplicerForTests(): NativeSplicer {
  const loaded = loadNativeSplicer();
  if (loaded.splicer === null) throw new Error(`native splicer not built: ${loaded.reason}`);
  return loaded.splicer;
}
