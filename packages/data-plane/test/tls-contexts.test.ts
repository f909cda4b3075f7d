/**
 * The SecureContext cache across generations: one context per certificate revision (and client
 * CA), reused while unchanged, replaced on rotation, dropped when nothing references it.
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import type { Certificate } from '@portcullis/config-model';
import { TlsContexts } from '../src/tls/index.ts';
import { certificate, issue, type Pem, table } from './tls-fixtures.ts';

let a: Pem;
let b: Pem;
let ca: Pem;
before(async () => {
  [a, b, ca] = await Promise.all([issue('a.test'), issue('b.test'), issue('CA', { ca: true })]);
});

test('unchanged revisions keep the very same SecureContext across prepare() calls', () => {
  const contexts = new TlsContexts();
  const certs: Certificate[] = [certificate('fake', a), certificate('ns/b', b)];
  const hosts = { 'b.test': { cert: 'ns/b' } };
  const first = contexts.prepare(table(certs, hosts));
  const second = contexts.prepare(table(certs, { ...hosts, 'c.test': { cert: 'ns/b' } }));
  assert.equal(second.contextFor('b.test'), first.contextFor('b.test'));
  assert.equal(second.contextFor('c.test'), first.contextFor('b.test'), 'one context per certificate');
  assert.equal(second.contextFor(null), first.contextFor(null));
  assert.equal(contexts.size, 2);
});

test('a new revision gets a new context; the old one is dropped from the cache', () => {
  const contexts = new TlsContexts();
  const hosts = { 'b.test': { cert: 'ns/b' } };
  const first = contexts.prepare(table([certificate('fake', a), certificate('ns/b', b, 'r1')], hosts));
  const rotated = contexts.prepare(table([certificate('fake', a), certificate('ns/b', a, 'r2')], hosts));
  assert.notEqual(rotated.contextFor('b.test'), first.contextFor('b.test'));
  assert.equal(contexts.size, 2);
  const gone = contexts.prepare(table([certificate('fake', a)], {}));
  assert.equal(contexts.size, 1);
  assert.equal(gone.contextFor('b.test'), gone.contextFor(null));
});

test('a host with a client CA gets its own variant of the certificate context', () => {
  const contexts = new TlsContexts();
  const clientAuth = {
    caPem: ca.cert,
    verifyClient: 'on' as const,
    verifyDepth: 1,
    passCertificateToUpstream: false,
  };
  const gen = contexts.prepare(
    table([certificate('fake', a), certificate('ns/b', b)], {
      'b.test': { cert: 'ns/b' },
      'mtls.test': { cert: 'ns/b', clientAuth },
    }),
  );
  assert.notEqual(gen.contextFor('mtls.test'), gen.contextFor('b.test'));
  assert.equal(gen.clientAuthFor('MTLS.test'), clientAuth);
  assert.equal(gen.clientAuthFor('b.test'), null);
});

test('reject-handshake: unknown and absent names get null, known ones a context', () => {
  const gen = new TlsContexts().prepare(
    table(
      [certificate('fake', a), certificate('ns/b', b)],
      { 'b.test': { cert: 'ns/b' } },
      { rejectHandshake: true },
    ),
  );
  assert.equal(gen.contextFor('nobody.test'), null);
  assert.equal(gen.contextFor(null), null);
  assert.notEqual(gen.contextFor('b.test'), null);
  assert.equal(gen.serverOptions.cert, undefined, 'the listener itself serves no certificate');
});

test('alpn follows use-http2', () => {
  const contexts = new TlsContexts();
  const on = contexts.prepare(table([certificate('fake', a)], {}));
  const off = contexts.prepare(table([certificate('fake', a)], {}, { useHttp2: false }));
  assert.equal(on.alpn(['h2', 'http/1.1']), 'h2');
  assert.equal(off.alpn(['h2', 'http/1.1']), 'http/1.1');
  assert.equal(off.alpn(['h2']), undefined);
  assert.equal(on.alpn(['http/1.1']), 'http/1.1');
});

test('a default certificate that cannot be loaded fails prepare (keep the last good generation)', () => {
  const broken = { ...certificate('fake', a), keyPem: b.key };
  assert.throws(() => new TlsContexts().prepare(table([broken], {})), /default certificate/);
});
