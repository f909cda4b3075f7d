/**
 * Certificate failures, as a user sees them: ingress-nginx serves its default certificate for a
 * host whose Secret is unusable (and logs why), so the site stays reachable with a warning in the
 * browser instead of going dark. Each case names the Secret and a stable reason code in the log.
 * Fixable problems are fixed (a chain in the wrong order) or only warned about (expiry).
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type EchoBackend, serviceYaml, startEchoBackend, tlsSecretYaml } from './support/backend.ts';
import { type LogLine, type Portcullis, startPortcullis } from './support/portcullis.ts';
import {
  fingerprintOf,
  handshake,
  httpsGet,
  type IssuedCertificate,
  ingressYaml,
  issue,
  missingTool,
  pemBlocks,
  sClient,
} from './support/tls-kit.ts';

const FAKE_CN = 'Kubernetes Ingress Controller Fake Certificate';
const DAY_MS = 86_400_000;

let backend: EchoBackend;
let portcullis: Portcullis;
let root: IssuedCertificate;
let chainLeaf: IssuedCertificate;
let expired: IssuedCertificate;

/** One Ingress per host `<name>.e2e.test`, each with its own tls entry and Secret name. */
function site(name: string, secretName = name): string {
  const host = `${name}.e2e.test`;
  return ingressYaml({ name, hosts: [host], tls: [{ hosts: [host], secretName }], service: 'echo' });
}

function rawSecretYaml(name: string, data: Readonly<Record<string, string>>): string {
  const lines = Object.entries(data)
    .map(([k, v]) => `  ${k}: ${Buffer.from(v).toString('base64')}\n`)
    .join('');
  return `apiVersion: v1
kind: Secret
metadata: { name: ${name}, namespace: default }
type: kubernetes.io/tls
data:
${lines}`;
}

before(async () => {
  backend = await startEchoBackend('echo');
  const a = await issue({ dnsNames: ['mismatch.e2e.test'] });
  const b = await issue({ dnsNames: ['mismatch.e2e.test'] });
  const good = await issue({ dnsNames: ['nokey.e2e.test'] });
  const elsewhere = await issue({ dnsNames: ['elsewhere.e2e.test'] });
  const weak = await issue({ dnsNames: ['weak.e2e.test'], keyType: 'RSA-1024' });
  root = await issue({ commonName: 'e2e root', isCa: true });
  const intermediate = await issue({ commonName: 'e2e intermediate', isCa: true, issuer: root });
  chainLeaf = await issue({ dnsNames: ['chain.e2e.test'], issuer: intermediate });
  expired = await issue({
    dnsNames: ['expired.e2e.test'],
    notBefore: new Date(Date.now() - 10 * DAY_MS),
    notAfter: new Date(Date.now() - DAY_MS),
  });
  const docs = [
    serviceYaml('echo', backend.port),
    site('mismatch'),
    tlsSecretYaml('mismatch', { certPem: a.certPem, keyPem: b.keyPem }),
    site('garbage'),
    rawSecretYaml('garbage', { 'tls.crt': 'this is not a PEM certificate\n', 'tls.key': good.keyPem }),
    site('nokey'),
    rawSecretYaml('nokey', { 'tls.crt': good.certPem }),
    site('missing', 'no-such-secret'),
    site('uncovered'),
    tlsSecretYaml('uncovered', elsewhere),
    site('weak'),
    tlsSecretYaml('weak', weak),
    site('chain'),
    // Intermediate first, then the leaf: the order a hand-made bundle often has.
    tlsSecretYaml('chain', { certPem: intermediate.certPem + chainLeaf.certPem, keyPem: chainLeaf.keyPem }),
    site('expired'),
    tlsSecretYaml('expired', expired),
  ];
  portcullis = await startPortcullis({ manifests: { 'sites.yaml': docs.join('---\n') } });
});

after(async () => {
  assert.equal(await portcullis.stop(), 0);
  await backend.close();
});

function logFor(code: string, object: string, mentions?: string): LogLine | undefined {
  return portcullis.logs.find(
    (l) =>
      l.code === code && l.object === object && (mentions === undefined || String(l.msg).includes(mentions)),
  );
}

/** The host is still served, over TLS, with the default (fake) certificate. */
async function assertDefaultCertificate(host: string): Promise<void> {
  const shake = await handshake(portcullis.httpsPort, { servername: host });
  assert.equal(shake.cert.subject.CN, FAKE_CN, `${host} should fall back to the default certificate`);
  const res = await httpsGet(portcullis.httpsPort, host, '/still-routed');
  assert.equal(res.status, 200);
  assert.equal((JSON.parse(res.body) as { url: string }).url, '/still-routed');
}

describe('an unusable certificate falls back to the default certificate', () => {
  const cases: readonly { host: string; code: string; object: string; mentions?: string }[] = [
    { host: 'mismatch', code: 'PrivateKeyMismatch', object: 'Secret default/mismatch' },
    { host: 'garbage', code: 'CertificateInvalid', object: 'Secret default/garbage' },
    { host: 'nokey', code: 'SecretMissingKey', object: 'Secret default/nokey (tls.key)' },
    {
      host: 'missing',
      code: 'SecretNotFound',
      object: 'Ingress default/missing (spec.tls[0].secretName)',
      mentions: 'default/no-such-secret',
    },
    {
      host: 'uncovered',
      code: 'CertificateHostMismatch',
      object: 'Ingress default/uncovered (spec.tls[0].secretName)',
      mentions: 'default/uncovered',
    },
    { host: 'weak', code: 'WeakKey', object: 'Secret default/weak', mentions: '1024' },
  ];
  for (const c of cases) {
    it(`${c.host}: ${c.code}`, async () => {
      await assertDefaultCertificate(`${c.host}.e2e.test`);
      const line = logFor(c.code, c.object, c.mentions);
      assert.ok(
        line,
        `expected a ${c.code} log line for ${c.object}; logs:\n${portcullis.logs.map((l) => JSON.stringify(l)).join('\n')}`,
      );
      assert.equal(line.level, 'error');
    });
  }
});

describe('fixable certificate problems', () => {
  it('serves a chain given in the wrong order leaf first, verifiable from the root alone', async (t) => {
    const skip = missingTool('openssl');
    if (skip !== undefined) return t.skip(skip);
    const rootFile = join(portcullis.dir, 'root.pem');
    writeFileSync(rootFile, root.certPem);
    const out = await sClient(portcullis.httpsPort, [
      '-servername',
      'chain.e2e.test',
      '-showcerts',
      '-CAfile',
      rootFile,
      '-verify_return_error',
    ]);
    const blocks = pemBlocks(out.stdout);
    assert.equal(blocks.length, 2, out.stdout);
    assert.equal(await fingerprintOf(blocks[0] ?? ''), await fingerprintOf(chainLeaf.certPem));
    assert.match(out.stdout, /Verify return code: 0 \(ok\)/);
    // node:tls with only the root as trust anchor and host-name checking on.
    const shake = await handshake(portcullis.httpsPort, { servername: 'chain.e2e.test', ca: root.certPem });
    assert.equal(shake.fingerprint, await fingerprintOf(chainLeaf.certPem));
    assert.ok(logFor('ChainReordered', 'Secret default/chain'), 'the reorder is logged as a warning');
  });

  it('still serves an expired certificate, and warns', async () => {
    const shake = await handshake(portcullis.httpsPort, { servername: 'expired.e2e.test' });
    assert.equal(shake.fingerprint, await fingerprintOf(expired.certPem));
    const line = logFor('CertificateExpired', 'Secret default/expired');
    assert.ok(line, 'an expiry warning names the Secret');
    assert.equal(line.level, 'warn');
  });
});
