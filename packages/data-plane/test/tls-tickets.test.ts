/**
 * How many TLS 1.3 tickets the listener sends (native/tickets.c, docs/adr/0007): none while
 * ssl-session-tickets is off (OpenSSL's stateful ones cannot be redeemed by Node), OpenSSL's
 * two while it is on, switched with the settings at run time. The count is process-wide OpenSSL
 * state, so the tests run in order and the last one puts OpenSSL's default back.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { TlsSettings } from '@portcullis/config-model';
import { loadTls13TicketControl, type Tls13TicketControl, TlsContexts } from '../src/tls/index.ts';
import { certificate, handshake, issue, listen, type Pem, table } from './tls-fixtures.ts';

let pem: Pem;
let host: Pem;
let control: Tls13TicketControl;
before(async () => {
  [pem, host] = await Promise.all([issue('default.test'), issue('a.test')]);
  // Empty environment and flags: the test runner's own OPENSSL_CONF, if any, must not hide it.
  const loaded = loadTls13TicketControl(undefined, {}, []);
  if (loaded.control === null) throw new Error(`tickets addon not built: ${loaded.reason}`);
  control = loaded.control;
});
after(() => control(2));

const gen = (tls: Partial<TlsSettings>, contexts: TlsContexts) =>
  contexts.prepare(
    table([certificate('fake', pem), certificate('ns/a', host)], { 'a.test': { cert: 'ns/a' } }, tls),
  );

/** Tickets a TLS 1.3 client receives in one connection (a request, so they arrive first). */
async function ticketsFrom(port: number, version: 'TLSv1.2' | 'TLSv1.3' = 'TLSv1.3') {
  const opts = { servername: 'a.test', minVersion: version, maxVersion: version, request: true } as const;
  const first = await handshake(port, opts);
  assert.equal(first.ok, true);
  if (first.session === undefined) return { ticket: false, resumed: false };
  const second = await handshake(port, { ...opts, session: first.session });
  return { ticket: true, resumed: second.reused === true };
}

describe('TLS 1.3 ticket count', () => {
  test('without the control OpenSSL sends TLS 1.3 tickets even with tickets off, and they never resume', async () => {
    const listener = await listen(gen({}, new TlsContexts()));
    try {
      assert.deepEqual(await ticketsFrom(listener.port), { ticket: true, resumed: false });
    } finally {
      await listener.close();
    }
  });

  test('tickets off (the default): no TLS 1.3 ticket; TLS 1.2 still resumes by session ID', async () => {
    const listener = await listen(gen({}, new TlsContexts()), undefined, control);
    try {
      assert.deepEqual(await ticketsFrom(listener.port), { ticket: false, resumed: false });
      assert.deepEqual(await ticketsFrom(listener.port, 'TLSv1.2'), { ticket: true, resumed: true });
    } finally {
      await listener.close();
    }
  });

  test('switching ssl-session-tickets at run time switches TLS 1.3 tickets with it', async () => {
    const contexts = new TlsContexts();
    const counts: number[] = [];
    const listener = await listen(gen({}, contexts), undefined, (count) => {
      counts.push(count);
      control(count);
    });
    try {
      assert.deepEqual(await ticketsFrom(listener.port), { ticket: false, resumed: false });
      assert.equal(listener.swap(gen({ sessionTickets: true }, contexts)), true);
      assert.deepEqual(await ticketsFrom(listener.port), { ticket: true, resumed: true });
      assert.equal(listener.swap(gen({ sessionTickets: false }, contexts)), true);
      assert.deepEqual(await ticketsFrom(listener.port), { ticket: false, resumed: false });
      // A swap that keeps the listener's context leaves the count alone.
      assert.equal(listener.swap(gen({ sessionTickets: false }, contexts)), false);
      assert.deepEqual(counts, [0, 2, 0]);
    } finally {
      await listener.close();
    }
  });

  test('a count outside 0-10 is refused with a message', () => {
    assert.throws(() => control(11), /expected a ticket count from 0 to 10/);
    assert.throws(() => control(-1), /expected a ticket count from 0 to 10/);
  });
});

describe('loading the control', () => {
  test("an operator's OpenSSL configuration keeps the say, named in the reason", () => {
    const byEnv = loadTls13TicketControl(undefined, { OPENSSL_CONF: '/etc/ssl/fips.cnf' }, []);
    assert.equal(byEnv.control, null);
    assert.match(byEnv.reason ?? '', /OPENSSL_CONF=\/etc\/ssl\/fips\.cnf/);
    const byFlag = loadTls13TicketControl(undefined, {}, ['--openssl-config=/etc/ssl/own.cnf']);
    assert.match(byFlag.reason ?? '', /--openssl-config=\/etc\/ssl\/own\.cnf/);
    const byNodeOptions = loadTls13TicketControl(undefined, { NODE_OPTIONS: '--openssl-shared-config' }, []);
    assert.match(byNodeOptions.reason ?? '', /--openssl-shared-config/);
  });

  test('a missing or broken addon is reported, not thrown', () => {
    const missing = loadTls13TicketControl('/nonexistent/tickets.node', {}, []);
    assert.equal(missing.control, null);
    assert.match(missing.reason ?? '', /\/nonexistent\/tickets\.node is missing/);
    const garbage = join(mkdtempSync(join(tmpdir(), 'portcullis-tickets-')), 'tickets.node');
    writeFileSync(garbage, 'not an addon');
    const broken = loadTls13TicketControl(garbage, {}, []);
    assert.equal(broken.control, null);
    assert.match(broken.reason ?? '', /did not load/);
  });
});
