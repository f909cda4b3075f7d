import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { aggregateMetrics, createMetrics, hashGaugeValue, snapshotMetrics } from '../src/metrics/index.ts';
import {
  buildTable,
  find,
  ingress,
  leafCert,
  NOW,
  parse,
  tlsSecret,
  value,
  webService,
} from './metrics-fixtures.ts';

const identity = {
  controllerNamespace: 'ingress-nginx',
  controllerClass: 'k8s.io/ingress-nginx',
  controllerPod: 'pc-0',
};
const clock = () => Date.parse('2026-06-01T12:00:00Z');

async function tlsTable(options: { withShop?: boolean; missingSecret?: boolean } = {}) {
  const shop = await leafCert(['shop.example.com']);
  const objects: unknown[] = [
    ...webService(),
    tlsSecret('default', 'shop-tls', shop.certPem, shop.keyPem),
    ingress('blog', {
      rules: [{ host: 'blog.example.com', paths: [{ path: '/' }] }],
      ...(options.missingSecret ? { tls: [{ hosts: ['blog.example.com'], secretName: 'absent' }] } : {}),
    }),
  ];
  if (options.withShop ?? true) {
    objects.push(
      ingress('shop', {
        rules: [{ host: 'shop.example.com', paths: [{ path: '/' }] }],
        tls: [{ hosts: ['shop.example.com'], secretName: 'shop-tls' }],
      }),
    );
  }
  return { shop, ...(await buildTable(objects)) };
}

describe('table metrics (ingress-nginx controller collector families)', () => {
  it('sets ssl_expire_time_seconds per TLS host, with the controller namespace and class', async () => {
    const metrics = createMetrics({ ...identity, now: clock });
    const { table, diagnostics } = await tlsTable();
    metrics.observeTable({ table, diagnostics, buildSeconds: 0.01, success: true });
    const out = parse(await metrics.render());
    const name = 'nginx_ingress_controller_ssl_expire_time_seconds';
    assert.equal(out.type.get(name), 'gauge');
    const notAfter = Math.floor(
      Date.parse(table.certificates['default/shop-tls']?.facts.notAfter ?? '') / 1000,
    );
    assert.ok(notAfter > NOW.getTime() / 1000 + 80 * 86400, 'leafCert is valid for 90 days');
    const [shop] = find(out, name, { host: 'shop.example.com' });
    assert.deepEqual(shop?.labels, {
      namespace: 'ingress-nginx',
      class: 'k8s.io/ingress-nginx',
      host: 'shop.example.com',
      secret_name: 'shop-tls',
    });
    assert.equal(shop?.value, notAfter);
    // The catch-all server `_` serves the generated fake certificate, which has no Secret.
    assert.equal(find(out, name, { host: '_', secret_name: '' }).length, 1);
    assert.equal(find(out, name, { host: 'blog.example.com' }).length, 0, 'no TLS, no expiry');
  });

  it('sets ssl_certificate_info = 1 with the certificate facts as labels', async () => {
    const metrics = createMetrics(identity);
    const { table, diagnostics, shop } = await tlsTable();
    metrics.observeTable({ table, diagnostics, buildSeconds: 0.01, success: true });
    const out = parse(await metrics.render());
    const serial = BigInt(`0x${table.certificates['default/shop-tls']?.facts.serial}`).toString();
    const [info] = find(out, 'nginx_ingress_controller_ssl_certificate_info', { host: 'shop.example.com' });
    assert.ok(shop.certPem.length > 0);
    assert.deepEqual(info?.labels, {
      namespace: 'default',
      class: 'k8s.io/ingress-nginx',
      host: 'shop.example.com',
      secret_name: 'shop-tls',
      identifier: `-${serial}`,
      issuer_organization: 'Portcullis Tests',
      issuer_common_name: 'Portcullis Test Intermediate CA',
      serial_number: serial,
      public_key_algorithm: 'RSA',
    });
    assert.equal(info?.value, 1);
    const [fake] = find(out, 'nginx_ingress_controller_ssl_certificate_info', { host: '_' });
    assert.equal(fake?.labels.issuer_common_name, 'Kubernetes Ingress Controller Fake Certificate');
    assert.equal(fake?.labels.namespace, '');
  });

  it('drops certificate gauges of hosts that left the table', async () => {
    const metrics = createMetrics(identity);
    const first = await tlsTable();
    metrics.observeTable({ table: first.table, diagnostics: [], buildSeconds: 0.01, success: true });
    const second = await tlsTable({ withShop: false });
    metrics.observeTable({ table: second.table, diagnostics: [], buildSeconds: 0.01, success: true });
    const out = parse(await metrics.render());
    for (const name of ['ssl_expire_time_seconds', 'ssl_certificate_info']) {
      const hosts = find(out, `nginx_ingress_controller_${name}`).map((s) => s.labels.host);
      assert.deepEqual(hosts, ['_'], name);
    }
  });

  it('reports reloads: success, timestamp, hash and generation', async () => {
    const metrics = createMetrics({ ...identity, now: clock });
    const { table } = await tlsTable();
    metrics.observeTable({ table, diagnostics: [], buildSeconds: 0.002, success: true });
    metrics.observeTable({ table, diagnostics: [], buildSeconds: 0.2, success: true });
    const out = parse(await metrics.render());
    const controller = {
      controller_namespace: 'ingress-nginx',
      controller_class: 'k8s.io/ingress-nginx',
      controller_pod: 'pc-0',
    };
    assert.equal(value(out, 'nginx_ingress_controller_success', controller), 2);
    assert.equal(value(out, 'nginx_ingress_controller_config_last_reload_successful', controller), 1);
    assert.equal(
      value(out, 'nginx_ingress_controller_config_last_reload_successful_timestamp_seconds'),
      clock() / 1000,
    );
    assert.equal(value(out, 'nginx_ingress_controller_config_hash'), hashGaugeValue(table.hash));
    assert.ok(Number.isSafeInteger(hashGaugeValue(table.hash)) && hashGaugeValue(table.hash) > 0);
    assert.equal(value(out, 'portcullis_table_generation'), 2);
    assert.equal(value(out, 'portcullis_table_build_duration_seconds_count'), 2);
    assert.equal(value(out, 'portcullis_table_build_duration_seconds_bucket', { le: '0.0025' }), 1);
  });

  it('reports a failed build like a failed reload and keeps certificate gauges', async () => {
    const metrics = createMetrics({ ...identity, now: clock });
    const { table } = await tlsTable();
    metrics.observeTable({ table, diagnostics: [], buildSeconds: 0.01, success: true });
    metrics.observeTable({ table: null, diagnostics: [], buildSeconds: 0.01, success: false });
    const out = parse(await metrics.render());
    assert.equal(value(out, 'nginx_ingress_controller_errors'), 1);
    assert.equal(value(out, 'nginx_ingress_controller_success'), 1);
    assert.equal(value(out, 'nginx_ingress_controller_config_last_reload_successful'), 0);
    assert.equal(value(out, 'nginx_ingress_controller_config_hash'), 0);
    assert.equal(
      value(out, 'nginx_ingress_controller_config_last_reload_successful_timestamp_seconds'),
      clock() / 1000,
    );
    assert.equal(
      find(out, 'nginx_ingress_controller_ssl_expire_time_seconds', { host: 'shop.example.com' }).length,
      1,
    );
    assert.equal(value(out, 'portcullis_table_generation'), 1);
  });

  it('exports the current count of each diagnostic code', async () => {
    const metrics = createMetrics(identity);
    const broken = await tlsTable({ missingSecret: true });
    assert.ok(
      broken.diagnostics.some((d) => d.code === 'SecretNotFound'),
      'fixture yields SecretNotFound',
    );
    metrics.observeTable({ ...broken, buildSeconds: 0.01, success: true });
    let out = parse(await metrics.render());
    assert.equal(value(out, 'portcullis_diagnostics', { code: 'SecretNotFound', severity: 'error' }), 1);
    const fixed = await tlsTable();
    metrics.observeTable({ ...fixed, buildSeconds: 0.01, success: true });
    out = parse(await metrics.render());
    assert.equal(find(out, 'portcullis_diagnostics', { code: 'SecretNotFound' }).length, 0);
  });
});

describe('aggregating registries of several processes', () => {
  it('sums request counters and histograms, and does not multiply table gauges', async () => {
    const { table } = await tlsTable();
    const processes = [0, 1, 2].map(() => createMetrics({ ...identity, registry: new Registry() }));
    const [primary, ...workers] = processes;
    primary?.observeTable({ table, diagnostics: [], buildSeconds: 0.01, success: true });
    for (const [i, worker] of workers.entries()) {
      worker.trackTable(table);
      for (let n = 0; n <= i; n++) {
        worker.observeRequest({
          method: 'GET',
          status: 200,
          host: 'shop.example.com',
          path: '/',
          namespace: 'default',
          ingress: 'shop',
          service: 'web',
          requestSize: 10,
          responseSize: 10,
          requestDuration: 0.1,
        });
      }
    }
    const snapshots = await Promise.all(processes.map((m) => snapshotMetrics(m.registry)));
    const out = parse(await aggregateMetrics(snapshots).metrics());
    assert.equal(value(out, 'nginx_ingress_controller_requests'), 3);
    assert.equal(value(out, 'nginx_ingress_controller_request_size_sum'), 30);
    assert.equal(value(out, 'nginx_ingress_controller_config_last_reload_successful'), 1);
    assert.equal(value(out, 'nginx_ingress_controller_config_hash'), hashGaugeValue(table.hash));
    assert.equal(value(out, 'portcullis_table_generation'), 1);
  });
});
