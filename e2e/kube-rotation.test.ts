/**
 * A TLS Secret rotated through the API server under continuous HTTPS traffic, as cert-manager
 * renews a certificate: the Secret is replaced in place (same name, new tls.crt/tls.key), the
 * watch delivers MODIFIED, the table is rebuilt with a new SecureContext for the host. Clients
 * verify the chain against the CA and the name against the SNI, so a wrong or missing
 * certificate fails a request; none may fail, and handshakes after the swap see the new one.
 */
import assert from 'node:assert/strict';
import { request } from 'node:https';
import { after, before, describe, it } from 'node:test';
import type { TLSSocket } from 'node:tls';
import { type EchoBackend, startEchoBackend } from './support/backend.ts';
import { type FakeApiServer, startFakeApiServer } from './support/fake-apiserver/index.ts';
import { applyAll, ingressObject, serviceObjects, tlsSecretObject } from './support/kube-objects.ts';
import { type KubePortcullis, startKubePortcullis } from './support/kube-portcullis.ts';
import { fingerprintOf, type IssuedCertificate, issue, sleep } from './support/tls-kit.ts';

const HOST = 'rotate.kube.test';
const CLIENTS = 4;
const RUN_MS = 3_500;
const ROTATE_AT_MS = 1_000;
/** Watch -> 75 ms coalescing -> build -> swap; a second is generous. */
const DEADLINE_MS = 1_000;

interface Sample {
  readonly startedMs: number;
  readonly fingerprint?: string;
  readonly status?: number;
  readonly error?: string;
}

/** One HTTPS GET on a fresh connection (a new handshake), verifying against `ca` with SNI = HOST. */
function verifiedGet(port: number, ca: string): Promise<{ status: number; fingerprint: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path: '/loop', servername: HOST, headers: { host: HOST }, agent: false, ca },
      (res) => {
        const fingerprint = (res.socket as TLSSocket).getPeerCertificate().fingerprint256;
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, fingerprint }));
        res.on('error', reject);
      },
    );
    req.setTimeout(3_000, () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    req.end();
  });
}

describe('kubernetes mode: TLS Secret rotation under load', { timeout: 50_000 }, () => {
  let api: FakeApiServer;
  let backend: EchoBackend;
  let portcullis: KubePortcullis;
  let ca: IssuedCertificate;
  let oldCert: IssuedCertificate;
  let newCert: IssuedCertificate;

  before(async () => {
    ca = await issue({ commonName: 'rotation CA', isCa: true });
    oldCert = await issue({ dnsNames: [HOST], issuer: ca });
    newCert = await issue({ dnsNames: [HOST], issuer: ca, keyType: 'RSA-2048' });
    api = await startFakeApiServer();
    backend = await startEchoBackend('web');
    applyAll(api, [
      ...serviceObjects('web', backend.port),
      tlsSecretObject('rotate-tls', oldCert),
      ingressObject({ name: 'rotate', host: HOST, paths: [{ service: 'web' }], tlsSecret: 'rotate-tls' }),
    ]);
    portcullis = await startKubePortcullis({ kubeconfigPath: api.kubeconfigPath });
  });

  after(async () => {
    const code = await portcullis?.stop();
    await backend?.close();
    await api?.close();
    assert.equal(code, 0, 'portcullis exits 0 on SIGTERM');
  });

  it('replaces the certificate with zero failed requests; later handshakes see the new one', async () => {
    const [oldFp, newFp] = await Promise.all([
      fingerprintOf(oldCert.certPem),
      fingerprintOf(newCert.certPem),
    ]);
    const samples: Sample[] = [];
    const t0 = Date.now();
    const client = async () => {
      while (Date.now() - t0 < RUN_MS) {
        const startedMs = Date.now() - t0;
        try {
          const res = await verifiedGet(portcullis.httpsPort, ca.certPem);
          samples.push({ startedMs, fingerprint: res.fingerprint, status: res.status });
        } catch (error) {
          samples.push({ startedMs, error: String(error) });
        }
      }
    };
    const clients = Array.from({ length: CLIENTS }, client);
    await sleep(ROTATE_AT_MS);
    const rotatedAt = Date.now() - t0;
    api.apply(tlsSecretObject('rotate-tls', newCert));
    await Promise.all(clients);

    const failed = samples.filter((s) => s.error !== undefined || s.status !== 200);
    assert.deepEqual(failed, [], 'no request fails during the rotation');
    assert.ok(samples.length > 20, `too few requests to mean anything: ${samples.length}`);
    const before = samples.filter((s) => s.startedMs < rotatedAt);
    assert.ok(before.length > 0, 'requests ran before the rotation');
    assert.ok(
      before.every((s) => s.fingerprint === oldFp),
      'before the rotation, the old certificate',
    );
    const late = samples.filter((s) => s.startedMs >= rotatedAt + DEADLINE_MS);
    assert.ok(late.length > 0, 'requests ran after the deadline');
    const stale = late.filter((s) => s.fingerprint !== newFp);
    assert.deepEqual(
      stale,
      [],
      `handshakes ${DEADLINE_MS} ms after the Secret changed see the new certificate`,
    );
  });
});
