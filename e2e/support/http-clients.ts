/**
 * Clients for the HTTP/process e2e tests: a node:http request that sends any Host header to
 * 127.0.0.1 (no agent, so no connection reuse hides per-connection behaviour), raw byte
 * exchanges over TCP or TLS for what well-behaved clients refuse to send, and curl.
 */
import { execFile } from 'node:child_process';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { createServer, connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { promisify } from 'node:util';

export interface HttpResult {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

export interface RequestOptions {
  readonly host: string;
  readonly path?: string;
  readonly method?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  readonly timeoutMs?: number;
}

/** One HTTP/1.1 request to 127.0.0.1:port on a fresh connection. */
export function get(port: number, options: RequestOptions): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        path: options.path ?? '/',
        method: options.method ?? 'GET',
        headers: { host: options.host, ...options.headers },
        agent: false,
        timeout: options.timeoutMs ?? 5_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString(),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`request to ${options.host} timed out`)));
    req.on('error', reject);
    req.end(options.body);
  });
}

/** The JSON an echo backend (support/backend.ts or http-backends.ts) answered. */
export interface Echoed {
  readonly backend: string;
  readonly method: string;
  readonly url: string;
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly body: string;
}

export function echoed(result: HttpResult): Echoed {
  assertStatus(result, 200);
  return JSON.parse(result.body) as Echoed;
}

function assertStatus(result: HttpResult, status: number): void {
  if (result.status !== status) {
    throw new Error(`expected ${status}, got ${result.status}: ${result.body.slice(0, 300)}`);
  }
}

export interface RawResult {
  /** Everything the server wrote before closing (or before the deadline). */
  readonly text: string;
  /** True when the server closed the connection before the deadline. */
  readonly closed: boolean;
}

export interface RawOptions {
  readonly timeoutMs?: number;
  /** Speak TLS (HTTP/1.1 via ALPN) with this SNI; the certificate is not verified here. */
  readonly tlsServername?: string;
}

/** Writes bytes verbatim and collects the answer until the server closes or the deadline. */
export function rawExchange(
  port: number,
  bytes: string | Buffer,
  options: RawOptions = {},
): Promise<RawResult> {
  return new Promise((resolve, reject) => {
    const socket: Socket =
      options.tlsServername === undefined
        ? netConnect({ host: '127.0.0.1', port })
        : tlsConnect({
            host: '127.0.0.1',
            port,
            servername: options.tlsServername,
            ALPNProtocols: ['http/1.1'],
            rejectUnauthorized: false,
          });
    const chunks: Buffer[] = [];
    const finish = (closed: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ text: Buffer.concat(chunks).toString('latin1'), closed });
    };
    const timer = setTimeout(() => finish(false), options.timeoutMs ?? 3_000);
    socket.once(options.tlsServername === undefined ? 'connect' : 'secureConnect', () => socket.write(bytes));
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.once('end', () => finish(true));
    socket.once('close', () => finish(true));
    socket.once('error', (error: NodeJS.ErrnoException) => {
      // A server that resets after answering still answered; only a silent failure is an error.
      if (chunks.length > 0 || error.code === 'ECONNRESET') finish(true);
      else {
        clearTimeout(timer);
        reject(error);
      }
    });
  });
}

/** The status code of the first response line in a raw answer, or 0 when there is none. */
export function rawStatus(text: string): number {
  return Number(/^HTTP\/1\.[01] (\d{3})/.exec(text)?.[1] ?? 0);
}

const execFileAsync = promisify(execFile);

/** Runs curl (bounded by --max-time) and returns its stdout. */
export async function curl(args: readonly string[]): Promise<string> {
  const { stdout } = await execFileAsync('curl', ['-sS', '--max-time', '10', ...args], {
    maxBuffer: 64 * 1024 * 1024,
  });
  return stdout;
}

/** A port nothing listens on right now: bound to port 0 and released (for --workers, 502s). */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Rejects when `promise` has not settled within `ms` (every wait in these tests is bounded). */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: nothing within ${ms} ms`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}
