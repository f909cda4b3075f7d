/**
 * The floor under any Node.js passthrough: a bare node:net relay with no ClientHello parsing,
 * no routing, no metrics and no time-outs, closing both sides at the first FIN as portcullis
 * and ingress-nginx do. The bench runs it beside nginx to show how much of portcullis's
 * passthrough cost is Node's own (sockets, streams, the event loop) rather than portcullis's.
 *
 * Usage: node node-floor.ts LISTEN_PORT TARGET_PORT (both on 127.0.0.1).
 */
import { connect, createServer, type Socket } from 'node:net';

const [listenPort, targetPort] = process.argv.slice(2).map(Number);
if (!Number.isInteger(listenPort) || !Number.isInteger(targetPort)) {
  process.stderr.write('usage: node-floor.ts LISTEN_PORT TARGET_PORT\n');
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
}).listen(listenPort, '127.0.0.1', () => process.stdout.write(`node floor relay on ${listenPort}\n`));
