import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { type ClientHelloResult, parseClientHello } from '../src/passthrough/client-hello.ts';
import {
  alpnExtension,
  buildClientHello,
  captureClientHello,
  extension,
  frame,
  reframe,
  sniExtension,
  versionsExtension,
} from './passthrough-fixtures.ts';

function hello(result: ClientHelloResult) {
  assert.equal(result.kind, 'hello', JSON.stringify(result));
  return result as Extract<ClientHelloResult, { kind: 'hello' }>;
}

function assertMalformed(bytes: Buffer, pattern: RegExp): void {
  const result = parseClientHello(bytes);
  assert.equal(result.kind, 'malformed', JSON.stringify(result));
  assert.match((result as { reason: string }).reason, pattern);
}

describe('parseClientHello on real node:tls ClientHellos', () => {
  let withSni: Buffer;
  let withoutSni: Buffer;
  before(async () => {
    withSni = await captureClientHello({ servername: 'App.Example.COM', ALPNProtocols: ['h2', 'http/1.1'] });
    withoutSni = await captureClientHello({ maxVersion: 'TLSv1.2' });
  });

  it('reads SNI (lowercased), ALPN and supported_versions', () => {
    const result = hello(parseClientHello(withSni));
    assert.equal(result.serverName, 'app.example.com');
    assert.deepEqual(result.alpn, ['h2', 'http/1.1']);
    assert.equal(result.legacyVersion, 0x0303);
    assert.ok(result.supportedVersions.includes(0x0304), 'TLS 1.3 offered');
    assert.ok(result.supportedVersions.includes(0x0303), 'TLS 1.2 offered');
  });

  it('reports no server name for a client connecting by IP address', () => {
    const result = hello(parseClientHello(withoutSni));
    assert.equal(result.serverName, null);
    assert.deepEqual(result.alpn, []);
  });

  it('answers need-more for every proper prefix, with a hint that never overshoots the full hello', () => {
    for (let n = 0; n < withSni.length; n++) {
      const result = parseClientHello(withSni.subarray(0, n));
      assert.equal(result.kind, 'need-more', `prefix of ${n} bytes`);
      assert.ok(result.kind === 'need-more' && result.needed > n && result.needed <= withSni.length);
    }
  });

  it('reassembles a ClientHello split across two and across many TLS records', () => {
    for (const sizes of [[40], [3, 1, 1, 200], Array.from({ length: 400 }, () => 1)]) {
      const split = reframe(withSni, sizes);
      assert.ok(split.length > withSni.length);
      assert.deepEqual(parseClientHello(split), parseClientHello(withSni));
      const prefix = parseClientHello(split.subarray(0, split.length - 1));
      assert.equal(prefix.kind, 'need-more');
    }
  });

  it('never throws and never decides early on truncated or corrupted real hellos', () => {
    let seed = 42;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const kinds = new Set<string>();
    for (let i = 0; i < 3000; i++) {
      const copy = Buffer.from(reframe(withSni, [random(300) + 1]));
      for (let flips = random(4) + 1; flips > 0; flips--) copy[random(copy.length)] = random(256);
      const result = parseClientHello(copy.subarray(0, random(copy.length + 1)));
      kinds.add(result.kind);
      assert.ok(['need-more', 'not-tls', 'malformed', 'hello'].includes(result.kind));
    }
    assert.ok(kinds.has('malformed') && kinds.has('need-more'), [...kinds].join());
  });
});

describe('parseClientHello on constructed ClientHellos', () => {
  it('strips one trailing dot and lowercases the host_name', () => {
    const result = hello(parseClientHello(frame(buildClientHello([sniExtension('WWW.Example.org.')]))));
    assert.equal(result.serverName, 'www.example.org');
  });

  it('accepts a TLS 1.2 ClientHello without an extensions block', () => {
    const result = hello(parseClientHello(frame(buildClientHello(null))));
    assert.deepEqual(result, {
      kind: 'hello',
      serverName: null,
      alpn: [],
      legacyVersion: 0x0303,
      supportedVersions: [],
    });
  });

  it('accepts a 15 KiB ClientHello (padding, 500 ALPN names) spread over two records', () => {
    const alpn = Array.from({ length: 500 }, (_, i) => `proto-${i}`);
    const big = buildClientHello([
      sniExtension('big.test'),
      alpnExtension(alpn),
      extension(21, Buffer.alloc(10_500)),
    ]);
    assert.ok(big.length > 15_000 && big.length < 16 * 1024);
    const result = hello(parseClientHello(frame(big, [16_384])));
    assert.equal(result.serverName, 'big.test');
    assert.equal(result.alpn.length, 500);
  });

  it('rejects a ClientHello over the 16 KiB cap as soon as its header arrives', () => {
    const huge = frame(buildClientHello([extension(21, Buffer.alloc(20_000))]), [16_384]);
    assertMalformed(huge.subarray(0, 16_389), /exceeds the 16384-byte cap/);
    assert.equal(parseClientHello(huge, { maxHandshakeBytes: 32_768 }).kind, 'hello');
  });

  it('reads supported_versions and skips unknown server_name types', () => {
    const otherName = extension(0, Buffer.from([0, 11, 7, 0, 2, 0x61, 0x62, 0, 0, 3, 0x61, 0x2e, 0x62]));
    const result = hello(
      parseClientHello(frame(buildClientHello([otherName, versionsExtension([0x0304, 0x0303])]))),
    );
    assert.equal(result.serverName, 'a.b');
    assert.deepEqual(result.supportedVersions, [0x0304, 0x0303]);
  });

  it('turns away non-TLS bytes on the first byte that proves it', () => {
    assert.equal(parseClientHello(Buffer.from('G')).kind, 'not-tls');
    assert.equal(parseClientHello(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n')).kind, 'not-tls');
    assert.equal(parseClientHello(Buffer.from([0x80, 0x2e, 0x01, 0x03, 0x01])).kind, 'not-tls'); // SSLv2 hello
    assert.equal(parseClientHello(Buffer.from([0x16, 0x00])).kind, 'not-tls');
    assert.equal(parseClientHello(Buffer.from([0x16, 0x03, 0x09])).kind, 'not-tls');
    assert.equal(parseClientHello(Buffer.from([0x16, 0x03])).kind, 'need-more');
  });

  it('rejects broken framing', () => {
    const good = frame(buildClientHello([sniExtension('a.test')]));
    assertMalformed(Buffer.from([0x16, 3, 1, 0, 0]), /empty handshake record/);
    assertMalformed(Buffer.from([0x16, 3, 1, 0x40, 0x01]), /exceeds 2\^14/);
    const alertInside = Buffer.concat([
      reframe(good, [10]).subarray(0, 15),
      Buffer.from([21, 3, 3, 0, 2, 2, 40]),
    ]);
    assertMalformed(alertInside, /record type 21 inside the ClientHello/);
    const serverHello = Buffer.from(good);
    serverHello[5] = 2;
    assertMalformed(serverHello, /handshake type 2 is not ClientHello/);
  });

  it('rejects lengths that overrun their container and other RFC violations', () => {
    const cases: Array<[Buffer, RegExp]> = [
      [sniExtension(Buffer.from('a.test')).fill(0xff, 7, 9), /server name/],
      [extension(0, Buffer.from([0, 5, 0, 0, 9, 0x61, 0x62])), /server name: needs 9 bytes/],
      [sniExtension(''), /empty host_name/],
      [sniExtension('a\0b'), /byte 0x00/],
      [sniExtension('a..b'), /empty label/],
      [sniExtension('a/b'), /byte 0x2f/],
      [alpnExtension(['h2', '']), /protocol_name/],
      [extension(16, Buffer.from([0, 0])), /protocol_name_list/],
      [versionsExtension([0x0304]).fill(3, 4, 5), /supported_versions/],
    ];
    for (const [ext, pattern] of cases) assertMalformed(frame(buildClientHello([ext])), pattern);
    const twice = buildClientHello([sniExtension('a.test'), sniExtension('b.test')]);
    assertMalformed(frame(twice), /duplicate extension 0/);
    const lying = buildClientHello([alpnExtension(['h2'])]);
    lying.writeUInt16BE(0xffff, lying.length - 11); // extensions block length
    assertMalformed(frame(lying), /extensions/);
    const trailing = Buffer.concat([buildClientHello([]), Buffer.from([0])]);
    trailing.writeUIntBE(trailing.length - 4, 1, 3);
    assertMalformed(frame(trailing), /trailing bytes/);
  });
});
