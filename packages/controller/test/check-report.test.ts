/** The text report's rendering of table features the end-to-end test's manifests do not use. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Certificate, Route, RoutingTable, Server } from '@portcullis/config-model';
import { formatJson } from '../src/check/json.ts';
import { formatReport } from '../src/check/report.ts';

const ingress = { namespace: 'shop', name: 'web' };
const facts = (cn: string): Certificate['facts'] => ({
  subject: `CN=${cn}`,
  commonName: cn,
  dnsNames: [cn],
  ipAddresses: [],
  issuer: 'CN=Root',
  serial: '01',
  notBefore: '2026-01-01T00:00:00.000Z',
  notAfter: '2026-04-01T00:00:00.000Z',
  keyType: 'RSA-2048',
  fingerprint: 'ab'.repeat(32),
  chain: [{ subject: `CN=${cn}`, issuer: 'CN=Root' }],
});
const certificate = (id: string, cn: string, secret?: { namespace: string; name: string }): Certificate => ({
  id,
  revision: '1',
  certPem: '-----BEGIN CERTIFICATE-----\n...\n',
  keyPem: '-----BEGIN PRIVATE KEY-----\nsecret\n-----END PRIVATE KEY-----\n',
  facts: facts(cn),
  ...(secret === undefined ? {} : { secret }),
});
/** The ConfigMap's timeouts: read set, connect and send left to the defaults. */
const proxyTimeouts = { connect: null, read: 120, send: null };
const route = (path: string, extra: Partial<Route> = {}): Route => ({
  path,
  pathType: 'Prefix',
  ingress,
  backend: {
    type: 'service',
    namespace: 'shop',
    service: 'api',
    port: 'http',
    endpoints: [],
    externalName: false,
  },
  redirect: {
    sslRedirect: true,
    forceSslRedirect: false,
    preserveTrailingSlash: false,
    usePortInRedirects: false,
  },
  upstream: {
    protocol: 'HTTPS',
    proxySsl: { verify: true, name: null, serverName: false, caPem: null, certPem: 'c', keyPem: 'PROXY-KEY' },
    timeouts: proxyTimeouts,
  },
  fixedRedirect: null,
  denied: null,
  ...extra,
});
const server = (host: string, tls: Server['tls'], routes: Route[]): Server => ({
  host,
  tls,
  routes,
  fallback: { type: 'default' },
});

const table: RoutingTable = {
  hash: 'h',
  tls: {
    protocols: ['TLSv1.2', 'TLSv1.3'],
    ciphers: 'ECDHE-RSA-AES128-GCM-SHA256',
    ecdhCurve: 'auto',
    sessionCache: true,
    sessionCacheSize: 10485760,
    sessionTimeout: 600,
    sessionTickets: false,
    sessionTicketKey: null,
    rejectHandshake: false,
    useHttp2: true,
  },
  http: {
    redirectCode: 308,
    noTlsRedirectLocations: [],
    useForwardedHeaders: false,
    computeFullForwardedFor: false,
    useProxyProtocol: false,
    proxyRealIpCidr: ['0.0.0.0/0'],
    proxyTimeouts,
    clientHeaderTimeout: null,
  },
  hsts: {
    enabled: true,
    maxAge: 31536000,
    includeSubdomains: true,
    preload: false,
    header: 'max-age=31536000; includeSubDomains',
  },
  certificates: {
    fake: certificate('fake', 'Kubernetes Ingress Controller Fake Certificate'),
    'shop/tls': certificate('shop/tls', 'shop.example.com', { namespace: 'shop', name: 'tls' }),
  },
  defaultCertificate: 'fake',
  servers: {
    'shop.example.com': server(
      'shop.example.com',
      {
        certificate: 'shop/tls',
        ingress,
        ciphers: 'ECDHE-ECDSA-AES256-GCM-SHA384',
        preferServerCiphers: true,
        clientAuth: {
          caPem: 'ca',
          verifyClient: 'optional',
          verifyDepth: 2,
          passCertificateToUpstream: false,
        },
      },
      [
        route('/old', { pathType: 'Exact', fixedRedirect: { url: 'https://new.example.com/', code: 301 } }),
        route('/admin', { denied: 'auth-tls-secret shop/ca not found' }),
        route('/'),
        route('/reports', {
          upstream: { protocol: 'HTTP', proxySsl: null, timeouts: { connect: 2, read: 600, send: null } },
        }),
      ],
    ),
    'plain.example.com': server('plain.example.com', null, []),
  },
  aliases: { 'shop.example.org': 'shop.example.com' },
  wwwRedirects: { 'www.shop.example.com': { to: 'shop.example.com', code: 308, certificate: 'shop/tls' } },
  catchAll: server('_', null, []),
  passthrough: {
    'vault.example.com': {
      host: 'vault.example.com',
      ingress: { namespace: 'vault', name: 'vault' },
      namespace: 'vault',
      service: 'vault',
      address: '10.96.0.20',
      port: 8200,
    },
  },
};

const input = { table, diagnostics: [], files: ['a.yaml'], objects: 3, ignored: {} };

describe('check report', () => {
  it('shows per-server TLS policy, fixed redirects, upstream protocol and missing endpoints', () => {
    const out = formatReport(input);
    assert.match(
      out,
      /tls policy: TLSv1\.2 TLSv1\.3; ciphers: ECDHE-ECDSA-AES256-GCM-SHA384 \(ssl-ciphers annotation\)/,
    );
    assert.match(out, /prefer server ciphers: true/);
    assert.match(out, /client certificates: verify optional, depth 2/);
    assert.match(out, /hsts: max-age=31536000; includeSubDomains/);
    assert.match(out, /proxy timeouts: connect 5s, read 120s, send 60s/);
    assert.match(out, /\/reports Prefix -> .*; timeouts connect 2s, read 600s, send 60s\]/);
    assert.doesNotMatch(out, /\/ Prefix -> [^\n]*timeouts/);
    assert.match(
      out,
      /\/old Exact -> redirect 301 https:\/\/new\.example\.com\/ +\[Ingress shop\/web; http->https 308\]/,
    );
    assert.match(out, /\/admin Prefix -> denied \(503\): auth-tls-secret shop\/ca not found/);
    assert.match(out, /\/ Prefix -> service shop\/api:http -> no ready endpoints \(503\) \(HTTPS\)/);
    assert.match(
      out,
      /server plain\.example\.com\n {2}tls: no tls section; HTTPS answers with the default certificate \(fake\)/,
    );
  });

  it('lists passthrough targets, aliases and www redirects', () => {
    const out = formatReport(input);
    assert.match(
      out,
      /vault\.example\.com -> service vault\/vault 10\.96\.0\.20:8200 \(Ingress vault\/vault\)/,
    );
    assert.match(out, /shop\.example\.org -> served as shop\.example\.com/);
    assert.match(out, /www\.shop\.example\.com -> shop\.example\.com \(308, HTTP and HTTPS\)/);
    assert.match(out, /diagnostics: none \(0 errors, 0 warnings, 0 info\)/);
  });

  it('never prints private keys, in text or JSON', () => {
    for (const out of [formatReport(input), formatJson(table, [])]) {
      assert.doesNotMatch(out, /PRIVATE KEY|PROXY-KEY|keyPem/);
    }
    const parsed = JSON.parse(formatJson(table, [])) as { table: RoutingTable };
    assert.equal(parsed.table.certificates['shop/tls']?.facts.subject, 'CN=shop.example.com');
  });
});
