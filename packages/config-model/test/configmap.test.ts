import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isIPv4, isIPv6, isIpOrCidr } from '../src/configmap/cidr.ts';
import { defaultSettings, parseSettings, supportedConfigMapKeys } from '../src/configmap/parse.ts';
import type { Settings } from '../src/configmap/types.ts';
import type { Diagnostic } from '../src/diagnostics.ts';

const source = { kind: 'ConfigMap', namespace: 'ingress-nginx', name: 'ingress-nginx-controller' };

function parse(data: Record<string, string>) {
  return parseSettings(data, source);
}

/** Exactly one InvalidConfigMapValue for `key`, naming the key, the value and the replacement. */
function assertInvalid(diagnostics: readonly Diagnostic[], key: string, value: string, used: string): void {
  assert.equal(diagnostics.length, 1, JSON.stringify(diagnostics));
  const [d] = diagnostics;
  assert.equal(d?.code, 'InvalidConfigMapValue');
  assert.equal(d?.severity, 'warning');
  assert.deepEqual(d?.object, { ...source, field: key });
  assert.match(d?.message ?? '', new RegExp(`^ConfigMap key ${key} has invalid value `));
  assert.ok(d?.message.includes(JSON.stringify(value)), d?.message);
  assert.ok(d?.message.includes(`; using ${used}`), d?.message);
}

describe('defaults (ingress-nginx NewDefault)', () => {
  test('no ConfigMap and an empty one both give the defaults without diagnostics', () => {
    assert.deepEqual(parseSettings(undefined, null), { settings: defaultSettings, diagnostics: [] });
    assert.deepEqual(parse({}), { settings: defaultSettings, diagnostics: [] });
  });

  test('default values', () => {
    assert.deepEqual(defaultSettings, {
      tls: {
        protocols: ['TLSv1.2', 'TLSv1.3'],
        ciphers:
          'ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:' +
          'ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:' +
          'DHE-RSA-AES256-GCM-SHA384:DHE-RSA-AES128-GCM-SHA256',
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
        noTlsRedirectLocations: ['/.well-known/acme-challenge'],
        useForwardedHeaders: false,
        computeFullForwardedFor: false,
        useProxyProtocol: false,
        proxyRealIpCidr: ['0.0.0.0/0'],
        proxyTimeouts: { connect: null, read: null, send: null },
        clientHeaderTimeout: null,
      },
      hsts: {
        enabled: true,
        maxAge: 31536000,
        includeSubdomains: true,
        preload: false,
        header: 'max-age=31536000; includeSubDomains',
      },
      redirect: {
        sslRedirect: true,
        forceSslRedirect: false,
        preserveTrailingSlash: false,
        usePortInRedirects: false,
      },
    });
    assert.ok(Object.isFrozen(defaultSettings.tls.protocols));
  });
});

const boolKeys: [string, (s: Settings) => boolean][] = [
  ['ssl-session-cache', (s) => s.tls.sessionCache],
  ['ssl-session-tickets', (s) => s.tls.sessionTickets],
  ['ssl-reject-handshake', (s) => s.tls.rejectHandshake],
  ['use-http2', (s) => s.tls.useHttp2],
  ['hsts', (s) => s.hsts.enabled],
  ['hsts-include-subdomains', (s) => s.hsts.includeSubdomains],
  ['hsts-preload', (s) => s.hsts.preload],
  ['ssl-redirect', (s) => s.redirect.sslRedirect],
  ['force-ssl-redirect', (s) => s.redirect.forceSslRedirect],
  ['preserve-trailing-slash', (s) => s.redirect.preserveTrailingSlash],
  ['use-port-in-redirects', (s) => s.redirect.usePortInRedirects],
  ['use-forwarded-headers', (s) => s.http.useForwardedHeaders],
  ['compute-full-forwarded-for', (s) => s.http.computeFullForwardedFor],
  ['use-proxy-protocol', (s) => s.http.useProxyProtocol],
];

describe('boolean keys', () => {
  for (const [key, get] of boolKeys) {
    const fallback = get(defaultSettings);
    test(`${key}: Go spellings override the default ${fallback}`, () => {
      for (const [value, expected] of [
        [String(!fallback), !fallback],
        [fallback ? 'False' : 'True', !fallback],
        [fallback ? '0' : '1', !fallback],
        [fallback ? 'f' : 'T', !fallback],
        [String(fallback).toUpperCase(), fallback],
      ] as const) {
        const { settings, diagnostics } = parse({ [key]: value });
        assert.equal(get(settings), expected, `${key}=${value}`);
        assert.deepEqual(diagnostics, []);
      }
    });

    test(`${key}: a non-Go boolean keeps the default with a warning`, () => {
      for (const value of ['yes', 'on', 'tRue', ' true']) {
        const { settings, diagnostics } = parse({ [key]: value });
        assert.equal(get(settings), fallback);
        assertInvalid(diagnostics, key, value, `the default ${fallback}`);
      }
    });

    test(`${key}: empty is false (mapstructure weak decoding), with a warning`, () => {
      const { settings, diagnostics } = parse({ [key]: '' });
      assert.equal(get(settings), false);
      assertInvalid(diagnostics, key, '', 'false, as ingress-nginx reads an empty boolean as false');
    });
  }
});

describe('ssl-protocols', () => {
  test('sorted ascending, deduplicated, case-insensitive like nginx', () => {
    const { settings, diagnostics } = parse({ 'ssl-protocols': 'TLSv1.3  tlsv1.2 TLSv1.3\tTLSv1.1 TLSv1' });
    assert.deepEqual(settings.tls.protocols, ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3']);
    assert.deepEqual(diagnostics, []);
    assert.deepEqual(parse({ 'ssl-protocols': 'TLSv1.3' }).settings.tls.protocols, ['TLSv1.3']);
  });

  test('unknown tokens such as SSLv3 are dropped with a warning', () => {
    const { settings, diagnostics } = parse({ 'ssl-protocols': 'SSLv3 TLSv1.2' });
    assert.deepEqual(settings.tls.protocols, ['TLSv1.2']);
    assertInvalid(diagnostics, 'ssl-protocols', 'SSLv3 TLSv1.2', '"TLSv1.2"');
    assert.match(
      diagnostics[0]?.message ?? '',
      /"SSLv3" is not TLSv1, TLSv1.1, TLSv1.2 or TLSv1.3 and is dropped/,
    );
  });

  test('nothing usable left -> the default', () => {
    for (const value of ['SSLv2 SSLv3', '', '   ']) {
      const { settings, diagnostics } = parse({ 'ssl-protocols': value });
      assert.deepEqual(settings.tls.protocols, ['TLSv1.2', 'TLSv1.3']);
      assertInvalid(diagnostics, 'ssl-protocols', value, 'the default "TLSv1.2 TLSv1.3"');
    }
  });
});

describe('string keys', () => {
  test('ssl-ciphers: any OpenSSL cipher list; quotes and semicolons refused', () => {
    const custom = 'ECDHE-RSA-AES256-GCM-SHA384:!aNULL@SECLEVEL=1';
    assert.equal(parse({ 'ssl-ciphers': ` ${custom} ` }).settings.tls.ciphers, custom);
    for (const bad of ["HIGH'; return 200;", '', 'HIGH,LOW']) {
      const { settings, diagnostics } = parse({ 'ssl-ciphers': bad });
      assert.equal(settings.tls.ciphers, defaultSettings.tls.ciphers);
      assertInvalid(diagnostics, 'ssl-ciphers', bad, `the default "${defaultSettings.tls.ciphers}"`);
    }
  });

  test('ssl-ecdh-curve: auto or a colon-separated list', () => {
    assert.equal(
      parse({ 'ssl-ecdh-curve': 'X25519:prime256v1:secp384r1' }).settings.tls.ecdhCurve,
      'X25519:prime256v1:secp384r1',
    );
    assert.equal(parse({ 'ssl-ecdh-curve': 'auto' }).settings.tls.ecdhCurve, 'auto');
    for (const bad of ['', 'X25519 prime256v1', 'X25519:', 'P-256;']) {
      const { settings, diagnostics } = parse({ 'ssl-ecdh-curve': bad });
      assert.equal(settings.tls.ecdhCurve, 'auto');
      assertInvalid(diagnostics, 'ssl-ecdh-curve', bad, 'the default "auto"');
    }
  });
});

describe('sizes and times', () => {
  test('ssl-session-cache-size: nginx sizes in bytes', () => {
    assert.equal(parse({ 'ssl-session-cache-size': '20m' }).settings.tls.sessionCacheSize, 20971520);
    assert.equal(parse({ 'ssl-session-cache-size': '512k' }).settings.tls.sessionCacheSize, 524288);
    assert.equal(parse({ 'ssl-session-cache-size': '1048576' }).settings.tls.sessionCacheSize, 1048576);
    for (const bad of ['10g', '0', 'big', '']) {
      const { settings, diagnostics } = parse({ 'ssl-session-cache-size': bad });
      assert.equal(settings.tls.sessionCacheSize, 10485760);
      assertInvalid(diagnostics, 'ssl-session-cache-size', bad, 'the default 10485760 bytes (10m)');
    }
  });

  test('ssl-session-timeout: nginx times in seconds', () => {
    assert.equal(parse({ 'ssl-session-timeout': '1h' }).settings.tls.sessionTimeout, 3600);
    assert.equal(parse({ 'ssl-session-timeout': '1d' }).settings.tls.sessionTimeout, 86400);
    assert.equal(parse({ 'ssl-session-timeout': '30s' }).settings.tls.sessionTimeout, 30);
    assert.equal(parse({ 'ssl-session-timeout': '45' }).settings.tls.sessionTimeout, 45);
    for (const bad of ['10ms', 'forever', '0', '']) {
      const { settings, diagnostics } = parse({ 'ssl-session-timeout': bad });
      assert.equal(settings.tls.sessionTimeout, 600);
      assertInvalid(diagnostics, 'ssl-session-timeout', bad, 'the default 600 seconds (10m)');
    }
  });
});

describe('ssl-session-ticket-key', () => {
  const key48 = Buffer.alloc(48, 7).toString('base64');
  const key80 = Buffer.alloc(80, 9).toString('base64');

  test('base64 of 48 or 80 bytes is kept (line breaks ignored, as Go does)', () => {
    assert.equal(parse({ 'ssl-session-ticket-key': key48 }).settings.tls.sessionTicketKey, key48);
    assert.equal(parse({ 'ssl-session-ticket-key': key80 }).settings.tls.sessionTicketKey, key80);
    const wrapped = `${key80.slice(0, 60)}\n${key80.slice(60)}\n`;
    assert.deepEqual(parse({ 'ssl-session-ticket-key': wrapped }), {
      settings: { ...defaultSettings, tls: { ...defaultSettings.tls, sessionTicketKey: key80 } },
      diagnostics: [],
    });
  });

  test('empty means no key, silently', () => {
    assert.deepEqual(parse({ 'ssl-session-ticket-key': '' }), { settings: defaultSettings, diagnostics: [] });
  });

  test('wrong size or not base64 -> null with a warning', () => {
    const key32 = Buffer.alloc(32, 1).toString('base64');
    for (const [bad, problem] of [
      [key32, 'decodes to 32 bytes, nginx needs 48 or 80'],
      ['not base64!', 'not standard base64'],
      [key48.slice(1), 'not standard base64'],
    ] as const) {
      const { settings, diagnostics } = parse({ 'ssl-session-ticket-key': bad });
      assert.equal(settings.tls.sessionTicketKey, null);
      assertInvalid(diagnostics, 'ssl-session-ticket-key', bad, 'no session ticket key');
      assert.ok(diagnostics[0]?.message.includes(problem), diagnostics[0]?.message);
    }
  });
});

describe('HSTS', () => {
  test('header as ingress-nginx renders it', () => {
    const header = (data: Record<string, string>) => parse(data).settings.hsts.header;
    assert.equal(header({}), 'max-age=31536000; includeSubDomains');
    assert.equal(header({ 'hsts-preload': 'true' }), 'max-age=31536000; includeSubDomains; preload');
    assert.equal(header({ 'hsts-include-subdomains': 'false' }), 'max-age=31536000');
    assert.equal(
      header({ 'hsts-include-subdomains': 'false', 'hsts-preload': 'true', 'hsts-max-age': '600' }),
      'max-age=600; preload',
    );
    assert.equal(header({ 'hsts-max-age': '0' }), 'max-age=0; includeSubDomains');
    assert.equal(header({ hsts: 'false', 'hsts-preload': 'true' }), null);
  });

  test('hsts-max-age must be delta-seconds', () => {
    for (const bad of ['-1', '1y', '1e6', '', ' 60']) {
      const { settings, diagnostics } = parse({ 'hsts-max-age': bad });
      assert.equal(settings.hsts.maxAge, 31536000);
      assert.equal(settings.hsts.header, 'max-age=31536000; includeSubDomains');
      assertInvalid(diagnostics, 'hsts-max-age', bad, 'the default 31536000');
    }
  });
});

describe('HTTP keys', () => {
  test('http-redirect-code: 301, 302, 307, 308 only', () => {
    for (const code of [301, 302, 307, 308]) {
      assert.equal(parse({ 'http-redirect-code': String(code) }).settings.http.redirectCode, code);
    }
    for (const bad of ['303', '200', '3O1', '']) {
      const { settings, diagnostics } = parse({ 'http-redirect-code': bad });
      assert.equal(settings.http.redirectCode, 308);
      assertInvalid(diagnostics, 'http-redirect-code', bad, 'the default 308');
    }
  });

  test('no-tls-redirect-locations: comma separated path prefixes', () => {
    assert.deepEqual(
      parse({ 'no-tls-redirect-locations': '/a, /b/,,' }).settings.http.noTlsRedirectLocations,
      ['/a', '/b/'],
    );
    assert.deepEqual(parse({ 'no-tls-redirect-locations': '' }), {
      settings: { ...defaultSettings, http: { ...defaultSettings.http, noTlsRedirectLocations: [] } },
      diagnostics: [],
    });
    const { settings, diagnostics } = parse({ 'no-tls-redirect-locations': '/ok,health' });
    assert.deepEqual(settings.http.noTlsRedirectLocations, ['/ok']);
    assertInvalid(diagnostics, 'no-tls-redirect-locations', '/ok,health', '"/ok"');
  });

  test('proxy-real-ip-cidr: addresses and CIDRs, IPv4 and IPv6', () => {
    const value = '10.0.0.0/8, 192.168.1.10 ,2001:db8::/32,::1,fd00::1/128';
    assert.deepEqual(parse({ 'proxy-real-ip-cidr': value }), {
      settings: {
        ...defaultSettings,
        http: {
          ...defaultSettings.http,
          proxyRealIpCidr: ['10.0.0.0/8', '192.168.1.10', '2001:db8::/32', '::1', 'fd00::1/128'],
        },
      },
      diagnostics: [],
    });
  });

  test('proxy-real-ip-cidr: invalid entries are dropped; never widened back to 0.0.0.0/0', () => {
    const some = parse({ 'proxy-real-ip-cidr': '10.0.0.0/8,10.0.0.0/33,example.com' });
    assert.deepEqual(some.settings.http.proxyRealIpCidr, ['10.0.0.0/8']);
    assertInvalid(
      some.diagnostics,
      'proxy-real-ip-cidr',
      '10.0.0.0/8,10.0.0.0/33,example.com',
      '"10.0.0.0/8"',
    );
    const none = parse({ 'proxy-real-ip-cidr': '10.0.0/8' });
    assert.deepEqual(none.settings.http.proxyRealIpCidr, []);
    assertInvalid(
      none.diagnostics,
      'proxy-real-ip-cidr',
      '10.0.0/8',
      'no trusted addresses (forwarded headers are not trusted)',
    );
    assert.deepEqual(parse({ 'proxy-real-ip-cidr': '' }).settings.http.proxyRealIpCidr, []);
  });
});

describe('timeouts', () => {
  test('proxy-*-timeout and client-header-timeout: whole seconds; unset stays null (data plane default)', () => {
    assert.deepEqual(defaultSettings.http.proxyTimeouts, { connect: null, read: null, send: null });
    assert.equal(defaultSettings.http.clientHeaderTimeout, null);
    const { settings, diagnostics } = parse({
      'proxy-connect-timeout': '2',
      'proxy-read-timeout': '300',
      'proxy-send-timeout': '30',
      'client-header-timeout': '10',
    });
    assert.deepEqual(diagnostics, []);
    assert.deepEqual(settings.http.proxyTimeouts, { connect: 2, read: 300, send: 30 });
    assert.equal(settings.http.clientHeaderTimeout, 10);
  });

  const defaults = {
    'proxy-connect-timeout': 5,
    'proxy-read-timeout': 60,
    'proxy-send-timeout': 60,
    'client-header-timeout': 60,
  };
  for (const [key, fallback] of Object.entries(defaults)) {
    test(`${key}: a unit, zero, a negative or a fraction falls back to ${fallback}`, () => {
      for (const bad of ['60s', '0', '-1', '2.5', '', 'x']) {
        const { settings, diagnostics } = parse({ [key]: bad });
        assert.deepEqual(settings.http.proxyTimeouts, { connect: null, read: null, send: null });
        assert.equal(settings.http.clientHeaderTimeout, null);
        assertInvalid(diagnostics, key, bad, `the default ${fallback}`);
      }
    });
  }
});

describe('unknown keys', () => {
  test('one info diagnostic per key, sorted; supported keys are never reported', () => {
    const { settings, diagnostics } = parse({
      'proxy-body-size': '8m',
      'enable-brotli': 'true',
      hsts: 'false',
    });
    assert.equal(settings.hsts.enabled, false);
    assert.deepEqual(
      diagnostics.map((d) => [d.code, d.severity, d.object.field, d.message]),
      [
        [
          'UnknownConfigMapKey',
          'info',
          'enable-brotli',
          'ConfigMap key enable-brotli is not supported by portcullis and is ignored',
        ],
        [
          'UnknownConfigMapKey',
          'info',
          'proxy-body-size',
          'ConfigMap key proxy-body-size is not supported by portcullis and is ignored',
        ],
      ],
    );
  });

  test('supportedConfigMapKeys lists every key that changes a setting', () => {
    const data: Record<string, string> = {
      'ssl-protocols': 'TLSv1.3',
      'ssl-ciphers': 'HIGH',
      'ssl-ecdh-curve': 'X25519',
      'ssl-session-cache-size': '1m',
      'ssl-session-timeout': '1h',
      'ssl-session-ticket-key': Buffer.alloc(48).toString('base64'),
      'hsts-max-age': '60',
      'http-redirect-code': '301',
      'no-tls-redirect-locations': '/x',
      'proxy-real-ip-cidr': '10.0.0.1',
      'proxy-connect-timeout': '1',
      'proxy-read-timeout': '2',
      'proxy-send-timeout': '3',
      'client-header-timeout': '4',
    };
    for (const [key, get] of boolKeys) data[key] = String(!get(defaultSettings));
    assert.deepEqual(Object.keys(data).sort(), [...supportedConfigMapKeys].sort());
    const { settings, diagnostics } = parse(data);
    assert.deepEqual(diagnostics, []);
    for (const [section, values] of Object.entries(settings)) {
      for (const [field, value] of Object.entries(values as object)) {
        if (section === 'hsts' && field === 'header') continue; // null because hsts is now false
        const before = (defaultSettings as unknown as Record<string, Record<string, unknown>>)[section]?.[
          field
        ];
        assert.notDeepEqual(value, before, `${section}.${field} was not changed by any key`);
      }
    }
  });

  test('without a source object the diagnostics still name the key', () => {
    const { diagnostics } = parseSettings({ 'hsts-max-age': 'x' }, null);
    assert.deepEqual(diagnostics[0]?.object, {
      kind: 'ConfigMap',
      namespace: '',
      name: '',
      field: 'hsts-max-age',
    });
  });
});

describe('address validation', () => {
  test('IPv4: four decimal octets, no leading zeros', () => {
    for (const ok of ['0.0.0.0', '255.255.255.255', '10.1.2.3']) assert.equal(isIPv4(ok), true, ok);
    for (const bad of ['256.0.0.1', '10.0.0', '10.0.0.01', '1.2.3.4.5', '', 'a.b.c.d'])
      assert.equal(isIPv4(bad), false, bad);
  });

  test('IPv6: RFC 4291 text forms', () => {
    for (const ok of [
      '::',
      '::1',
      '1::',
      'fe80::1:2',
      '2001:db8:0:0:0:0:0:1',
      '::ffff:192.0.2.1',
      '1:2:3:4:5:6:7::',
    ]) {
      assert.equal(isIPv6(ok), true, ok);
    }
    for (const bad of [
      '1:2:3:4:5:6:7:8:9',
      '1::2::3',
      ':1',
      'gggg::',
      '12345::',
      '1.2.3.4::',
      'fe80::1%eth0',
      '1:2:3:4:5:6:7',
    ]) {
      assert.equal(isIPv6(bad), false, bad);
    }
  });

  test('CIDR prefixes are bounded by the family', () => {
    for (const ok of ['0.0.0.0/0', '10.0.0.0/32', '::/0', '2001:db8::/128', '1.2.3.4'])
      assert.equal(isIpOrCidr(ok), true, ok);
    for (const bad of ['10.0.0.0/33', '::/129', '10.0.0.0/', '10.0.0.0/08', '/8', 'host/8']) {
      assert.equal(isIpOrCidr(bad), false, bad);
    }
  });
});
