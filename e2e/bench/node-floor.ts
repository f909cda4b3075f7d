/**
 * The floors under any Node.js proxy, for the bench to set beside nginx:
 * - a bare node:net relay with no ClientHello parsing, no routing, no metrics and no time-outs,
 *   closing both sides at the first FIN as portcullis and ingress-nginx do (passthrough);
 * - a bare tls.createServer that answers every request with a fixed 200 and closes, without
 *   parsing HTTP beyond the end of the head and without proxying (new TLS connections).
 * Each shows how much of portcullis's cost is Node's own (sockets, streams, TLSSocket, the
 * event loop, its OpenSSL) rather than portcullis's.
 *
 * Usage: node node-floor.ts RELAY_PORT TARGET_PORT TLS_PORT CERT_FILE KEY_FILE (127.0.0.1).
 */
import { readFileSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';

const [relayPort, targetPort, tlsPort] = process.argv.slice(2, 5).map(Number);
const [certFile, keyFile] = process.argv.slice(5, 7);
if (![relayPort, targetPort, tlsPort].every(Number.isInteger) || !certFile || !keyFile) {
  process.stderr.write('usage: node-floor.ts RELAY_PORT TARGET_PORT TLS_PORT CERT_FILE KEY_FILE\n');
  process.exit(2);
}

/** Writes src's data to dst with backpressure. */
function relay(src: Socket, dst: Socket): void {
  src.on('data', (chunk: Buffer) => {
    if (dst.write(chunk)) return;
    src.pause();
    dst.once('drain', () => src.resume());
  });
}

createServer({ allowHalfOpen: true, noDelay: true }, (client) => {
  const upstream = connect({
    host: '127.0.0.1',
    port: targetPort as number,
    noDelay: true,
    allowHalfOpen: true,
  });
  const closeBoth = () => {
    client.destroySoon();
    upstream.destroySoon();
  };
  const abort = () => {
    client.destroy();
    upstream.destroy();
  };
  relay(client, upstream);
  relay(upstream, client);
  client.on('end', closeBoth).on('error', abort);
  upstream.on('end', closeBoth).on('error', abort);
}).listen(relayPort, '127.0.0.1');

const RESPONSE = Buffer.from('HTTP/1.1 200 OK\r\ncontent-length: 3\r\nconnection: close\r\n\r\nok\n');
const HEAD_END = Buffer.from('\r\n\r\n');

createTlsServer({ cert: readFileSync(certFile), key: readFileSync(keyFile) }, (socket) => {
  let head = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    head = Buffer.concat([head, chunk]);
    if (head.includes(HEAD_END)) socket.end(RESPONSE);
  });
  socket.on('error', () => socket.destroy());
}).listen(tlsPort, '127.0.0.1', () => process.stdout.write(`node floors on ${relayPort} and ${tlsPort}\n`));
