/**
 * Server-level settings over real handshakes: ssl-protocols (incl. legacy TLS with
 * @SECLEVEL=0), ssl-ciphers, ssl-ecdh-curve with the post-quantum default, and a settings change
 * applied to the running listener.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createSecureContext } from 'node:tls';
import type { TlsSettings } from '@portcullis/config-model';
import { defaultGroups, postQuantumSupported, TlsContexts } from '../src/tls/index.ts';
import {
  certificate,
  handshake,
  issue,
  listen,
  opensslVersion,
  type Pem,
  sClient,
  sClientProtocol,
  table,
} from './tls-fixtures.ts';

let pem: Pem;
let host: Pem;
before(async () => {
  [pem, host] = await Promise.all([issue('default.test'), issue('a.test')]);
});

async function withListener(tls: Partial<TlsSettings>, body: (port: number) => Promise<void>): Promise<void> {
  const certs = [certificate('fake', pem), certificate('ns/a', host)];
  const listener = await listen(new TlsContexts().prepare(table(certs, { 'a.test': { cert: 'ns/a' } }, tls)));
  try {
    await body(listener.port);
  } finally {
    await listener.close();
  }
}

const sni = { servername: 'a.test' };
const legacyCiphers = `${'ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES128-SHA'}`;

describe('ssl-protocols', () => {
  test('default: TLS 1.2 and 1.3 connect, TLS 1.1 fails', () =>
    withListener({}, async (port) => {
      assert.equal((await handshake(port, sni)).protocol, 'TLSv1.3');
      assert.equal((await handshake(port, { ...sni, maxVersion: 'TLSv1.2' })).protocol, 'TLSv1.2');
      const old = await handshake(port, {
        ...sni,
        minVersion: 'TLSv1.1',
        maxVersion: 'TLSv1.1',
        ciphers: 'DEFAULT:@SECLEVEL=0',
      });
      assert.equal(old.ok, false);
      const out = await sClient(port, ['-servername', 'a.test', '-tls1_1', '-cipher', 'DEFAULT:@SECLEVEL=0']);
      assert.equal(sClientProtocol(out), null);
    }));

  test('TLSv1.1 enabled: legacy clients really connect (security level lowered)', () =>
    withListener({ protocols: ['TLSv1.1', 'TLSv1.2', 'TLSv1.3'], ciphers: legacyCiphers }, async (port) => {
      const out = await sClient(port, ['-servername', 'a.test', '-tls1_1', '-cipher', 'DEFAULT:@SECLEVEL=0']);
      assert.equal(sClientProtocol(out), 'TLSv1.1', out);
      const node = await handshake(port, {
        ...sni,
        minVersion: 'TLSv1.1',
        maxVersion: 'TLSv1.1',
        ciphers: 'DEFAULT:@SECLEVEL=0',
      });
      assert.equal(node.protocol, 'TLSv1.1');
      assert.equal((await handshake(port, sni)).protocol, 'TLSv1.3');
    }));

  test('TLSv1.3 only: a TLS 1.2 client fails', () =>
    withListener({ protocols: ['TLSv1.3'] }, async (port) => {
      assert.equal((await handshake(port, { ...sni, maxVersion: 'TLSv1.2' })).ok, false);
      assert.equal((await handshake(port, sni)).protocol, 'TLSv1.3');
    }));

  test('a hole in the list (TLSv1.1 TLSv1.3) refuses TLS 1.2', () =>
    withListener({ protocols: ['TLSv1.1', 'TLSv1.3'], ciphers: legacyCiphers }, async (port) => {
      assert.equal((await handshake(port, { ...sni, maxVersion: 'TLSv1.2' })).ok, false);
      assert.equal((await handshake(port, sni)).protocol, 'TLSv1.3');
    }));
});

describe('ssl-ciphers', () => {
  test('a TLS 1.2 client offering only an unlisted cipher fails; a listed one works', () =>
    withListener({ ciphers: 'ECDHE-ECDSA-AES256-GCM-SHA384' }, async (port) => {
      const tls12 = { ...sni, maxVersion: 'TLSv1.2' as const };
      assert.equal((await handshake(port, { ...tls12, ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256' })).ok, false);
      const ok = await handshake(port, { ...tls12, ciphers: 'ECDHE-ECDSA-AES256-GCM-SHA384' });
      assert.equal(ok.cipher, 'ECDHE-ECDSA-AES256-GCM-SHA384');
      const out = await sClient(port, [
        '-servername',
        'a.test',
        '-tls1_2',
        '-cipher',
        'ECDHE-ECDSA-CHACHA20-POLY1305',
      ]);
      assert.equal(sClientProtocol(out), null);
    }));

  test('TLS 1.3 suites stay at the OpenSSL defaults (TLS_* names in ssl-ciphers are ignored)', () =>
    withListener({ ciphers: 'ECDHE-ECDSA-AES256-GCM-SHA384:TLS_AES_128_GCM_SHA256' }, async (port) => {
      const r = await handshake(port, { ...sni, ciphers: 'TLS_CHACHA20_POLY1305_SHA256' });
      assert.equal(r.cipher, 'TLS_CHACHA20_POLY1305_SHA256');
    }));

  test('the per-host ssl-ciphers annotation falls back to the global list, with a warning', async () => {
    const certs = [certificate('fake', pem), certificate('ns/a', host)];
    const hosts = { 'a.test': { cert: 'ns/a', ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256' } };
    const gen = new TlsContexts().prepare(table(certs, hosts, { ciphers: 'ECDHE-ECDSA-AES256-GCM-SHA384' }));
    assert.ok(gen.warnings.some((w) => w.message.includes('a.test')));
    const listener = await listen(gen);
    try {
      const tls12 = { ...sni, maxVersion: 'TLSv1.2' as const };
      assert.equal(
        (await handshake(listener.port, { ...tls12, ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256' })).ok,
        false,
      );
      assert.equal((await handshake(listener.port, tls12)).cipher, 'ECDHE-ECDSA-AES256-GCM-SHA384');
    } finally {
      await listener.close();
    }
  });

  test('why: OpenSSL ignores the cipher list of a context returned by SNICallback', async () => {
    // The premise behind server-level settings, checked against this runtime's OpenSSL.
    const { createServer } = await import('node:tls');
    const sniContext = createSecureContext({
      cert: host.cert,
      key: host.key,
      ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256',
    });
    const server = createServer({
      cert: pem.cert,
      key: pem.key,
      ciphers: 'ECDHE-ECDSA-AES256-GCM-SHA384',
      SNICallback: (_name, cb) => cb(null, sniContext),
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    const r = await handshake(port, {
      ...sni,
      maxVersion: 'TLSv1.2',
      ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256',
    });
    server.close();
    assert.equal(r.ok, false);
  });
});

describe('ssl-ecdh-curve', () => {
  test('the default list leads with X25519MLKEM768 where OpenSSL has it', () => {
    assert.equal(defaultGroups.startsWith('X25519MLKEM768:'), postQuantumSupported);
    assert.match(defaultGroups, /X25519:P-256:P-384$/);
  });

  test(
    'auto negotiates the hybrid group with a client that offers only it',
    { skip: !postQuantumSupported },
    () =>
      withListener({}, async (port) => {
        const r = await handshake(port, { ...sni, ecdhCurve: 'X25519MLKEM768' });
        assert.equal(r.protocol, 'TLSv1.3');
      }),
  );

  test('openssl s_client -groups X25519MLKEM768 (needs OpenSSL >= 3.5 on the client)', async (t) => {
    const [major, minor] = await opensslVersion();
    if (major < 3 || (major === 3 && minor < 5) || !postQuantumSupported) {
      t.skip(`client openssl ${major}.${minor} has no ML-KEM`);
      return;
    }
    await withListener({}, async (port) => {
      const out = await sClient(port, ['-servername', 'a.test', '-groups', 'X25519MLKEM768']);
      assert.match(out, /X25519MLKEM768/);
    });
  });

  test('auto also serves classic clients (X25519, P-256)', () =>
    withListener({}, async (port) => {
      assert.equal((await handshake(port, { ...sni, ecdhCurve: 'X25519' })).ok, true);
      const out = await sClient(port, ['-servername', 'a.test', '-groups', 'P-256']);
      assert.match(out, /Server Temp Key: ECDH, prime256v1/);
    }));

  test('an explicit list is used as given', () =>
    withListener({ ecdhCurve: 'secp384r1' }, async (port) => {
      assert.equal((await handshake(port, { ...sni, ecdhCurve: 'X25519' })).ok, false);
      assert.equal((await handshake(port, { ...sni, ecdhCurve: 'P-384' })).ok, true);
    }));

  test('an unknown group falls back to the default list with a warning', () => {
    const gen = new TlsContexts().prepare(
      table([certificate('fake', pem)], {}, { ecdhCurve: 'nosuchcurve' }),
    );
    assert.equal(gen.serverOptions.ecdhCurve, defaultGroups);
    assert.ok(gen.warnings.some((w) => w.key === 'ssl-ecdh-curve'));
  });
});

describe('runtime change', () => {
  let listener: Awaited<ReturnType<typeof listen>>;
  const contexts = new TlsContexts();
  const certs = () => [certificate('fake', pem), certificate('ns/a', host)];
  before(async () => {
    listener = await listen(contexts.prepare(table(certs(), { 'a.test': { cert: 'ns/a' } })));
  });
  after(() => listener.close());

  test('a new protocol range applies to the next handshake; an equal one is not re-applied', async () => {
    const tls12 = { ...sni, maxVersion: 'TLSv1.2' as const };
    assert.equal((await handshake(listener.port, tls12)).ok, true);
    const only13 = contexts.prepare(
      table(certs(), { 'a.test': { cert: 'ns/a' } }, { protocols: ['TLSv1.3'] }),
    );
    assert.equal(listener.swap(only13), true);
    assert.equal((await handshake(listener.port, tls12)).ok, false);
    assert.equal((await handshake(listener.port, sni)).subject, 'a.test');
    const again = contexts.prepare(
      table(certs(), { 'a.test': { cert: 'ns/a' } }, { protocols: ['TLSv1.3'] }),
    );
    assert.equal(listener.swap(again), false);
  });
});
