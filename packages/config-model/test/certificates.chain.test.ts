import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import * as tls from 'node:tls';
import { inspectKeyPair } from '../src/certificates/index.ts';
import { objectRef } from '../src/diagnostics.ts';
import { bundle, certFixtures, intermediateCa, leafCert, NOW, type Pair } from './support/certs.ts';

const ref = objectRef('Secret', 'shop', 'web-tls');

/** Subjects of the PEM bundle, in order, as node:crypto reads them. */
function subjects(pem: string): string[] {
  return [...pem.matchAll(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g)].map(
    (m) => new X509Certificate(m[0]).subject.split('\n').find((l) => l.startsWith('CN=')) ?? '',
  );
}

/** A TLS server on 127.0.0.1 serving certPem/keyPem; a client trusting only `ca` connects to it. */
async function handshake(certPem: string, keyPem: string, ca: Pair, servername: string): Promise<void> {
  const server = tls.createServer({ cert: certPem, key: keyPem }, (socket) => socket.end());
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  try {
    const { port } = server.address() as AddressInfo;
    const socket = tls.connect({ host: '127.0.0.1', port, servername, ca: ca.certPem });
    try {
      await once(socket, 'secureConnect');
    } finally {
      socket.destroy();
    }
  } finally {
    server.close();
  }
}

describe('inspectKeyPair: chain order', () => {
  it('keeps a correctly ordered chain as is, without a warning', async () => {
    const { chain, leaf } = await certFixtures();
    const result = inspectKeyPair(chain, leaf.keyPem, ref, NOW);
    assert.deepEqual(result.diagnostics, []);
    assert.equal(result.certificate?.certPem, chain);
  });

  it('reorders root -> intermediate -> leaf to leaf -> intermediate -> root and warns', async () => {
    const { reversedChain, chain, leaf } = await certFixtures();
    const result = inspectKeyPair(reversedChain, leaf.keyPem, ref, NOW);
    assert.equal(result.certificate?.certPem, chain);
    assert.deepEqual(subjects(result.certificate?.certPem ?? ''), [
      'CN=example.com',
      'CN=Portcullis Test Intermediate CA',
      'CN=Portcullis Test Root CA',
    ]);
    assert.deepEqual(
      result.diagnostics.map((d) => [d.code, d.severity]),
      [['ChainReordered', 'warning']],
    );
    const message = result.diagnostics[0]?.message ?? '';
    assert.match(message, /not in leaf -> intermediates -> root order/);
    assert.match(message, /certificate 3 of 3/);
    assert.match(
      message,
      /serving "CN=example\.com" -> "CN=Portcullis Test Intermediate CA, O=Portcullis Tests" -> "CN=Portcullis Test Root CA/,
    );
  });

  it('moves the leaf first when the intermediate comes before it', async () => {
    const { leaf, intermediate } = await certFixtures();
    const result = inspectKeyPair(bundle(intermediate, leaf), leaf.keyPem, ref, NOW);
    assert.equal(result.certificate?.certPem, bundle(leaf, intermediate));
    assert.deepEqual(
      result.diagnostics.map((d) => d.code),
      ['ChainReordered'],
    );
  });

  it('drops certificates that are not on the leaf issuer path, in the same warning', async () => {
    const { leaf, intermediate, stranger } = await certFixtures();
    const result = inspectKeyPair(bundle(leaf, stranger, intermediate), leaf.keyPem, ref, NOW);
    assert.equal(result.certificate?.certPem, bundle(leaf, intermediate));
    assert.deepEqual(
      result.diagnostics.map((d) => d.code),
      ['ChainReordered'],
    );
    const message = result.diagnostics[0]?.message ?? '';
    assert.match(
      message,
      /dropped 1 certificate\(s\) that do not belong to the chain: "CN=stranger\.example\.org"/,
    );
    assert.doesNotMatch(message, /not in leaf -> intermediates -> root order/);
    assert.deepEqual(
      result.certificate?.facts.chain.map((c) => c.subject),
      ['CN=example.com', 'CN=Portcullis Test Intermediate CA, O=Portcullis Tests'],
    );
  });

  it('drops a certificate listed twice', async () => {
    const { leaf, intermediate } = await certFixtures();
    const result = inspectKeyPair(bundle(leaf, intermediate, intermediate), leaf.keyPem, ref, NOW);
    assert.equal(result.certificate?.certPem, bundle(leaf, intermediate));
    assert.match(
      result.diagnostics[0]?.message ?? '',
      /dropped 1 certificate\(s\) that do not belong to the chain: "CN=Portcullis Test Intermediate CA/,
    );
  });

  it('follows the real intermediate, not a same-named one with another key', async () => {
    const { leaf, intermediate, root } = await certFixtures();
    // A re-keyed intermediate under the same name: the name alone would match it.
    const impostor = await leafCert(['unused'], {
      commonName: 'Portcullis Test Intermediate CA',
      organization: 'Portcullis Tests',
      isCa: true,
      keyType: 'ECDSA-P-256',
      issuer: root,
      variant: 'impostor',
    });
    const result = inspectKeyPair(bundle(leaf, impostor, intermediate, root), leaf.keyPem, ref, NOW);
    assert.equal(result.certificate?.certPem, bundle(leaf, intermediate, root));
    assert.match(result.diagnostics[0]?.message ?? '', /dropped 1 certificate/);
  });

  it('serves a chain a client that trusts only the root accepts, once reordered', async () => {
    const { reversedChain, leaf, root } = await certFixtures();
    const result = inspectKeyPair(reversedChain, leaf.keyPem, ref, NOW);
    assert.ok(result.certificate);
    await handshake(result.certificate.certPem, result.certificate.keyPem, root, 'www.example.com');
  });

  it('serves a leaf alone when tls.crt has only the leaf', async () => {
    const { leaf } = await certFixtures();
    const result = inspectKeyPair(leaf.certPem, leaf.keyPem, ref, NOW);
    assert.deepEqual(subjects(result.certificate?.certPem ?? ''), ['CN=example.com']);
    assert.equal(result.certificate?.facts.chain.length, 1);
  });

  it('normalizes PEM text around the blocks away (openssl "subject=" lines)', async () => {
    const { leaf } = await certFixtures();
    const intermediate = await intermediateCa();
    const noisy = `subject=CN=example.com\n${leaf.certPem}\n# intermediate\n${intermediate.certPem}`;
    const result = inspectKeyPair(noisy, leaf.keyPem, ref, NOW);
    assert.deepEqual(result.diagnostics, []);
    assert.equal(result.certificate?.certPem, bundle(leaf, intermediate));
  });
});
