/**
 * TLS 1.3 session tickets through the real command (docs/adr/0007): none while
 * ssl-session-tickets is off, since Node could never redeem OpenSSL's stateful ones; OpenSSL's
 * two, and resumption, once the ConfigMap turns tickets on, with no restart. An operator's own
 * OpenSSL configuration is left in charge, and the log says so.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { connect } from 'node:tls';
import { type EchoBackend, serviceYaml, startEchoBackend, tlsSecretYaml } from './support/backend.ts';
import { type Portcullis, startPortcullis } from './support/portcullis.ts';
import { configMapYaml, ingressYaml, issue, rewriteAndApply } from './support/tls-kit.ts';

const HOST = 'tickets.e2e.test';
let backend: EchoBackend;
let sites: string;

before(async () => {
  backend = await startEchoBackend('echo');
  const cert = await issue({ dnsNames: [HOST] });
  sites = [
    serviceYaml('echo', backend.port),
    ingressYaml({
      name: 'tickets',
      hosts: [HOST],
      tls: [{ hosts: [HOST], secretName: 'tickets' }],
      service: 'echo',
    }),
    tlsSecretYaml('tickets', cert),
  ].join('---\n');
});

after(() => backend.close());

interface Visit {
  readonly status: string;
  readonly session: Buffer | undefined;
  readonly reused: boolean;
}

/** One GET with Connection: close, read to the end so that tickets sent after it arrive. */
function visit(port: number, version: 'TLSv1.2' | 'TLSv1.3', session?: Buffer): Promise<Visit> {
  return new Promise((resolve, reject) => {
    const socket = connect({
      host: '127.0.0.1',
      port,
      servername: HOST,
      minVersion: version,
      maxVersion: version,
      rejectUnauthorized: false,
      ...(session === undefined ? {} : { session }),
    });
    let received: Buffer | undefined;
    let reused = false;
    let text = '';
    socket.setTimeout(5_000, () => socket.destroy(new Error('timed out')));
    socket.on('session', (s: Buffer) => {
      received = s;
    });
    socket.once('secureConnect', () => {
      reused = socket.isSessionReused();
      socket.write(`GET / HTTP/1.1\r\nHost: ${HOST}\r\nConnection: close\r\n\r\n`);
    });
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('latin1');
    });
    socket.once('error', reject);
    socket.once('close', () => resolve({ status: text.split('\r\n')[0] ?? '', session: received, reused }));
  });
}

/** Whether a second connection offering the first one's session resumed it (null: no ticket). */
async function resumes(port: number, version: 'TLSv1.2' | 'TLSv1.3'): Promise<boolean | null> {
  const first = await visit(port, version);
  assert.equal(first.status, 'HTTP/1.1 200 OK');
  if (first.session === undefined) return null;
  return (await visit(port, version, first.session)).reused;
}

describe('TLS 1.3 session tickets', () => {
  let portcullis: Portcullis;
  before(async () => {
    portcullis = await startPortcullis({
      manifests: { 'sites.yaml': sites, 'config.yaml': configMapYaml({}) },
      flags: ['--configmap', 'default/portcullis'],
    });
  });
  after(async () => {
    assert.equal(await portcullis.stop(), 0);
  });

  it('none by default, while TLS 1.2 clients still resume from the session cache', async () => {
    assert.equal(await resumes(portcullis.httpsPort, 'TLSv1.3'), null, 'no TLS 1.3 ticket');
    assert.equal(await resumes(portcullis.httpsPort, 'TLSv1.2'), true);
    assert.ok(!portcullis.logs.some((l) => l.code === 'Tls13TicketControlUnavailable'));
  });

  it('ssl-session-tickets "true" at run time: tickets arrive and resume; "false" stops them again', async () => {
    await rewriteAndApply(portcullis, 'config.yaml', configMapYaml({ 'ssl-session-tickets': 'true' }));
    assert.equal(await resumes(portcullis.httpsPort, 'TLSv1.3'), true);
    await rewriteAndApply(portcullis, 'config.yaml', configMapYaml({ 'ssl-session-tickets': 'false' }));
    assert.equal(await resumes(portcullis.httpsPort, 'TLSv1.3'), null);
  });
});

describe("an operator's OpenSSL configuration", () => {
  it('decides the ticket count; the log names it', async () => {
    const portcullis = await startPortcullis({
      manifests: { 'sites.yaml': sites },
      env: { OPENSSL_CONF: '/dev/null' },
    });
    try {
      const line = await portcullis.waitForLog((l) => l.code === 'Tls13TicketControlUnavailable');
      assert.match(String(line.reason), /OPENSSL_CONF=\/dev\/null/);
      // OpenSSL's default: two stateful tickets, which Node cannot redeem.
      assert.equal(await resumes(portcullis.httpsPort, 'TLSv1.3'), false);
    } finally {
      assert.equal(await portcullis.stop(), 0);
    }
  });
});
