/**
 * Certificate rotation without a restart, the way cert-manager renews: the Secret changes under
 * live traffic. New handshakes must see the new certificate promptly (here within 1 s of the
 * file being rewritten) and no request may fail while the table is swapped (the swap is one
 * reference change; established connections keep their context).
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { type EchoBackend, serviceYaml, startEchoBackend, tlsSecretYaml } from './support/backend.ts';
import { type Portcullis, startPortcullis } from './support/portcullis.ts';
import {
  fingerprintOf,
  httpsGet,
  type IssuedCertificate,
  ingressYaml,
  issue,
  sleep,
} from './support/tls-kit.ts';

const HOST = 'rotate.e2e.test';
const CLIENTS = 4;
const RUN_MS = 3_500;
const ROTATE_AT_MS = 1_000;
const DEADLINE_MS = 1_000;

let backend: EchoBackend;
let portcullis: Portcullis;
let oldCert: IssuedCertificate;
let newCert: IssuedCertificate;

before(async () => {
  backend = await startEchoBackend('echo');
  oldCert = await issue({ dnsNames: [HOST] });
  newCert = await issue({ dnsNames: [HOST], keyType: 'RSA-2048' });
  portcullis = await startPortcullis({
    manifests: {
      'site.yaml': [
        serviceYaml('echo', backend.port),
        ingressYaml({
          name: 'rotate',
          hosts: [HOST],
          tls: [{ hosts: [HOST], secretName: 'rotate' }],
          service: 'echo',
        }),
      ].join('---\n'),
      'secret.yaml': tlsSecretYaml('rotate', oldCert),
    },
  });
});

after(async () => {
  assert.equal(await portcullis.stop(), 0);
  await backend.close();
});

interface Sample {
  readonly startedMs: number;
  readonly fingerprint?: string;
  readonly status?: number;
  readonly error?: string;
}

/** One client: sequential GETs, each on a new connection (a new handshake), until `endMs`. */
async function client(t0: number, endMs: number, samples: Sample[]): Promise<void> {
  while (Date.now() - t0 < endMs) {
    const startedMs = Date.now() - t0;
    try {
      const res = await httpsGet(portcullis.httpsPort, HOST, '/loop', 3_000);
      samples.push({ startedMs, fingerprint: res.fingerprint, status: res.status });
    } catch (error) {
      samples.push({ startedMs, error: String(error) });
    }
  }
}

it('rotates the certificate under continuous requests, within 1 s, with no failed request', async () => {
  const oldFp = await fingerprintOf(oldCert.certPem);
  const newFp = await fingerprintOf(newCert.certPem);
  const samples: Sample[] = [];
  const t0 = Date.now();
  const clients = Array.from({ length: CLIENTS }, () => client(t0, RUN_MS, samples));
  await sleep(ROTATE_AT_MS);
  const rotatedAt = Date.now() - t0;
  portcullis.write('secret.yaml', tlsSecretYaml('rotate', newCert));
  await Promise.all(clients);

  const failed = samples.filter((s) => s.error !== undefined || s.status !== 200);
  assert.deepEqual(failed, [], 'no request fails during the rotation');
  assert.ok(samples.length > 20, `too few requests to mean anything: ${samples.length}`);

  const before = samples.filter((s) => s.startedMs < rotatedAt);
  assert.ok(before.length > 0 && before.every((s) => s.fingerprint === oldFp), 'the old certificate first');
  const late = samples.filter((s) => s.startedMs >= rotatedAt + DEADLINE_MS);
  assert.ok(late.length > 0, 'requests were made after the deadline');
  const stale = late.filter((s) => s.fingerprint !== newFp);
  assert.deepEqual(stale, [], `handshakes ${DEADLINE_MS} ms after the rewrite all see the new certificate`);
  const firstNew = Math.min(...samples.filter((s) => s.fingerprint === newFp).map((s) => s.startedMs));
  assert.ok(firstNew - rotatedAt < DEADLINE_MS, `first new handshake after ${firstNew - rotatedAt} ms`);
});
