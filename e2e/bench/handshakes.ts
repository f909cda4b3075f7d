/**
 * A load generator for full TLS handshakes: N concurrent loops, each opening a new connection
 * (no session offered, so never a resumption), sending one HTTP/1.1 request with
 * `Connection: close` and reading the answer to the end. wrk and h2load both resume sessions
 * when the server keeps a session cache (ingress-nginx's default ssl_session_cache shared:SSL:10m
 * does), so they measure resumptions; this measures the expensive case. Runs in the bench's
 * own process, which is pinned to the load core.
 */
import { connect } from 'node:tls';

export interface HandshakeLoad {
  readonly port: number;
  readonly serverName: string;
  readonly host: string;
  readonly connections: number;
  readonly durationMs: number;
  /**
   * Key-exchange groups the client offers (a key share for the first). Unset: Node 24's default,
   * X25519MLKEM768 first, which Debian's nginx (OpenSSL 3.0) cannot negotiate.
   */
  readonly groups?: string;
}

export interface LoadResult {
  readonly requests: number;
  readonly seconds: number;
  readonly errors: number;
  /** Milliseconds, or null when the tool reported none. */
  readonly p99Ms: number | null;
  readonly note: string;
}

function once(load: HandshakeLoad, request: Buffer): Promise<boolean> {
  return new Promise((resolve) => {
    let answer = '';
    const socket = connect({
      host: '127.0.0.1',
      port: load.port,
      servername: load.serverName,
      rejectUnauthorized: false,
      ALPNProtocols: ['http/1.1'],
      ...(load.groups === undefined ? {} : { ecdhCurve: load.groups }),
    });
    socket.setEncoding('latin1');
    socket.setTimeout(10_000, () => socket.destroy(new Error('timeout')));
    socket.once('secureConnect', () => socket.write(request));
    socket.on('data', (chunk: string) => {
      if (answer.length < 64) answer += chunk;
    });
    socket.once('end', () => socket.end());
    socket.once('close', () => resolve(answer.startsWith('HTTP/1.1 200')));
    socket.once('error', () => socket.destroy());
  });
}

export async function runHandshakes(load: HandshakeLoad): Promise<LoadResult> {
  const request = Buffer.from(`GET / HTTP/1.1\r\nHost: ${load.host}\r\nConnection: close\r\n\r\n`);
  const latencies: number[] = [];
  let errors = 0;
  const started = performance.now();
  const deadline = started + load.durationMs;
  const loop = async () => {
    while (performance.now() < deadline) {
      const begin = performance.now();
      if (await once(load, request)) latencies.push(performance.now() - begin);
      else errors++;
    }
  };
  await Promise.all(Array.from({ length: load.connections }, loop));
  const seconds = (performance.now() - started) / 1000;
  return { requests: latencies.length, seconds, errors, p99Ms: percentile(latencies, 0.99), note: '' };
}

export function percentile(values: number[], p: number): number | null {
  if (values.length === 0) return null;
  values.sort((a, b) => a - b);
  return values[Math.min(values.length - 1, Math.ceil(p * values.length) - 1)] ?? null;
}
