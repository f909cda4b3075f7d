import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createMetrics, LENGTH_BUCKETS, type RequestSample, TIME_BUCKETS } from '../src/metrics/index.ts';
import { buildTable, find, ingress, parse, value, webService } from './metrics-fixtures.ts';

const identity = {
  controllerNamespace: 'ingress-nginx',
  controllerClass: 'k8s.io/ingress-nginx',
  controllerPod: 'pc-0',
};

async function table(withShop = true) {
  const objects = [
    ...webService(),
    ingress('wild', { rules: [{ host: '*.example.org', paths: [{ path: '/' }] }] }),
    ...(withShop
      ? [ingress('shop', { rules: [{ host: 'shop.example.com', paths: [{ path: '/api' }] }] })]
      : []),
  ];
  return (await buildTable(objects)).table;
}

const shopRequest: RequestSample = {
  method: 'GET',
  status: 200,
  host: 'shop.example.com',
  path: '/api',
  namespace: 'default',
  ingress: 'shop',
  service: 'web',
  requestSize: 35,
  responseSize: 120,
  requestDuration: 0.02,
  upstreamDuration: 0.015,
};

describe('request metrics (ingress-nginx socket collector families)', () => {
  it('uses ingress-nginx names, types, help, label set and buckets', async () => {
    const metrics = createMetrics(identity);
    metrics.trackTable(await table());
    metrics.observeRequest(shopRequest);
    const out = parse(await metrics.render());

    assert.equal(out.type.get('nginx_ingress_controller_requests'), 'counter');
    assert.equal(out.help.get('nginx_ingress_controller_requests'), 'The total number of client requests');
    assert.equal(
      out.help.get('nginx_ingress_controller_request_duration_seconds'),
      'The request processing time in milliseconds',
    );
    for (const name of [
      'request_duration_seconds',
      'response_duration_seconds',
      'request_size',
      'response_size',
    ]) {
      assert.equal(out.type.get(`nginx_ingress_controller_${name}`), 'histogram', name);
    }
    const [request] = find(out, 'nginx_ingress_controller_requests');
    assert.deepEqual(request?.labels, {
      canary: '',
      controller_class: 'k8s.io/ingress-nginx',
      controller_namespace: 'ingress-nginx',
      controller_pod: 'pc-0',
      host: 'shop.example.com',
      ingress: 'shop',
      method: 'GET',
      namespace: 'default',
      path: '/api',
      service: 'web',
      status: '200',
    });
    const les = (name: string) =>
      find(out, `nginx_ingress_controller_${name}_bucket`).map((s) => s.labels.le);
    const expected = (buckets: readonly number[]) => [...buckets.map(String), '+Inf'];
    assert.deepEqual(les('request_duration_seconds'), expected(TIME_BUCKETS));
    assert.deepEqual(les('response_duration_seconds'), expected(TIME_BUCKETS));
    assert.deepEqual(les('request_size'), expected(LENGTH_BUCKETS));
    assert.deepEqual(les('response_size'), expected(LENGTH_BUCKETS));
    assert.deepEqual(TIME_BUCKETS, [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]);
  });

  it('counts requests and sums sizes and durations per series', async () => {
    const metrics = createMetrics(identity);
    metrics.trackTable(await table());
    metrics.observeRequest(shopRequest);
    metrics.observeRequest({
      ...shopRequest,
      requestSize: 65,
      requestDuration: 0.3,
      upstreamDuration: null,
    });
    metrics.observeRequest({ ...shopRequest, status: 404 });
    const out = parse(await metrics.render());
    const ok = { status: '200', host: 'shop.example.com' };
    assert.equal(value(out, 'nginx_ingress_controller_requests', ok), 2);
    assert.equal(value(out, 'nginx_ingress_controller_requests', { status: '404' }), 1);
    assert.equal(value(out, 'nginx_ingress_controller_request_size_sum', ok), 100);
    assert.equal(value(out, 'nginx_ingress_controller_request_size_count', ok), 2);
    assert.equal(
      value(out, 'nginx_ingress_controller_request_duration_seconds_bucket', { ...ok, le: '0.025' }),
      1,
    );
    assert.equal(
      value(out, 'nginx_ingress_controller_request_duration_seconds_bucket', { ...ok, le: '0.5' }),
      2,
    );
    // A locally answered request has no upstream time, like nginx's -1 in socket.go.
    assert.equal(value(out, 'nginx_ingress_controller_response_duration_seconds_count', ok), 1);
    assert.equal(value(out, 'nginx_ingress_controller_response_duration_seconds_sum', ok), 0.015);
  });

  it('bounds label values: unknown hosts become _, wildcards their server, odd methods OTHER', async () => {
    const metrics = createMetrics(identity);
    metrics.trackTable(await table());
    const local = {
      ...shopRequest,
      path: '',
      namespace: '',
      ingress: '',
      service: '',
      upstreamDuration: null,
    };
    for (let i = 0; i < 50; i++) metrics.observeRequest({ ...local, host: `scan-${i}.invalid`, status: 404 });
    metrics.observeRequest({ ...shopRequest, host: 'a.example.org', path: '/', ingress: 'wild' });
    metrics.observeRequest({ ...shopRequest, host: 'SHOP.example.com.', method: 'BREW' });
    const out = parse(await metrics.render());
    assert.equal(value(out, 'nginx_ingress_controller_requests', { host: '_', status: '404' }), 50);
    assert.equal(value(out, 'nginx_ingress_controller_requests', { host: '*.example.org' }), 1);
    assert.equal(
      value(out, 'nginx_ingress_controller_requests', { host: 'shop.example.com', method: 'OTHER' }),
      1,
    );
    assert.equal(find(out, 'nginx_ingress_controller_requests').length, 3);
  });

  it('reports status classes with reportStatusClasses (--report-status-classes)', async () => {
    const metrics = createMetrics({ ...identity, reportStatusClasses: true });
    metrics.trackTable(await table());
    metrics.observeRequest({ ...shopRequest, status: 503 });
    metrics.observeRequest({ ...shopRequest, status: 502 });
    const out = parse(await metrics.render());
    assert.equal(value(out, 'nginx_ingress_controller_requests', { status: '5xx' }), 2);
  });

  it('drops the series of an Ingress that left the table (SocketCollector.RemoveMetrics)', async () => {
    const metrics = createMetrics(identity);
    metrics.trackTable(await table());
    metrics.observeRequest(shopRequest);
    metrics.observeRequest({ ...shopRequest, host: 'b.example.org', path: '/', ingress: 'wild' });
    metrics.trackTable(await table(false));
    const out = parse(await metrics.render());
    assert.deepEqual(
      find(out, 'nginx_ingress_controller_requests').map((s) => s.labels.ingress),
      ['wild'],
    );
    assert.equal(find(out, 'nginx_ingress_controller_request_size_count', { ingress: 'shop' }).length, 0);
  });

  it('starts a returning Ingress from zero (the cached series is not reused after removal)', async () => {
    const metrics = createMetrics(identity);
    metrics.trackTable(await table());
    metrics.observeRequest(shopRequest);
    metrics.observeRequest(shopRequest);
    metrics.trackTable(await table(false));
    metrics.trackTable(await table());
    metrics.observeRequest({ ...shopRequest, requestSize: 15, requestDuration: 0.3 });
    metrics.observeRequest({ ...shopRequest, requestSize: 1000, requestDuration: 0.3 });
    const out = parse(await metrics.render());
    const ok = { status: '200', host: 'shop.example.com' };
    assert.equal(value(out, 'nginx_ingress_controller_requests', ok), 2);
    assert.equal(value(out, 'nginx_ingress_controller_request_size_count', ok), 2);
    assert.equal(value(out, 'nginx_ingress_controller_request_size_sum', ok), 1015);
    const bucket = (le: string) =>
      value(out, 'nginx_ingress_controller_request_duration_seconds_bucket', { ...ok, le });
    assert.equal(bucket('0.25'), 0);
    assert.equal(bucket('0.5'), 2);
    assert.equal(bucket('+Inf'), 2);
  });

  it('accepts the http/ handler observation shape through observe()', async () => {
    const metrics = createMetrics(identity);
    metrics.trackTable(await table());
    metrics.observe({
      method: 'POST',
      status: 201,
      host: 'shop.example.com',
      path: '/api',
      namespace: 'default',
      ingress: 'shop',
      service: 'web',
      requestSize: 10,
      responseSize: 20,
      requestDuration: 0.5,
      upstreamDuration: 0.4,
    });
    const out = parse(await metrics.render());
    assert.equal(
      value(out, 'nginx_ingress_controller_response_duration_seconds_sum', { method: 'POST' }),
      0.4,
    );
  });
});

describe('connection metrics (portcullis families)', () => {
  it('counts handshakes by protocol, cipher and result with bounded values', async () => {
    const metrics = createMetrics();
    metrics.observeHandshake({ protocol: 'TLSv1.3', cipher: 'TLS_AES_128_GCM_SHA256', result: 'ok' });
    metrics.observeHandshake({ protocol: 'TLSv1.3', cipher: 'TLS_AES_128_GCM_SHA256', result: 'ok' });
    metrics.observeHandshake({ protocol: null, cipher: null, result: 'protocol_version' });
    metrics.observeHandshake({ protocol: 'bogus', cipher: 'x y', result: 'free text!' });
    const out = parse(await metrics.render());
    const name = 'portcullis_tls_handshakes_total';
    assert.equal(
      value(out, name, { protocol: 'TLSv1.3', cipher: 'TLS_AES_128_GCM_SHA256', result: 'ok' }),
      2,
    );
    assert.equal(value(out, name, { protocol: '', cipher: '', result: 'protocol_version' }), 1);
    assert.equal(value(out, name, { protocol: '', cipher: 'other', result: 'other' }), 1);
  });

  it('counts passthrough connections per passthrough host and relayed bytes', async () => {
    const metrics = createMetrics();
    const { table } = await buildTable(
      [
        ...webService(),
        ingress('pt', {
          annotations: { 'nginx.ingress.kubernetes.io/ssl-passthrough': 'true' },
          rules: [{ host: 'db.example.com', paths: [{ path: '/' }] }],
        }),
      ],
      { enableSslPassthrough: true },
    );
    metrics.trackTable(table);
    metrics.observePassthrough({ serverName: 'DB.example.com', result: 'ok', bytesIn: 500, bytesOut: 7000 });
    metrics.observePassthrough({ serverName: 'random.example.net', result: 'PassthroughNotTls' });
    const out = parse(await metrics.render());
    assert.equal(value(out, 'portcullis_passthrough_bytes_total', { direction: 'in' }), 500);
    assert.equal(value(out, 'portcullis_passthrough_bytes_total', { direction: 'out' }), 7000);
    assert.equal(
      value(out, 'portcullis_passthrough_connections_total', { host: '_', result: 'PassthroughNotTls' }),
      1,
    );
    assert.equal(
      value(out, 'portcullis_passthrough_connections_total', { host: 'db.example.com', result: 'ok' }),
      1,
    );
  });
});
