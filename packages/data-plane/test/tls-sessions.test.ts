/**
 * Session resumption (ssl-session-cache, ssl-session-tickets, ssl-session-ticket-key) and ALPN
 * (use-http2), over real node:tls / node:http2 clients.
 */
import assert from 'node:assert/strict';
import { constants, randomBytes } from 'node:crypto';
import { connect as h2connect } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { before, describe, test } from 'node:test';
import { createServer } from 'node:tls';
import type { TlsSettings } from '@portcullis/config-model';
import { TlsContexts } from '../src/tls/index.ts';
import { SessionCache, sessionVersion, ticketKeyFrom } from '../src/tls/sessions.ts';
import { certificate, handshake, issue, listen, type Pem, table } from './tls-fixtures.ts';

let pem: Pem;
let host: Pem;
before(async () => {
  [pem, host] = await Promise.all([issue('default.test'), issue('a.test')]);
});

const gen = (tls: Partial<TlsSettings>, contexts = new TlsContexts()) =>
  contexts.prepare(
    table([certificate('fake', pem), certificate('ns/a', host)], { 'a.test': { cert: 'ns/a' } }, tls),
  );

/** Two connections; the second offers the first's session. Returns whether it was resumed. */
async function resumes(port: number, version: 'TLSv1.2' | 'TLSv1.3', secondPort = port): Promise<boolean> {
  const opts = { servername: 'a.test', maxVersion: version, minVersion: version, request: true } as const;
  const first = await handshake(port, opts);
  assert.ok(first.session, 'the client got a session');
  const second = await handshake(secondPort, { ...opts, session: first.session });
  assert.equal(second.ok, true);
  return second.reused === true;
}

describe('session resumption', () => {
  test('default (cache on, tickets off): TLS 1.2 resumes by session ID', async () => {
    const listener = await listen(gen({}));
    try {
      assert.equal(await resumes(listener.port, 'TLSv1.2'), true);
      // Node looks sessions up by the legacy session_id, which TLS 1.3 clients randomize.
      assert.equal(await resumes(listener.port, 'TLSv1.3'), false);
    } finally {
      await listener.close();
    }
  });

  test('cache off and tickets off: nothing resumes', async () => {
    const listener = await listen(gen({ sessionCache: false }));
    try {
      assert.equal(await resumes(listener.port, 'TLSv1.2'), false);
    } finally {
      await listener.close();
    }
  });

  test('TLS 1.3 only skips the session-ID cache; widening the range brings TLS 1.2 resumption back', async () => {
    const contexts = new TlsContexts();
    const only13 = gen({ protocols: ['TLSv1.3'] }, contexts);
    assert.equal(only13.session.cache, false, 'no JS session lookups for a cache that cannot hit');
    const listener = await listen(only13);
    try {
      assert.equal(await resumes(listener.port, 'TLSv1.3'), false);
      assert.equal(listener.swap(gen({ protocols: ['TLSv1.2', 'TLSv1.3'] }, contexts)), true);
      assert.equal(await resumes(listener.port, 'TLSv1.2'), true);
    } finally {
      await listener.close();
    }
  });

  test('tickets on: TLS 1.3 and TLS 1.2 resume without the cache', async () => {
    const listener = await listen(gen({ sessionTickets: true, sessionCache: false }));
    try {
      assert.equal(await resumes(listener.port, 'TLSv1.3'), true);
      assert.equal(await resumes(listener.port, 'TLSv1.2'), true);
    } finally {
      await listener.close();
    }
  });

  test('a shared ssl-session-ticket-key (48 and 80 bytes) lets another listener resume', async () => {
    for (const size of [48, 80]) {
      const key = randomBytes(size).toString('base64');
      const tls = { sessionTickets: true, sessionTicketKey: key, sessionCache: false };
      const [a, b] = await Promise.all([listen(gen(tls)), listen(gen(tls))]);
      const other = await listen(gen({ sessionTickets: true, sessionCache: false }));
      try {
        assert.equal(await resumes(a.port, 'TLSv1.3', b.port), true, `${size}-byte key`);
        assert.equal(await resumes(a.port, 'TLSv1.3', other.port), false, 'a random key does not');
      } finally {
        await Promise.all([a.close(), b.close(), other.close()]);
      }
    }
  });

  test('tickets survive a settings change when the key is random', async () => {
    const contexts = new TlsContexts();
    const listener = await listen(gen({ sessionTickets: true, sessionCache: false }, contexts));
    try {
      const opts = { servername: 'a.test', request: true } as const;
      const first = await handshake(listener.port, opts);
      assert.equal(
        listener.swap(
          gen({ sessionTickets: true, sessionCache: false, ecdhCurve: 'X25519:P-256' }, contexts),
        ),
        true,
      );
      assert.equal(
        (await handshake(listener.port, { ...opts, ...(first.session ? { session: first.session } : {}) }))
          .reused,
        true,
      );
    } finally {
      await listener.close();
    }
  });

  test('ticket keys: 48 bytes as given, 80 bytes derived deterministically, other sizes refused', () => {
    const k48 = randomBytes(48);
    assert.deepEqual(ticketKeyFrom(k48.toString('base64'), []), k48);
    const k80 = randomBytes(80).toString('base64');
    const derived = ticketKeyFrom(k80, []);
    assert.equal(derived?.length, 48);
    assert.deepEqual(derived, ticketKeyFrom(k80, []));
    const warnings: { key: string; message: string }[] = [];
    assert.equal(ticketKeyFrom(randomBytes(32).toString('base64'), warnings), undefined);
    assert.equal(warnings.length, 1);
  });

  test('the session cache is bounded, expires entries and skips TLS 1.3 sessions', async () => {
    let now = 0;
    const cache = new SessionCache(() => now);
    const tls12 = await serverSession('TLSv1.2');
    const tls13 = await serverSession('TLSv1.3');
    assert.equal(sessionVersion(tls12), 0x0303);
    assert.equal(sessionVersion(tls13), 0x0304);
    cache.store(Buffer.from([9]), tls13, 10, 3 * 256);
    assert.equal(cache.size, 0);
    for (let i = 0; i < 5; i++) cache.store(Buffer.from([i]), tls12, 10, 3 * 256);
    assert.equal(cache.size, 3);
    assert.equal(cache.lookup(Buffer.from([0])), null, 'oldest evicted');
    assert.ok(cache.lookup(Buffer.from([4])));
    now = 11_000;
    assert.equal(cache.lookup(Buffer.from([4])), null, 'expired');
  });
});

/** The DER session a server hands to 'newSession' for one handshake at `version`. */
async function serverSession(version: 'TLSv1.2' | 'TLSv1.3'): Promise<Buffer> {
  // Tickets off, or OpenSSL hands out stateless tickets and never calls 'newSession'.
  const noTicket = constants.SSL_OP_NO_TICKET;
  const server = createServer({ cert: host.cert, key: host.key, secureOptions: noTicket }, (s) => s.end('x'));
  const data = new Promise<Buffer>((resolve) => {
    server.once('newSession', (_id: Buffer, der: Buffer, done: () => void) => {
      done();
      resolve(der);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await handshake(port, { maxVersion: version, minVersion: version, request: true });
  server.close();
  return data;
}

describe('ALPN', () => {
  test('h2 and http/1.1 on the same port; use-http2 false switches at runtime', async () => {
    const contexts = new TlsContexts();
    const listener = await listen(gen({}, contexts));
    try {
      const both = { servername: 'a.test', ALPNProtocols: ['h2', 'http/1.1'], request: true };
      assert.equal((await handshake(listener.port, both)).alpn, 'h2');
      const h1 = await handshake(listener.port, { ...both, ALPNProtocols: ['http/1.1'] });
      assert.equal(h1.alpn, 'http/1.1');
      assert.equal(h1.body, '1.1');
      assert.equal(await h2Get(listener.port), '2.0');
      listener.swap(gen({ useHttp2: false }, contexts));
      const after = await handshake(listener.port, both);
      assert.equal(after.alpn, 'http/1.1');
      assert.equal(after.body, '1.1');
      const onlyH2 = await handshake(listener.port, { ...both, ALPNProtocols: ['h2'] });
      assert.equal(onlyH2.ok, false, 'no_application_protocol, as nginx');
      assert.match(String(onlyH2.error), /NO_APPLICATION_PROTOCOL/);
    } finally {
      await listener.close();
    }
  });
});

function h2Get(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const session = h2connect(`https://127.0.0.1:${port}`, {
      servername: 'a.test',
      rejectUnauthorized: false,
    });
    session.on('error', reject);
    const req = session.request({ ':path': '/', ':authority': 'a.test' });
    let body = '';
    req.on('data', (d: Buffer) => {
      body += d.toString();
    });
    req.on('end', () => {
      session.close();
      resolve(body);
    });
    req.end();
  });
}
