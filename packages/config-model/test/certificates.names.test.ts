import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { describe, it } from 'node:test';
import { inspectKeyPair } from '../src/certificates/index.ts';
import { decodeName } from '../src/certificates/names.ts';
import { objectRef } from '../src/diagnostics.ts';
import { certFixtures, NOW } from './support/certs.ts';

// A hand-rolled DER encoder, so the names under test contain exactly the bytes we intend.
function tlv(tag: number, content: Uint8Array): Uint8Array {
  const n = content.length;
  const length = n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : [0x82, n >> 8, n & 0xff];
  return Uint8Array.from([tag, ...length, ...content]);
}
function oid(dotted: string): Uint8Array {
  const [a = 0, b = 0, ...rest] = dotted.split('.').map(Number);
  const bytes = [a * 40 + b];
  for (const arc of rest) {
    const groups = [arc & 0x7f];
    for (let v = arc >> 7; v > 0; v >>= 7) groups.unshift((v & 0x7f) | 0x80);
    bytes.push(...groups);
  }
  return tlv(0x06, Uint8Array.from(bytes));
}
const UTF8 = 0x0c;
const PRINTABLE = 0x13;
const BMP = 0x1e;
type Atom = [type: string, tag: number, value: Uint8Array | string];
/** Name from RDNs in DER order (most significant first), each a list of attributes. */
function name(...rdns: Atom[][]): Uint8Array {
  const encode = ([type, tag, value]: Atom) =>
    tlv(
      0x30,
      Uint8Array.from([...oid(type), ...tlv(tag, typeof value === 'string' ? Buffer.from(value) : value)]),
    );
  return tlv(
    0x30,
    Uint8Array.from(
      rdns.flatMap((rdn) => [...tlv(0x31, Uint8Array.from(rdn.flatMap((a) => [...encode(a)])))]),
    ),
  );
}
const CN = '2.5.4.3';
const O = '2.5.4.10';
const C = '2.5.4.6';

describe('distinguished names in RFC 4514 form', () => {
  const cases: [string, Uint8Array, string, string | null][] = [
    [
      'last RDN first',
      name([[C, PRINTABLE, 'DE']], [[O, UTF8, 'Acme']], [[CN, UTF8, 'www.example.com']]),
      'CN=www.example.com, O=Acme, C=DE',
      'www.example.com',
    ],
    [
      '§2.4 escapes',
      name([[O, UTF8, 'Acme, Inc. "R+D" <x>;\\']]),
      'O=Acme\\, Inc. \\"R\\+D\\" \\<x\\>\\;\\\\',
      null,
    ],
    ['leading space or # and trailing space', name([[CN, UTF8, ' #tag ']]), 'CN=\\ #tag\\ ', ' #tag '],
    ['leading #', name([[CN, UTF8, '#tag']]), 'CN=\\#tag', '#tag'],
    ['UTF-8 text as is', name([[CN, UTF8, 'bücher.example']]), 'CN=bücher.example', 'bücher.example'],
    ['BMPString', name([[CN, BMP, Buffer.from('bü', 'utf16le').swap16()]]), 'CN=bü', 'bü'],
    [
      'multi-valued RDN joined with +',
      name([
        [CN, UTF8, 'a'],
        ['2.5.4.11', UTF8, 'b'],
      ]),
      'CN=a+OU=b',
      'a',
    ],
    [
      'domain components',
      name([['0.9.2342.19200300.100.1.25', 0x16, 'com']], [[CN, UTF8, 'x']]),
      'CN=x, DC=com',
      'x',
    ],
    ['dotted OID: # + hex of the BER', name([['1.2.3.4', UTF8, 'abc']]), '1.2.3.4=#0c03616263', null],
    ['non-string value: # + hex', name([[O, 0x04, Uint8Array.of(1, 2)]]), 'O=#04020102', null],
    [
      'the most specific CN',
      name([[CN, UTF8, 'outer']], [[CN, UTF8, 'inner']]),
      'CN=inner, CN=outer',
      'inner',
    ],
    ['empty name', name(), '', null],
  ];
  for (const [title, der, text, commonName] of cases) {
    it(title, () => {
      assert.deepEqual(decodeName(der), { text, commonName });
    });
  }

  it('agrees with OpenSSL, in reverse order, on every certificate of the test chain', async () => {
    const { chain, leaf } = await certFixtures();
    const facts = inspectKeyPair(chain, leaf.keyPem, objectRef('Secret', 'ns', 'n'), NOW).certificate?.facts;
    const openssl = [...chain.matchAll(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g)].map(
      (m) => {
        const cert = new X509Certificate(m[0]);
        const rfc4514 = (dn: string) => dn.split('\n').reverse().join(', ');
        return { subject: rfc4514(cert.subject), issuer: rfc4514(cert.issuer) };
      },
    );
    assert.deepEqual(facts?.chain, openssl);
  });
});
