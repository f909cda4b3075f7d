/**
 * The C ClientHello parser (native/client_hello.h, the addon's parseHello), which decides for
 * connections accepted in C whether C routes them, against the JavaScript parser it ports
 * (src/passthrough/client-hello.ts): on every input C must answer as JavaScript does. A C hello
 * where JavaScript says malformed would splice a connection the JavaScript path refuses; another
 * name or `needed` would route or wait differently. The inputs are passthrough-client-hello's
 * corpora, then seeded mutations of real and constructed hellos.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { before, describe, it } from 'node:test';
import {
  type ClientHelloResult,
  DEFAULT_MAX_HANDSHAKE_BYTES,
  parseClientHello,
} from '../src/passthrough/client-hello.ts';
import { ADDON_PATH } from '../src/passthrough/native.ts';
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

type NativeHello =
  | { readonly kind: 'need-more'; readonly needed: number }
  | { readonly kind: 'reject' }
  | { readonly kind: 'hello'; readonly serverName: string | null; readonly usable: boolean };

interface HelloAddon {
  parseHello(buf: Buffer, maxHandshakeBytes: number): NativeHello;
}

/** HELLO_MAX_NAME: a longer name is left to JavaScript. */
const MAX_NAME = 255;

/** PORTCULLIS_HELLO_ADDON: another build exporting parseHello (the header alone, or a mutant). */
const addonPath = process.env.PORTCULLIS_HELLO_ADDON ?? ADDON_PATH;
// Fails, never skips, when the addon was not built: like the other native tests.
if (!existsSync(addonPath)) throw new Error(`${addonPath} is missing (built by native/build.mjs at install)`);
const addon = createRequire(import.meta.url)(addonPath) as HelloAddon;

/** What C must answer where JavaScript answers `result`. */
function expected(result: ClientHelloResult): NativeHello {
  switch (result.kind) {
    case 'need-more':
      return { kind: 'need-more', needed: result.needed };
    case 'not-tls':
    case 'malformed':
      return { kind: 'reject' };
    case 'hello': {
      const name = result.serverName;
      if (name === null) return { kind: 'hello', serverName: null, usable: true };
      // serverName is latin1: one char per byte.
      const usable = name.length <= MAX_NAME && !/[\u0080-\u00ff]/.test(name);
      return { kind: 'hello', serverName: usable ? name : null, usable };
    }
  }
}

function parseHello(bytes: Buffer, maxHandshakeBytes = DEFAULT_MAX_HANDSHAKE_BYTES): NativeHello {
  return addon.parseHello(bytes, maxHandshakeBytes);
}

/** Asserts that C answers as JavaScript does; returns that answer. */
function same(bytes: Buffer, label: string, maxHandshakeBytes = DEFAULT_MAX_HANDSHAKE_BYTES): NativeHello {
  const want = expected(parseClientHello(bytes, { maxHandshakeBytes }));
  assert.deepEqual(parseHello(bytes, maxHandshakeBytes), want, `${label} (cap ${maxHandshakeBytes})`);
  return want;
}

/** Every prefix, or every `step`-th and the last few (a hello of 15 KiB has 15 000 of them). */
function samePrefixes(bytes: Buffer, label: string, step = 1): void {
  for (let n = 0; n <= bytes.length; n += n >= bytes.length - 16 ? 1 : step) {
    same(bytes.subarray(0, n), `${label}, first ${n} bytes`);
  }
}

/** Record splits the JavaScript test uses, and some more. */
const splits: readonly (readonly number[])[] = [
  [40],
  [3, 1, 1, 200],
  Array.from({ length: 400 }, () => 1),
  [1, 2, 3, 4, 5],
  [4],
  [5, 7, 11, 13],
];

describe('parseHello answers as parseClientHello on its test corpora', () => {
  let withSni: Buffer;
  let withoutSni: Buffer;
  before(async () => {
    withSni = await captureClientHello({ servername: 'App.Example.COM', ALPNProtocols: ['h2', 'http/1.1'] });
    withoutSni = await captureClientHello({ maxVersion: 'TLSv1.2' });
  });

  it('real node:tls ClientHellos, every prefix, reframed into many records, under tight caps', () => {
    assert.deepEqual(same(withSni, 'with SNI'), {
      kind: 'hello',
      serverName: 'app.example.com',
      usable: true,
    });
    assert.deepEqual(same(withoutSni, 'without SNI'), { kind: 'hello', serverName: null, usable: true });
    for (const [label, hello] of [
      ['with SNI', withSni],
      ['without SNI', withoutSni],
    ] as const) {
      samePrefixes(hello, label);
      for (const sizes of splits) {
        const split = reframe(hello, sizes);
        assert.equal(same(split, `${label} in records of ${sizes.slice(0, 5)}`).kind, 'hello');
        samePrefixes(split, `${label} in records of ${sizes.slice(0, 5)}`);
      }
      // The cap is on the handshake body: the record header (5) and handshake header (4) are not in it.
      const body = hello.length - 9;
      for (const cap of [0, 1, 3, 4, 100, body - 1, body, body + 1]) {
        same(hello, label, cap);
        same(reframe(hello, [3, 1, 1, 200]), `${label} in 5 records`, cap);
      }
    }
  });

  it("the JavaScript test's truncated and corrupted real hellos", () => {
    let seed = 42;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (let i = 0; i < 3000; i++) {
      const copy = Buffer.from(reframe(withSni, [random(300) + 1]));
      for (let flips = random(4) + 1; flips > 0; flips--) copy[random(copy.length)] = random(256);
      same(copy.subarray(0, random(copy.length + 1)), `corruption ${i}`);
    }
  });

  it('constructed hellos: trailing dot, upper case, no extensions block, unknown name types', () => {
    const cases: Array<[string, Buffer, string | null]> = [
      [
        'trailing dot and upper case',
        buildClientHello([sniExtension('WWW.Example.org.')]),
        'www.example.org',
      ],
      ['no extensions block', buildClientHello(null), null],
      ['empty extensions block', buildClientHello([]), null],
      [
        'unknown name types around host_name',
        buildClientHello([
          extension(0, Buffer.from([0, 11, 7, 0, 2, 0x61, 0x62, 0, 0, 3, 0x61, 0x2e, 0x62])),
          versionsExtension([0x0304, 0x0303]),
        ]),
        'a.b',
      ],
      [
        'only an unknown name type',
        buildClientHello([extension(0, Buffer.from([0, 5, 7, 0, 2, 0x61, 0x62]))]),
        null,
      ],
      [
        'SNI, ALPN and versions',
        buildClientHello([alpnExtension(['h2']), sniExtension('x.test'), versionsExtension([0x0304])]),
        'x.test',
      ],
      ['TLS 1.0 legacy_version', buildClientHello([sniExtension('old.test')], 0x0301), 'old.test'],
    ];
    for (const [label, handshake, name] of cases) {
      const want = same(frame(handshake), label);
      assert.deepEqual(want, { kind: 'hello', serverName: name, usable: true }, label);
      samePrefixes(frame(handshake), label);
      for (const sizes of splits)
        samePrefixes(frame(handshake, sizes), `${label} in records of ${sizes.slice(0, 5)}`);
    }
  });

  it('a 15 KiB ClientHello over two records, and one over the cap', () => {
    const alpn = Array.from({ length: 500 }, (_, i) => `proto-${i}`);
    const big = buildClientHello([
      sniExtension('big.test'),
      alpnExtension(alpn),
      extension(21, Buffer.alloc(10_500)),
    ]);
    assert.ok(big.length > 15_000 && big.length < 16 * 1024);
    assert.equal(same(frame(big, [16_384]), '15 KiB').kind, 'hello');
    samePrefixes(frame(big, [16_384]), '15 KiB', 97);
    samePrefixes(frame(big, [1, 2, 3, 5000]), '15 KiB in 5 records', 89);
    const huge = frame(buildClientHello([extension(21, Buffer.alloc(20_000))]), [16_384]);
    assert.equal(same(huge.subarray(0, 16_389), 'over the cap, first record').kind, 'reject');
    assert.equal(same(huge, 'over the cap').kind, 'reject');
    assert.equal(same(huge, 'under a raised cap', 32_768).kind, 'hello');
    for (let n = 0; n <= huge.length; n += 101) same(huge.subarray(0, n), `first ${n} bytes`, 32_768);
    // Two record headers and the handshake header are not counted.
    assert.equal(same(huge, 'a cap of exactly its body', huge.length - 14).kind, 'hello');
    assert.equal(same(huge, 'a cap one under its body', huge.length - 15).kind, 'reject');
  });

  it('non-TLS first bytes and broken framing', () => {
    const rejected = [
      Buffer.from('G'),
      Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'),
      Buffer.from([0x80, 0x2e, 0x01, 0x03, 0x01]), // SSLv2 hello
      Buffer.from([0x16, 0x00]),
      Buffer.from([0x16, 0x03, 0x09]),
      Buffer.from([0x16, 3, 1, 0, 0]),
      Buffer.from([0x16, 3, 1, 0x40, 0x01]),
    ];
    const good = frame(buildClientHello([sniExtension('a.test')]));
    rejected.push(Buffer.concat([reframe(good, [10]).subarray(0, 15), Buffer.from([21, 3, 3, 0, 2, 2, 40])]));
    const serverHello = Buffer.from(good);
    serverHello[5] = 2;
    rejected.push(serverHello);
    const split = reframe(good, [2, 2]);
    for (const [at, value] of [
      [7, 23], // second record: application data
      [8, 2], // second record: version major 2
      [9, 5], // second record: version 3.5
      [10, 0], // second record: empty (length 0x0000 with the next byte)
    ] as const) {
      const broken = Buffer.from(split);
      broken[at] = value;
      if (at === 10) broken[11] = 0;
      rejected.push(broken);
    }
    const tooLong = Buffer.from(split);
    tooLong.writeUInt16BE(0x4001, 10);
    rejected.push(tooLong);
    for (const [i, bytes] of rejected.entries())
      assert.equal(same(bytes, `framing case ${i}`).kind, 'reject');
    assert.equal(same(Buffer.from([0x16, 0x03]), 'two bytes').kind, 'need-more');
    assert.equal(same(Buffer.alloc(0), 'nothing').kind, 'need-more');
    // The handshake type is judged once its 4-byte header is in: a 1-byte first record waits.
    assert.equal(same(Buffer.from([0x16, 3, 1, 0, 1, 2]), 'one handshake byte').kind, 'need-more');
    // Version 3.4 is the last known minor, in any record.
    same(Buffer.from([0x16, 3, 4, 0, 1, 1]), 'version 3.4');
  });

  it('lengths that overrun their container and the other RFC violations', () => {
    const cases: Array<[string, Buffer]> = [
      ['server name length overrun', sniExtension(Buffer.from('a.test')).fill(0xff, 7, 9)],
      ['server name past its list', extension(0, Buffer.from([0, 5, 0, 0, 9, 0x61, 0x62]))],
      ['empty server_name list', extension(0, Buffer.from([0, 0]))],
      ['server_name trailing bytes', extension(0, Buffer.from([0, 4, 0, 0, 1, 0x61, 0]))],
      ['empty host_name', sniExtension('')],
      ['NUL in host_name', sniExtension('a\0b')],
      ['space in host_name', sniExtension('a b')],
      ['DEL in host_name', sniExtension('a\x7fb')],
      ['backslash in host_name', sniExtension('a\\b')],
      ['empty label', sniExtension('a..b')],
      ['leading dot', sniExtension('.a')],
      ['only a dot', sniExtension('.')],
      ['two trailing dots', sniExtension('a..')],
      ['slash in host_name', sniExtension('a/b')],
      ['two host_names', extension(0, Buffer.from([0, 8, 0, 0, 1, 0x61, 0, 0, 1, 0x62]))],
      ['empty protocol name', alpnExtension(['h2', ''])],
      ['empty protocol list', extension(16, Buffer.from([0, 0]))],
      ['protocol list of one byte', extension(16, Buffer.from([0, 1, 0]))],
      ['ALPN trailing bytes', extension(16, Buffer.from([0, 3, 2, 0x68, 0x32, 0]))],
      ['protocol name overrun', extension(16, Buffer.from([0, 3, 5, 0x68, 0x32]))],
      ['supported_versions overrun', versionsExtension([0x0304]).fill(3, 4, 5)],
      ['odd supported_versions', extension(43, Buffer.from([3, 3, 4, 3]))],
      ['one-byte supported_versions', extension(43, Buffer.from([1, 3]))],
      ['empty supported_versions', extension(43, Buffer.from([0]))],
      ['supported_versions trailing bytes', extension(43, Buffer.from([2, 3, 4, 0]))],
      ['extension data overrun', Buffer.from([0, 21, 0, 9, 0])],
      ['half an extension header', Buffer.from([0, 21, 0])],
    ];
    const hellos: Array<[string, Buffer]> = cases.map(([label, ext]) => [label, buildClientHello([ext])]);
    hellos.push(['duplicate extension', buildClientHello([sniExtension('a.test'), sniExtension('b.test')])]);
    hellos.push([
      'duplicate unknown extension',
      buildClientHello([extension(99, Buffer.alloc(0)), extension(99, Buffer.alloc(1))]),
    ]);
    const lying = buildClientHello([alpnExtension(['h2'])]);
    lying.writeUInt16BE(0xffff, lying.length - 11); // extensions block length
    hellos.push(['extensions block overrun', lying]);
    const trailing = Buffer.concat([buildClientHello([]), Buffer.from([0])]);
    trailing.writeUIntBE(trailing.length - 4, 1, 3);
    hellos.push(['a byte after the extensions block', trailing]);
    hellos.push(...bodyViolations());
    for (const [label, handshake] of hellos) {
      assert.equal(same(frame(handshake), label).kind, 'reject', label);
      for (const sizes of splits)
        same(frame(handshake, sizes), `${label} in records of ${sizes.slice(0, 5)}`);
    }
  });
});

/** Broken fixed fields before the extensions, from a good hello (offsets per buildClientHello). */
function bodyViolations(): Array<[string, Buffer]> {
  const good = buildClientHello([sniExtension('a.test')]);
  const sessionAt = 4 + 2 + 32;
  const suitesAt = sessionAt + 1 + 32;
  const compressionAt = suitesAt + 2 + 4;
  const edit = (label: string, change: (hello: Buffer) => Buffer): [string, Buffer] => {
    const hello = change(Buffer.from(good));
    hello.writeUIntBE(hello.length - 4, 1, 3);
    return [label, hello];
  };
  const without = (hello: Buffer, at: number, count: number) =>
    Buffer.concat([hello.subarray(0, at), hello.subarray(at + count)]);
  const withBytes = (hello: Buffer, at: number, bytes: number[]) =>
    Buffer.concat([hello.subarray(0, at), Buffer.from(bytes), hello.subarray(at)]);
  return [
    edit('legacy_session_id of 33 bytes', (h) => {
      h[sessionAt] = 33;
      return withBytes(h, sessionAt + 1, [1]);
    }),
    edit('cipher_suites of 1 byte', (h) => {
      h.writeUInt16BE(1, suitesAt);
      return without(h, suitesAt + 2, 3);
    }),
    edit('cipher_suites of 3 bytes', (h) => {
      h.writeUInt16BE(3, suitesAt);
      return without(h, suitesAt + 2, 1);
    }),
    edit('no cipher_suites', (h) => {
      h.writeUInt16BE(0, suitesAt);
      return without(h, suitesAt + 2, 4);
    }),
    edit('no compression methods', (h) => {
      h[compressionAt] = 0;
      return without(h, compressionAt + 1, 1);
    }),
    edit('a truncated random', (h) => h.subarray(0, 4 + 2 + 20)),
    edit('a truncated extensions length', (h) => h.subarray(0, compressionAt + 2 + 1)),
  ];
}

/** xorshift32 (Marsaglia, 2003): the same cases on every run, so a failure names its case. */
function xorshift(seed: number): (n: number) => number {
  let x = seed | 0 || 1;
  return (n) => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) % n;
  };
}

/** A length field of a well-formed hello: `size` bytes at `at`, counting the bytes up to `end`. */
interface LengthField {
  readonly at: number;
  readonly size: 1 | 2 | 3;
  readonly end: number;
}

/**
 * Where a well-formed single-record hello keeps its length fields: mutating these, rather than
 * random bytes, is what reaches the overrun, floor and parity checks. Read independently of both
 * parsers.
 */
function lengthFields(record: Buffer): LengthField[] {
  const fields: LengthField[] = [];
  const field = (at: number, size: 1 | 2 | 3): number => {
    const end = at + size + record.readUIntBE(at, size);
    fields.push({ at, size, end });
    return end;
  };
  field(3, 2);
  field(6, 3);
  let at = 5 + 4 + 2 + 32;
  for (const size of [1, 2, 1] as const) at = field(at, size);
  if (at >= record.length) return fields;
  const extensionsEnd = field(at, 2);
  for (at += 2; at < extensionsEnd; ) {
    const type = record.readUInt16BE(at);
    const data = at + 4;
    at = field(at + 2, 2);
    if (type === 0) for (let p = data + 2, end = field(data, 2); p < end; ) p = field(p + 1, 2);
    else if (type === 16) for (let p = data + 2, end = field(data, 2); p < end; ) p = field(p, 1);
    else if (type === 43) field(data, 1);
  }
  return fields;
}

/** One length field's value nudged or replaced, the bytes left as they are. */
function tweak(bytes: Buffer, { at, size }: LengthField, random: (n: number) => number): void {
  const max = 2 ** (8 * size) - 1;
  const old = bytes.readUIntBE(at, size);
  const choices = [old - 1, old + 1, old - 2, old + 3, 0, max, random(max + 1), old + 5];
  bytes.writeUIntBE(Math.min(max, Math.max(0, choices[random(choices.length)] ?? 0)), at, size);
}

/**
 * 1-3 bytes into or out of one field's contents, and every length around it changed to match:
 * still well framed, with odd, short or long vectors and names inside.
 */
function resize(record: Buffer, fields: readonly LengthField[], random: (n: number) => number): Buffer {
  const target = fields[random(fields.length)] as LengthField;
  const start = target.at + target.size;
  const at = start + random(target.end - start + 1);
  // Sometimes all of it: empty names, lists and extensions.
  const removed =
    at === target.end || random(2) === 0
      ? 0
      : random(4) === 0
        ? target.end - at
        : Math.min(random(3) + 1, target.end - at);
  const added = removed > 0 ? [] : Array.from({ length: random(3) + 1 }, () => byte(random));
  const bytes = Buffer.concat([record.subarray(0, at), Buffer.from(added), record.subarray(at + removed)]);
  for (const field of fields) {
    // The field itself and those around it; every one of them sits before the change.
    if (field !== target && !(field.at + field.size <= target.at && target.end <= field.end)) continue;
    const value = bytes.readUIntBE(field.at, field.size) + added.length - removed;
    if (value >= 0 && value < 2 ** (8 * field.size)) bytes.writeUIntBE(value, field.at, field.size);
  }
  return bytes;
}

describe('parseHello answers as parseClientHello on mutated ClientHellos', () => {
  let bases: Array<{ readonly record: Buffer; readonly fields: readonly LengthField[] }>;
  before(async () => {
    const names = Buffer.from('0009000004612e6200070003782e79', 'hex'); // host_name a.b, type 7 x.y
    const records = [
      await captureClientHello({ servername: 'App.Example.COM', ALPNProtocols: ['h2', 'http/1.1'] }),
      await captureClientHello({ maxVersion: 'TLSv1.2', ALPNProtocols: ['http/1.1'] }),
      frame(
        buildClientHello([
          sniExtension('Svc.NS.example.'),
          alpnExtension(['h2', 'http/1.1']),
          versionsExtension([0x0304, 0x0303]),
          extension(10, Buffer.from([0, 2, 0, 29])),
        ]),
      ),
      frame(
        buildClientHello([extension(0, names), extension(0xfe0d, Buffer.alloc(3)), alpnExtension(['x'])]),
      ),
      frame(buildClientHello([sniExtension('a.b')])),
      frame(buildClientHello(null)),
    ];
    bases = records.map((record) => ({ record, fields: lengthFields(record) }));
  });

  it('answers alike on 6000 seeded mutations: flips, length tweaks, insertions, cuts, record splits', () => {
    const random = xorshift(0x9e3779b9);
    const seen = new Map<string, number>();
    for (let i = 0; i < 6000; i++) {
      const { record, fields } = bases[random(bases.length)] as (typeof bases)[number];
      let bytes: Buffer = Buffer.from(record);
      // Length fields first, while their offsets are known.
      const structural = random(3);
      if (structural === 0) {
        for (let n = random(2) + 1; n > 0; n--)
          tweak(bytes, fields[random(fields.length)] as LengthField, random);
      } else if (structural === 1) {
        bytes = resize(bytes, fields, random);
      }
      if (random(2) === 0) {
        const sizes = Array.from(
          { length: random(4) + 1 },
          () => (random(3) === 0 ? random(6) : random(bytes.length)) + 1,
        );
        bytes = reframe(bytes, sizes);
      }
      for (let n = random(2) === 0 ? 0 : random(3) + 1; n > 0; n--) bytes = mutate(bytes, random);
      if (random(4) === 0) bytes = bytes.subarray(0, random(bytes.length + 1));
      const cap = random(10) === 0 ? random(record.length + 20) : DEFAULT_MAX_HANDSHAKE_BYTES;
      const answer = same(bytes, `mutation ${i}`, cap);
      const key =
        answer.kind === 'hello' ? `hello ${answer.serverName === null ? 'unnamed' : 'named'}` : answer.kind;
      seen.set(key, (seen.get(key) ?? 0) + 1);
    }
    // The mutations must reach every answer, not only the first check that fails.
    for (const key of ['need-more', 'reject', 'hello named', 'hello unnamed']) {
      assert.ok((seen.get(key) ?? 0) >= 100, `${key}: ${JSON.stringify([...seen])}`);
    }
  });
});

/** A random byte, often one a host_name may not hold (or must lowercase, or makes unusable). */
function byte(random: (n: number) => number): number {
  return [0, 0x20, 0x2e, 0x2e, 0x2f, 0x41, 0x5c, 0x7f, 0x80, 0xff, random(256), random(256)][random(12)] ?? 0;
}

function mutate(bytes: Buffer, random: (n: number) => number): Buffer {
  const at = random(bytes.length + 1);
  switch (random(5)) {
    case 0: // one bit
      if (at < bytes.length) bytes[at] = (bytes[at] ?? 0) ^ (1 << random(8));
      return bytes;
    case 1: // one byte
      if (at < bytes.length) bytes[at] = byte(random);
      return bytes;
    case 2: // a few bytes in
      return Buffer.concat([
        bytes.subarray(0, at),
        Buffer.from(Array.from({ length: random(4) + 1 }, () => byte(random))),
        bytes.subarray(at),
      ]);
    case 3: // a few bytes out
      return Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + random(4) + 1)]);
    default: // a 16-bit field nudged
      if (at + 1 < bytes.length) bytes.writeUInt16BE((bytes.readUInt16BE(at) + random(5) - 2) & 0xffff, at);
      return bytes;
  }
}

describe('parseHello on names C leaves to JavaScript', () => {
  const name = (host: string | Buffer): Buffer => frame(buildClientHello([sniExtension(host)]));
  const labels = (length: number): string =>
    Array.from({ length: Math.ceil(length / 64) + 1 }, () => 'a'.repeat(63))
      .join('.')
      .slice(0, length)
      .replace(/\.$/, 'b');

  it('a name with bytes above 0x7f is a hello C cannot use', () => {
    for (const host of ['caf\xe9.example', 'CAF\xc9.test', '\xff', 'a.b\x80']) {
      const bytes = name(Buffer.from(host, 'latin1'));
      assert.equal(parseClientHello(bytes).kind, 'hello');
      assert.deepEqual(parseHello(bytes), { kind: 'hello', serverName: null, usable: false }, host);
      same(bytes, host);
    }
  });

  it('a name over 255 bytes is a hello C cannot use; 255, or 256 with the trailing dot, it can', () => {
    const longest = labels(255);
    assert.equal(longest.length, 255);
    assert.deepEqual(parseHello(name(longest)), { kind: 'hello', serverName: longest, usable: true });
    assert.deepEqual(parseHello(name(`${longest.toUpperCase()}.`)), {
      kind: 'hello',
      serverName: longest,
      usable: true,
    });
    for (const length of [256, 300, 10_000]) {
      const host = labels(length);
      assert.equal(parseClientHello(name(host)).kind, 'hello');
      assert.deepEqual(
        parseHello(name(host)),
        { kind: 'hello', serverName: null, usable: false },
        `${length}`,
      );
      assert.deepEqual(parseHello(name(`${host}.`)), { kind: 'hello', serverName: null, usable: false });
      same(name(host), `${length} bytes`);
    }
  });

  it('a client without a host_name is a hello C can use', () => {
    assert.deepEqual(parseHello(frame(buildClientHello(null))), {
      kind: 'hello',
      serverName: null,
      usable: true,
    });
  });

  it('throws on bad arguments', () => {
    const untyped = addon as unknown as { parseHello(...args: unknown[]): unknown };
    const empty = Buffer.alloc(0);
    for (const args of [
      [],
      [empty],
      ['x', 1],
      [empty, -1],
      [empty, 1.5],
      [empty, Number.NaN],
      [empty, '1'],
    ]) {
      assert.throws(
        () => untyped.parseHello(...args),
        { code: 'ERR_PORTCULLIS_NATIVE' },
        JSON.stringify(args),
      );
    }
  });
});
