/**
 * Raw-socket tools for the passthrough tests: a TLS backend that terminates TLS itself, a
 * ClientHello captured from a real node:tls client, fragmented writes, and a keep-alive TLS
 * connection driven by hand so a test can prove it survives other connections' failures.
 */
import { X509Certificate } from 'node:crypto';
import { Agent, createServer as createHttpsServer, request as httpsRequest, type Server } from 'node:https';
import {
  type AddressInfo,
  connect as connectTcp,
  createServer as createTcpServer,
  type Socket,
} from 'node:net';
import { type ConnectionOptions, connect, type TLSSocket } from 'node:tls';
import { sleep } from './tls-kit.ts';

export interface TlsBackend {
  readonly port: number;
  close(): Promise<void>;
}

/** An HTTPS server that answers `{"backend": name, "url": ...}` with its own certificate. */
export async function startTlsBackend(
  name: string,
  pair: { certPem: string; keyPem: string },
): Promise<TlsBackend> {
  const server: Server = createHttpsServer({ cert: pair.certPem, key: pair.keyPem }, (req, res) => {
    const body = JSON.stringify({ backend: name, url: req.url });
    res
      .writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) })
      .end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A Service whose clusterIP:port is the backend itself: passthrough dials the Service. */
export function passthroughServiceYaml(name: string, port: number): string {
  return `apiVersion: v1
kind: Service
metadata: { name: ${name}, namespace: default }
spec:
  clusterIP: 127.0.0.1
  ports: [{ name: https, port: ${port}, targetPort: ${port} }]
`;
}

/** The bytes a real node:tls client sends first (its ClientHello record), via a local sink. */
export async function captureClientHello(options: ConnectionOptions): Promise<Buffer> {
  const sink = createTcpServer();
  await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
  const port = (sink.address() as AddressInfo).port;
  const captured = new Promise<Buffer>((resolve, reject) => {
    sink.once('connection', (socket: Socket) => {
      let buffered = Buffer.alloc(0);
      socket.on('data', (chunk: Buffer) => {
        buffered = Buffer.concat([buffered, chunk]);
        // One TLS record: 5-byte header, then the length in bytes 3-4 (RFC 8446 §5.1).
        if (buffered.length >= 5 && buffered.length >= 5 + buffered.readUInt16BE(3)) {
          resolve(buffered.subarray(0, 5 + buffered.readUInt16BE(3)));
          socket.destroy();
        }
      });
      socket.on('error', reject);
    });
  });
  const client = connect({ host: '127.0.0.1', port, rejectUnauthorized: false, ...options });
  client.on('error', () => {});
  try {
    return await captured;
  } finally {
    client.destroy();
    sink.close();
  }
}

/**
 * Sends `bytes` 1-5 bytes per write with Nagle off and a pause between writes, so each piece
 * leaves as its own TCP segment; resolves with everything received until `until` says enough
 * (or the peer closes, or the timeout).
 */
export async function sendFragmented(
  port: number,
  bytes: Buffer,
  until: (received: Buffer) => boolean,
  timeoutMs = 8_000,
): Promise<{ received: Buffer; closed: boolean }> {
  const socket = connectTcp({ host: '127.0.0.1', port, noDelay: true });
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  socket.setNoDelay(true);
  let received = Buffer.alloc(0);
  let closed = false;
  const done = new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, timeoutMs);
    const finish = () => {
      clearTimeout(timer);
      resolve();
    };
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (until(received)) finish();
    });
    socket.on('close', () => {
      closed = true;
      finish();
    });
    socket.on('error', () => {});
  });
  let offset = 0;
  let size = 1;
  while (offset < bytes.length && !closed) {
    socket.write(bytes.subarray(offset, offset + size));
    offset += size;
    size = (size % 5) + 1;
    await sleep(1);
  }
  await done;
  socket.destroy();
  return { received, closed };
}

/** The DER bytes of a PEM certificate, to find it in a TLS 1.2 Certificate message. */
export function derOf(certPem: string): Buffer {
  return Buffer.from(new X509Certificate(certPem).raw);
}

/** One TLS connection kept alive (an Agent with a single socket) for several GETs. */
export interface KeptConnection {
  /** GET `path` on the kept connection; `reused` says whether it rode the same socket. */
  get(path: string): Promise<{ status: number; body: string; reused: boolean; fingerprint: string }>;
  close(): void;
}

export function keepConnection(port: number, servername: string): KeptConnection {
  const agent = new Agent({ keepAlive: true, maxSockets: 1, rejectUnauthorized: false, servername });
  return {
    get: (path) =>
      new Promise((resolve, reject) => {
        const req = httpsRequest(
          { host: '127.0.0.1', port, path, agent, headers: { host: servername } },
          (res) => {
            const fingerprint = (res.socket as TLSSocket).getPeerCertificate().fingerprint256;
            let body = '';
            res.setEncoding('utf8');
            res.on('data', (chunk: string) => (body += chunk));
            res.on('end', () =>
              resolve({ status: res.statusCode ?? 0, body, reused: req.reusedSocket, fingerprint }),
            );
          },
        );
        req.setTimeout(5_000, () => req.destroy(new Error('GET on the kept connection timed out')));
        req.on('error', reject);
        req.end();
      }),
    close: () => agent.destroy(),
  };
}

/** Writes `bytes` on a fresh TCP connection; resolves true when the server closes it in time. */
export async function closedAfter(port: number, bytes: Buffer | string, timeoutMs = 5_000): Promise<boolean> {
  const socket = connectTcp({ host: '127.0.0.1', port });
  socket.on('error', () => {});
  socket.resume();
  const closed = new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
  socket.once('connect', () => socket.write(bytes));
  const result = await closed;
  socket.destroy();
  return result;
}
