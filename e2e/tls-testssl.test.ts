/**
 * testssl.sh against the default configuration, once, narrowly: protocols (-p) and the
 * vulnerability checks (-U), with --fast. It is what an operator's security review runs; the
 * defaults must pass it: TLS 1.0/1.1 not offered, nothing flagged VULNERABLE or NOT ok.
 * Offline: --ip pins the address, --nodns none skips DNS, and there is no --phone-out.
 *
 * testssl 3.0 is slow: ~20 s of start-up (a fork per cipher in prepare_arrays) plus fixed
 * sleeps around every socket exchange (USLEEP_SND/USLEEP_REC, 0.1 s/0.2 s), meant for real
 * networks; on loopback a tenth is plenty. Even so -p -U takes ~60 s on an idle 2-CPU machine
 * and 2-3 minutes on a saturated one (testssl is fork-bound), so this one file gets a longer
 * bound than the others.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { type EchoBackend, serviceYaml, startEchoBackend, tlsSecretYaml } from './support/backend.ts';
import { type Portcullis, startPortcullis } from './support/portcullis.ts';
import { ingressYaml, issueChain, missingTool, runCommand } from './support/tls-kit.ts';

const HOST = 'testssl.e2e.test';
const TIME_LIMIT_MS = 240_000;
const skip = missingTool('testssl');

interface Finding {
  readonly id: string;
  readonly severity: string;
  readonly finding: string;
}

let backend: EchoBackend;
let portcullis: Portcullis;

before(async () => {
  if (skip !== undefined) return;
  backend = await startEchoBackend('echo');
  const { leaf } = await issueChain([HOST]);
  portcullis = await startPortcullis({
    manifests: {
      'site.yaml': [
        serviceYaml('echo', backend.port),
        ingressYaml({
          name: 'site',
          hosts: [HOST],
          tls: [{ hosts: [HOST], secretName: 'site' }],
          service: 'echo',
        }),
        tlsSecretYaml('site', leaf),
      ].join('---\n'),
    },
  });
});

after(async () => {
  if (skip !== undefined) return;
  assert.equal(await portcullis.stop(), 0);
  await backend.close();
});

it('testssl.sh: TLS 1.2/1.3 only, no vulnerability flagged', {
  skip,
  timeout: TIME_LIMIT_MS + 10_000,
}, async () => {
  const json = join(portcullis.dir, 'testssl.json');
  const out = await runCommand(
    'testssl',
    [
      '--quiet',
      '--color',
      '0',
      '--warnings',
      'off',
      '--fast',
      '--ip',
      '127.0.0.1',
      '--nodns',
      'none',
      '--connect-timeout',
      '5',
      '--openssl-timeout',
      '5',
      '--jsonfile',
      json,
      '-p',
      '-U',
      `${HOST}:${portcullis.httpsPort}`,
    ],
    { timeoutMs: TIME_LIMIT_MS, env: { USLEEP_SND: '0.01', USLEEP_REC: '0.02' } },
  );
  assert.notEqual(out.code, null, `testssl did not finish within ${TIME_LIMIT_MS} ms:\n${out.stdout}`);
  const findings = JSON.parse(readFileSync(json, 'utf8')) as Finding[];
  const byId = (id: string) => findings.find((f) => f.id === id)?.finding ?? `(no ${id} in the report)`;
  const report = `${out.stdout}\n${out.stderr}`;

  assert.match(byId('SSLv2'), /not offered/, report);
  assert.match(byId('SSLv3'), /not offered/, report);
  assert.match(byId('TLS1'), /not offered/, report);
  assert.match(byId('TLS1_1'), /not offered/, report);
  assert.match(byId('TLS1_2'), /^offered/, report);
  assert.match(byId('TLS1_3'), /^offered/, report);

  const flagged = findings.filter(
    (f) => /VULNERABLE|NOT ok/.test(f.finding) || f.severity === 'HIGH' || f.severity === 'CRITICAL',
  );
  assert.deepEqual(flagged, [], report);
  // The vulnerability section really ran (a scan that stopped early must not pass).
  for (const id of [
    'heartbleed',
    'CCS',
    'ROBOT',
    'secure_renego',
    'CRIME_TLS',
    'POODLE_SSL',
    'SWEET32',
    'LOGJAM',
  ]) {
    assert.ok(
      findings.some((f) => f.id === id),
      `${id} missing from the testssl report:\n${report}`,
    );
  }
});
