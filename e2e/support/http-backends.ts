/**
 * A scripted upstream for the HTTP/process e2e tests. Besides echoing the request as JSON (the
 * same echo support/backend.ts serves), it can be slow, stream a large body, digest an upload,
 * answer with hop-by-hop response headers, and speak just enough WebSocket (RFC 6455) to echo
 * one small text frame.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface ScriptedBackend {
  readonly server: Server;
  readonly port: number;
  readonly requests: IncomingMessage[];
  /** Upgraded (WebSocket) connections, which node's server no longer tracks. */
  readonly tunnels: Socket[];
  close(): Promise<void>;
}

export interface BackendOptions {
  readonly name: string;
  readonly host?: string;
  readonly port?: number;
}

/** The byte at offset i of every /download body: a pattern a truncation or reorder would break. */
export function patternBytes(length: number): Buffer {
  const out = Buffer.allocUnsafe(length);
  for (let i = 0; i < length; i++) out[i] = (i * 31 + (i >>> 11)) & 0xff;
  return out;
}

export async function startScriptedBackend(options: BackendOptions): Promise<ScriptedBackend> {
  const requests: IncomingMessage[] = [];
  const server = createServer((req, res) => {
    requests.push(req);
    const url = new URL(req.url ?? '/', 'http://backend');
    if (url.pathname === '/download') download(res, Number(url.searchParams.get('bytes')));
    else if (url.pathname === '/upload') upload(req, res);
    else if (url.pathname === '/hop-headers') hopHeaders(res);
    else {
      const delay = Number(url.searchParams.get('delay') ?? 0);
      setTimeout(() => echo(options.name, req, res), delay);
    }
  });
  const tunnels: Socket[] = [];
  server.on('upgrade', (req: IncomingMessage, socket: Socket) => {
    tunnels.push(socket);
    webSocketEcho(req, socket);
  });
  await new Promise<void>((resolve) =>
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve),
  );
  return {
    server,
    port: (server.address() as AddressInfo).port,
    requests,
    tunnels,
    close: () =>
      new Promise((resolve) => {
        for (const socket of tunnels) socket.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Answers 200 with what arrived (method, URL, headers, body, HTTP version) as JSON. */
export function echo(name: string, req: IncomingMessage, res: ServerResponse): void {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const body = JSON.stringify({
      backend: name,
      method: req.method,
      url: req.url,
      headers: req.headers,
      body: Buffer.concat(chunks).toString(),
      httpVersion: req.httpVersion,
    });
    res.writeHead(200, { 'content-type': 'application/json' }).end(body);
  });
}

/** Chunked (no Content-Length), written with backpressure: the proxy must stream, not buffer. */
function download(res: ServerResponse, bytes: number): void {
  const body = patternBytes(bytes);
  res.writeHead(200, { 'content-type': 'application/octet-stream' });
  let offset = 0;
  const pump = (): void => {
    while (offset < body.length) {
      const chunk = body.subarray(offset, offset + 64 * 1024);
      offset += chunk.length;
      if (!res.write(chunk)) {
        res.once('drain', pump);
        return;
      }
    }
    res.end();
  };
  pump();
}

function upload(req: IncomingMessage, res: ServerResponse): void {
  const hash = createHash('sha256');
  let bytes = 0;
  req.on('data', (c: Buffer) => {
    hash.update(c);
    bytes += c.length;
  });
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ bytes, sha256: hash.digest('hex') }));
  });
}

/** Fields that describe this hop only (RFC 9110 §7.6.1) plus nginx's proxy_hide_header ones. */
function hopHeaders(res: ServerResponse): void {
  res.setHeader('connection', 'keep-alive, x-hop-secret');
  res.setHeader('keep-alive', 'timeout=5');
  res.setHeader('x-hop-secret', 'listed in Connection');
  res.setHeader('x-accel-redirect', '/internal');
  res.setHeader('x-end-to-end', 'kept');
  res.end('ok');
}

/** RFC 6455 §4.2.2 handshake, then one masked client text frame echoed back unmasked. */
function webSocketEcho(req: IncomingMessage, socket: Socket): void {
  const key = req.headers['sec-websocket-key'] ?? '';
  const accept = createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
  socket.write(
    'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
      `Sec-WebSocket-Accept: ${accept}\r\n\r\n`,
  );
  socket.once('data', (frame: Buffer) => {
    const text = decodeMaskedTextFrame(frame);
    socket.write(encodeTextFrame(`echo: ${text}`, null));
  });
  // node's HTTP server keeps upgraded sockets half-open; a WebSocket peer closes on FIN.
  socket.once('end', () => socket.end());
  socket.on('error', () => socket.destroy());
}

/** A single-frame text message shorter than 126 bytes; masked when a key is given (clients must). */
export function encodeTextFrame(text: string, mask: Buffer | null): Buffer {
  const payload = Buffer.from(text);
  if (payload.length >= 126) throw new RangeError('short frames only');
  const head = Buffer.from([0x81, (mask === null ? 0 : 0x80) | payload.length]);
  if (mask === null) return Buffer.concat([head, payload]);
  const masked = payload.map((byte, i) => byte ^ (mask[i % 4] ?? 0));
  return Buffer.concat([head, mask, masked]);
}

export function decodeMaskedTextFrame(frame: Buffer): string {
  const length = (frame[1] ?? 0) & 0x7f;
  const masked = ((frame[1] ?? 0) & 0x80) !== 0;
  const offset = masked ? 6 : 2;
  const mask = frame.subarray(2, 6);
  const payload = frame.subarray(offset, offset + length);
  return Buffer.from(masked ? payload.map((byte, i) => byte ^ (mask[i % 4] ?? 0)) : payload).toString();
}
