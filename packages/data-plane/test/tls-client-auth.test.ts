/**
 * auth-tls-verify-client per host: the certificate is requested only for hosts that want one,
 * verified against that host's CA, and judged at the request stage with nginx's 400 answers.
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { connect as h2connect } from 'node:http2';
import { after, before, describe, test } from 'node:test';
import type { ClientAuth, VerifyClient } from '@portcullis/config-model';
import { clientCertificateStatus, TlsContexts, type TlsGeneration } from '../src/tls/index.ts';
import { certificate, handshake, issue, type Listener, listen, type Pem, table } from './tls-fixtures.ts';

let pki: Record<'server' | 'ca' | 'otherCa' | 'intermediate' | 'client' | 'deepClient' | 'selfSigned', Pem>;
before(async () => {
  const [server, ca, otherCa, selfSigned] = await Promise.all([
    issue('server.test'),
    issue('Client CA', { ca: true }),
    issue('Other CA', { ca: true }),
    issue('mallory'),
  ]);
  const [client, intermediate] = await Promise.all([
    issue('alice', { issuer: ca }),
    issue('Intermediate CA', { issuer: ca, ca: true }),
  ]);
  const deepClient = await issue('bob', { issuer: intermediate });
  pki = { server, ca, otherCa, intermediate, client, deepClient, selfSigned };
  await startListener();
});

const auth = (verifyClient: VerifyClient, caPem = pki.ca.cert, verifyDepth = 1): ClientAuth => ({
  caPem,
  verifyClient,
  verifyDepth,
  passCertificateToUpstream: true,
});

let listener: Listener;
let gen: TlsGeneration;
async function startListener(): Promise<void> {
  const hosts = {
    'on.test': { cert: 'srv', clientAuth: auth('on') },
    'optional.test': { cert: 'srv', clientAuth: auth('optional') },
    'noca.test': { cert: 'srv', clientAuth: auth('optional_no_ca') },
    'other.test': { cert: 'srv', clientAuth: auth('on', pki.otherCa.cert) },
    'shallow.test': { cert: 'srv', clientAuth: auth('on', pki.ca.cert, 0) },
    'open.test': { cert: 'srv' },
  };
  gen = new TlsContexts().prepare(
    table([certificate('fake', pki.server), certificate('srv', pki.server)], hosts),
  );
  // The request stage as the HTTP helper will do it: the Host's server decides.
  listener = await listen(gen, (req, res) => {
    const host = String(req.headers.host ?? req.headers[':authority'] ?? '');
    const status = clientCertificateStatus(req.socket, gen.clientAuthFor(host));
    const cn =
      status.certPem === undefined
        ? '-'
        : /CN=([^\n,]+)/.exec(new X509Certificate(status.certPem).subject)?.[1];
    res.statusCode = status.status ?? 200;
    res.end(`${status.status ?? 200} ${status.reason ?? 'ok'} ${cn}`);
  });
}
after(() => listener.close());

const get = (servername: string, cert?: Pem, extra: { hostHeader?: string; maxVersion?: 'TLSv1.2' } = {}) =>
  handshake(listener.port, {
    servername,
    request: true,
    ALPNProtocols: ['http/1.1'],
    ...(cert ? { cert: [cert.cert], key: cert.key } : {}),
    ...extra,
  }).then((r) => (r.ok ? r.body : `failed: ${r.error}`));

describe('verify-client on', () => {
  test('a certificate from the CA passes, over TLS 1.3 and 1.2', async () => {
    assert.equal(await get('on.test', pki.client), '200 ok alice');
    assert.equal(await get('on.test', pki.client, { maxVersion: 'TLSv1.2' }), '200 ok alice');
  });

  test('no certificate: 400 No required SSL certificate was sent', async () => {
    assert.equal(await get('on.test'), '400 No required SSL certificate was sent -');
  });

  test('a certificate from another issuer: 400 The SSL certificate error', async () => {
    assert.equal(await get('on.test', pki.selfSigned), '400 The SSL certificate error mallory');
    assert.equal(await get('other.test', pki.client), '400 The SSL certificate error alice');
  });

  test('verify depth: an intermediate passes depth 1 and fails depth 0', async () => {
    const chain = { cert: pki.deepClient.cert + pki.intermediate.cert, key: pki.deepClient.key };
    assert.equal(await get('on.test', chain), '200 ok bob');
    assert.equal(await get('shallow.test', chain), '400 The SSL certificate error bob');
    assert.equal(await get('shallow.test', pki.client), '200 ok alice');
  });

  test('a Host whose CA the handshake did not verify against gets 421, as nginx', async () => {
    assert.equal(await get('open.test', pki.client, { hostHeader: 'on.test' }), '421 Misdirected Request -');
    assert.equal(await get('other.test', pki.client, { hostHeader: 'on.test' }), '421 Misdirected Request -');
    assert.equal(
      await get('on.test', pki.client, { hostHeader: 'optional.test' }),
      '200 ok alice',
      'same CA',
    );
  });

  test('a resumed TLS 1.2 session keeps its certificate, but only for a host trusting its CA', async () => {
    const base = {
      request: true,
      ALPNProtocols: ['http/1.1'],
      maxVersion: 'TLSv1.2' as const,
      cert: pki.client.cert,
      key: pki.client.key,
    };
    const first = await handshake(listener.port, { ...base, servername: 'on.test' });
    assert.equal(first.body, '200 ok alice');
    assert.ok(first.session);
    const again = await handshake(listener.port, { ...base, servername: 'on.test', session: first.session });
    assert.equal(again.reused, true);
    assert.equal(again.body, '200 ok alice');
    const elsewhere = await handshake(listener.port, {
      ...base,
      servername: 'other.test',
      session: first.session,
    });
    assert.notEqual(elsewhere.body?.slice(0, 3), '200', `resumed=${elsewhere.reused} ${elsewhere.body}`);
  });

  test('works on HTTP/2 connections too', async () => {
    const body = await new Promise<string>((resolve, reject) => {
      const session = h2connect(`https://127.0.0.1:${listener.port}`, {
        servername: 'on.test',
        rejectUnauthorized: false,
        cert: pki.client.cert,
        key: pki.client.key,
      });
      session.on('error', reject);
      const req = session.request({ ':path': '/', ':authority': 'on.test' });
      let data = '';
      req.on('data', (d: Buffer) => {
        data += d.toString();
      });
      req.on('end', () => {
        session.close();
        resolve(data);
      });
      req.end();
    });
    assert.equal(body, '200 ok alice');
  });
});

describe('other modes', () => {
  test('optional: no certificate passes, a valid one is passed on, a bad one is 400', async () => {
    assert.equal(await get('optional.test'), '200 ok -');
    assert.equal(await get('optional.test', pki.client), '200 ok alice');
    assert.equal(await get('optional.test', pki.selfSigned), '400 The SSL certificate error mallory');
  });

  test('optional_no_ca: any certificate is passed on', async () => {
    assert.equal(await get('noca.test', pki.selfSigned), '200 ok mallory');
  });

  test('hosts without auth-tls do not ask: the client keeps its certificate to itself', async () => {
    assert.equal(await get('open.test', pki.client), '200 ok -');
    assert.equal(await get('open.test', pki.client, { maxVersion: 'TLSv1.2' }), '200 ok -');
  });
});
