/**
 * ns per parseClientHello for a real node:tls ClientHello (captured from a local handshake),
 * in one record and re-framed into two. Run: pnpm exec node packages/data-plane/bench/client-hello.bench.ts
 */
import { parseClientHello } from '../src/passthrough/client-hello.ts';
import { captureClientHello, reframe } from '../test/passthrough-fixtures.ts';

const ITERATIONS = 200_000;

function measure(label: string, bytes: Buffer): void {
  let sink = 0;
  for (let i = 0; i < 10_000; i++) sink += parseClientHello(bytes).kind.length; // warm-up
  const start = process.hrtime.bigint();
  for (let i = 0; i < ITERATIONS; i++) sink += parseClientHello(bytes).kind.length;
  const ns = Number(process.hrtime.bigint() - start) / ITERATIONS;
  console.log(
    `${label.padEnd(28)} ${String(bytes.length).padStart(5)} bytes  ${ns.toFixed(0).padStart(6)} ns/parse  (${sink})`,
  );
}

const hello = await captureClientHello({
  servername: 'bench.example.com',
  ALPNProtocols: ['h2', 'http/1.1'],
});
measure('one record', hello);
measure('two records', reframe(hello, [100]));
measure('need-more (half a record)', hello.subarray(0, hello.length >> 1));
