/**
 * deploy/prometheus/alerts.yaml against the real binary: every metric a rule reads is one that
 * portcullis exports (with the labels the rule groups by), and the rules fire on what they are
 * named for: a certificate expiring in 7 days, a rejected Ingress. Rules are ingress-nginx's
 * metric names, so alerts written for ingress-nginx keep working too.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse } from 'yaml';
import { type EchoBackend, serviceYaml, startEchoBackend, tlsSecretYaml } from './support/backend.ts';
import {
  type Exposition,
  externalMetrics,
  familyOf,
  labelNames,
  metricNames,
  parseExposition,
} from './support/deploy-alerts.ts';
import { repoRoot } from './support/paths.ts';
import { type Portcullis, startPortcullis } from './support/portcullis.ts';
import { httpsGet, ingressYaml, issueChain } from './support/tls-kit.ts';

interface Rule {
  readonly alert: string;
  readonly expr: string;
  readonly for?: string;
  readonly labels?: { readonly severity?: string };
  readonly annotations?: { readonly summary?: string; readonly description?: string };
}

const file = join(repoRoot, 'deploy', 'prometheus', 'alerts.yaml');
const rules: Rule[] = (parse(readFileSync(file, 'utf8')) as { groups: { rules: Rule[] }[] }).groups.flatMap(
  (g) => g.rules,
);
const byName = new Map(rules.map((r) => [r.alert, r]));
const HOST = 'expiring.alerts.test';
const DAY = 86_400;

let backend: EchoBackend;
let portcullis: Portcullis;
let metrics: Exposition;

before(async () => {
  backend = await startEchoBackend('echo');
  const now = Date.now();
  const { leaf } = await issueChain([HOST], {
    notBefore: new Date(now - DAY * 1000),
    notAfter: new Date(now + 7 * DAY * 1000),
  });
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
        // ingress-nginx rejects a non-boolean ssl-passthrough (ValidateBool): an error diagnostic.
        ingressYaml({
          name: 'broken',
          hosts: ['broken.alerts.test'],
          service: 'echo',
          annotations: { 'nginx.ingress.kubernetes.io/ssl-passthrough': 'maybe' },
        }),
      ].join('---\n'),
    },
    env: { POD_NAME: 'portcullis-abc', POD_NAMESPACE: 'ingress' },
  });
  assert.equal((await httpsGet(portcullis.httpsPort, HOST)).status, 200);
  const response = await fetch(`http://127.0.0.1:${portcullis.healthzPort}/metrics`);
  metrics = parseExposition(await response.text());
});

after(async () => {
  assert.equal(await portcullis?.stop(), 0);
  await backend?.close();
});

/** Samples of a family, as an instant vector. */
function series(name: string): Exposition['samples'] {
  return metrics.samples.filter((s) => s.name === name);
}

describe('deploy/prometheus/alerts.yaml', () => {
  it('has the alerts operators expect, each with a severity and a summary', () => {
    for (const name of [
      'PortcullisCertificateExpiringSoon',
      'PortcullisNoReadyReplicas',
      'PortcullisDown',
      'PortcullisConfigBuildFailing',
      'PortcullisHighErrorRate',
    ]) {
      assert.ok(byName.has(name), name);
    }
    for (const rule of rules) {
      assert.match(rule.labels?.severity ?? '', /^(critical|warning|info)$/, `${rule.alert} severity`);
      assert.ok(rule.annotations?.summary, `${rule.alert} summary`);
      if (rule.for !== undefined) assert.match(rule.for, /^\d+[smh]$/, `${rule.alert} for`);
    }
    assert.equal(byName.size, rules.length, 'alert names are unique');
  });

  it('reads only metrics portcullis exports (or Prometheus / kube-state-metrics provide)', () => {
    for (const rule of rules) {
      const names = metricNames(rule.expr);
      assert.ok(names.length > 0, `${rule.alert}: no metric found in ${rule.expr}`);
      for (const name of names) {
        if (externalMetrics.has(name)) continue;
        assert.ok(familyOf(name, metrics.types), `${rule.alert}: ${name} is not in /metrics`);
      }
    }
  });

  it('groups and filters by labels those metrics carry', () => {
    for (const rule of rules) {
      const own = metricNames(rule.expr).filter((n) => !externalMetrics.has(n));
      if (own.length === 0) continue;
      for (const label of labelNames(rule.expr)) {
        for (const name of own) {
          assert.ok(metrics.labels.get(name)?.has(label), `${rule.alert}: ${name} has no label "${label}"`);
        }
      }
    }
  });

  it('the expiry rule fires for a certificate that expires in 7 days, by host and Secret', () => {
    const rule = byName.get('PortcullisCertificateExpiringSoon');
    assert.match(
      rule?.expr ?? '',
      /nginx_ingress_controller_ssl_expire_time_seconds\)? - time\(\) < 14 \* 86400/,
    );
    const [sample] = series('nginx_ingress_controller_ssl_expire_time_seconds').filter(
      (s) => s.labels.host === HOST,
    );
    assert.ok(sample, `an expiry series for ${HOST}`);
    assert.equal(sample.labels.secret_name, 'site');
    const left = sample.value - Date.now() / 1000;
    assert.ok(left > 6 * DAY && left < 14 * DAY, `seconds left ${left}: in range for the rule`);
  });

  it('the config rule watches the build gauge, which is 1 while builds succeed', () => {
    assert.match(
      byName.get('PortcullisConfigBuildFailing')?.expr ?? '',
      /config_last_reload_successful == 0/,
    );
    const [gauge] = series('nginx_ingress_controller_config_last_reload_successful');
    assert.equal(gauge?.value, 1);
    assert.equal(gauge?.labels.controller_pod, 'portcullis-abc');
  });

  it('the rejected-objects rule fires for a rejected Ingress', () => {
    assert.match(
      byName.get('PortcullisObjectsRejected')?.expr ?? '',
      /portcullis_diagnostics\{severity="error"\}/,
    );
    const errors = series('portcullis_diagnostics').filter(
      (s) => s.labels.severity === 'error' && s.value > 0,
    );
    assert.ok(errors.length > 0, 'an error-level diagnostic series');
  });

  it('the error-rate rule counts requests by status, namespace and ingress', () => {
    const served = series('nginx_ingress_controller_requests').find((s) => s.labels.ingress === 'site');
    assert.equal(served?.labels.status, '200');
    assert.equal(served?.labels.namespace, 'default');
    assert.match(byName.get('PortcullisHighErrorRate')?.expr ?? '', /status=~"5\.\."/);
  });
});

describe('docs/operations.md', () => {
  it('names every metric family /metrics exposes', () => {
    const doc = readFileSync(join(repoRoot, 'docs', 'operations.md'), 'utf8');
    for (const family of metrics.types.keys()) {
      const short = family.replace(/^nginx_ingress_controller_/, '..._');
      assert.ok(doc.includes(`\`${family}\``) || doc.includes(`\`${short}\``), `${family} is documented`);
    }
    for (const rule of rules) assert.ok(doc.includes(rule.alert), `alert ${rule.alert} is documented`);
  });
});
