/**
 * Certificate selection over real handshakes: SNI, no SNI, unknown names, ssl-reject-handshake,
 * and rotations that reach the next handshake without restarting the listener.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { TlsContexts } from '../src/tls/index.ts';
import { certificate, handshake, issue, listen, type Pem, sClient, table } from './tls-fixtures.ts';

let pems: Record<string, Pem>;
before(async () => {
  const names = ['default.test', 'a.test', 'b.test', 'a2.test', 'default2.test', '*.wild.test'];
  pems = Object.fromEntries(await Promise.all(names.map(async (n) => [n, await issue(n)] as const)));
});

const certs = () => [
  certificate('fake', pems['default.test'] as Pem),
  certificate('ns/a', pems['a.test'] as Pem),
  certificate('ns/b', pems['b.test'] as Pem),
  certificate('ns/wild', pems['*.wild.test'] as Pem),
];
const hosts = {
  'a.test': { cert: 'ns/a' },
  'b.test': { cert: 'ns/b' },
  '*.wild.test': { cert: 'ns/wild' },
  'plain.test': { cert: null },
};

describe('certificate selection', () => {
  let listener: Awaited<ReturnType<typeof listen>>;
  before(async () => {
    listener = await listen(new TlsContexts().prepare(table(certs(), hosts)));
  });
  after(() => listener.close());

  test('SNI picks the host certificate, case-insensitively and through wildcards', async () => {
    assert.equal((await handshake(listener.port, { servername: 'a.test' })).subject, 'a.test');
    assert.equal((await handshake(listener.port, { servername: 'B.TEST' })).subject, 'b.test');
    assert.equal((await handshake(listener.port, { servername: 'x.wild.test' })).subject, '*.wild.test');
  });

  test('no SNI and unknown names get the default certificate', async () => {
    assert.equal((await handshake(listener.port, { servername: '' })).subject, 'default.test');
    assert.equal((await handshake(listener.port, { servername: 'nobody.test' })).subject, 'default.test');
    const out = await sClient(listener.port, ['-noservername']);
    assert.match(out, /subject=CN ?= ?default\.test/);
  });

  test('openssl s_client sees the SNI certificate', async () => {
    const out = await sClient(listener.port, ['-servername', 'b.test']);
    assert.match(out, /subject=CN ?= ?b\.test/);
  });
});

describe('ssl-reject-handshake', () => {
  let listener: Awaited<ReturnType<typeof listen>>;
  before(async () => {
    listener = await listen(new TlsContexts().prepare(table(certs(), hosts, { rejectHandshake: true })));
  });
  after(() => listener.close());

  test('known names keep working', async () => {
    assert.equal((await handshake(listener.port, { servername: 'a.test' })).subject, 'a.test');
    assert.equal((await handshake(listener.port, { servername: 'y.wild.test' })).subject, '*.wild.test');
  });

  test('a known host without spec.tls still gets the default certificate, as in nginx', async () => {
    assert.equal((await handshake(listener.port, { servername: 'plain.test' })).subject, 'default.test');
  });

  test('an unknown name is refused with a handshake_failure alert', async () => {
    const result = await handshake(listener.port, { servername: 'nobody.test' });
    assert.equal(result.ok, false);
    assert.match(String(result.error), /HANDSHAKE_FAILURE/);
    const out = await sClient(listener.port, ['-servername', 'nobody.test']);
    assert.match(out, /alert handshake failure/);
    assert.ok(
      listener.errors.some((e) => e.result === 'unknown_server_name' && e.servername === 'nobody.test'),
    );
  });

  test('a ClientHello without SNI is refused too (nginx default server)', async () => {
    const result = await handshake(listener.port, { servername: '' });
    assert.equal(result.ok, false);
    const out = await sClient(listener.port, ['-noservername']);
    assert.match(out, /alert handshake failure/);
  });
});

describe('rotation without restart', () => {
  test('a rotated host certificate is served on the next handshake', async () => {
    const contexts = new TlsContexts();
    const listener = await listen(contexts.prepare(table(certs(), hosts)));
    try {
      const rotated = [
        ...certs().slice(0, 1),
        certificate('ns/a', pems['a2.test'] as Pem, 'rev-2'),
        ...certs().slice(2),
      ];
      assert.equal(listener.swap(contexts.prepare(table(rotated, hosts))), false, 'no server-level change');
      assert.equal((await handshake(listener.port, { servername: 'a.test' })).subject, 'a2.test');
      assert.equal((await handshake(listener.port, { servername: 'b.test' })).subject, 'b.test');
    } finally {
      await listener.close();
    }
  });

  test('a rotated default certificate reaches no-SNI clients through applyGeneration', async () => {
    const contexts = new TlsContexts();
    const listener = await listen(contexts.prepare(table(certs(), hosts)));
    try {
      const rotated = [certificate('fake', pems['default2.test'] as Pem, 'rev-2'), ...certs().slice(1)];
      assert.equal(listener.swap(contexts.prepare(table(rotated, hosts))), true);
      assert.equal((await handshake(listener.port, { servername: '' })).subject, 'default2.test');
      assert.equal((await handshake(listener.port, { servername: 'unknown.test' })).subject, 'default2.test');
    } finally {
      await listener.close();
    }
  });
});
