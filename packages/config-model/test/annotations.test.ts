import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseAnnotations, supportedAnnotations } from '../src/annotations/parse.ts';
import type { IngressAnnotations } from '../src/annotations/types.ts';
import { defaultSettings } from '../src/configmap/parse.ts';
import type { Settings } from '../src/configmap/types.ts';

const prefix = 'nginx.ingress.kubernetes.io/';
const ingress = { namespace: 'shop', name: 'web' };

/** Annotations given by short name. */
function parse(short: Record<string, string>, settings: Settings = defaultSettings) {
  const full = Object.fromEntries(Object.entries(short).map(([k, v]) => [prefix + k, v]));
  return parseAnnotations(full, ingress, settings);
}

const defaults: IngressAnnotations = {
  sslRedirect: true,
  forceSslRedirect: false,
  preserveTrailingSlash: false,
  usePortInRedirects: false,
  sslPassthrough: false,
  backendProtocol: 'HTTP',
  sslCiphers: null,
  sslPreferServerCiphers: null,
  serverAliases: [],
  fromToWwwRedirect: false,
  permanentRedirect: null,
  temporalRedirect: null,
  proxySsl: null,
  authTls: null,
  proxyTimeouts: { connect: null, read: null, send: null },
};

type Result = ReturnType<typeof parse>;

/** One diagnostic, about `short`, of the given code, naming the value and the consequence. */
function assertOne(
  result: Result,
  short: string,
  code: 'InvalidAnnotationValue' | 'IngressRejected',
  ...parts: string[]
) {
  assert.equal(result.diagnostics.length, 1, JSON.stringify(result.diagnostics, null, 1));
  const [d] = result.diagnostics;
  assert.equal(d?.code, code);
  assert.equal(d?.severity, code === 'IngressRejected' ? 'error' : 'warning');
  assert.deepEqual(d?.object, { kind: 'Ingress', namespace: 'shop', name: 'web', field: prefix + short });
  assert.ok(d?.message.includes(prefix + short), d?.message);
  for (const part of parts) assert.ok(d?.message.includes(part), `${d?.message}\n  lacks: ${part}`);
  assert.equal(result.rejected, code === 'IngressRejected');
}

function assertRejected(result: Result, short: string, value: string) {
  assertOne(result, short, 'IngressRejected', JSON.stringify(value), 'the Ingress is rejected');
}

function assertFallback(result: Result, short: string, value: string, used: string) {
  assertOne(result, short, 'InvalidAnnotationValue', JSON.stringify(value), `; using ${used}`);
}

describe('defaults', () => {
  test('no annotations -> the ConfigMap redirect defaults and everything off', () => {
    assert.deepEqual(parseAnnotations(undefined, ingress, defaultSettings), {
      annotations: defaults,
      diagnostics: [],
      rejected: false,
    });
    assert.deepEqual(parse({}), { annotations: defaults, diagnostics: [], rejected: false });
  });

  test('redirect defaults follow the ConfigMap', () => {
    const settings: Settings = {
      ...defaultSettings,
      redirect: {
        sslRedirect: false,
        forceSslRedirect: true,
        preserveTrailingSlash: true,
        usePortInRedirects: true,
      },
    };
    const { annotations } = parse({}, settings);
    assert.deepEqual(
      [
        annotations.sslRedirect,
        annotations.forceSslRedirect,
        annotations.preserveTrailingSlash,
        annotations.usePortInRedirects,
      ],
      [false, true, true, true],
    );
  });

  test('other prefixes and unknown nginx annotations are ignored silently', () => {
    const result = parseAnnotations(
      { [`${prefix}proxy-body-size`]: '8m', 'ssl-redirect': 'false', 'example.com/ssl-redirect': 'false' },
      ingress,
      defaultSettings,
    );
    assert.deepEqual(result, { annotations: defaults, diagnostics: [], rejected: false });
  });
});

describe('redirect flags (fall back to the ConfigMap value)', () => {
  const flags = [
    ['ssl-redirect', 'sslRedirect'],
    ['force-ssl-redirect', 'forceSslRedirect'],
    ['preserve-trailing-slash', 'preserveTrailingSlash'],
    ['use-port-in-redirects', 'usePortInRedirects'],
  ] as const;
  for (const [short, field] of flags) {
    test(short, () => {
      const fallback = defaultSettings.redirect[field];
      assert.equal(parse({ [short]: String(!fallback) }).annotations[field], !fallback);
      assert.equal(parse({ [short]: fallback ? '0' : 'T' }).annotations[field], !fallback);
      for (const bad of ['yes', '', 'off']) {
        const result = parse({ [short]: bad });
        assert.equal(result.annotations[field], fallback);
        assertFallback(result, short, bad, `the ConfigMap value ${fallback}`);
      }
    });
  }
});

describe('proxy-*-timeout (fall back to the ConfigMap value)', () => {
  const withConfigMap: Settings = {
    ...defaultSettings,
    http: { ...defaultSettings.http, proxyTimeouts: { connect: 7, read: 120, send: null } },
  };
  test('whole seconds override the ConfigMap per Ingress, each key on its own', () => {
    const result = parse({ 'proxy-read-timeout': '3', 'proxy-send-timeout': '600' }, withConfigMap);
    assert.deepEqual(result.annotations.proxyTimeouts, { connect: 7, read: 3, send: 600 });
    assert.deepEqual(result.diagnostics, []);
    assert.equal(parse({}, withConfigMap).annotations.proxyTimeouts, withConfigMap.http.proxyTimeouts);
  });
  for (const short of ['proxy-connect-timeout', 'proxy-read-timeout', 'proxy-send-timeout'] as const) {
    test(`${short}: a unit, zero, a fraction or garbage keeps the ConfigMap value`, () => {
      const field =
        short === 'proxy-connect-timeout' ? 'connect' : short === 'proxy-read-timeout' ? 'read' : 'send';
      for (const bad of ['10s', '0', '-5', '1.5', 'soon', '', '99999999']) {
        const result = parse({ [short]: bad }, withConfigMap);
        assert.equal(result.rejected, false);
        assert.equal(result.annotations.proxyTimeouts[field], withConfigMap.http.proxyTimeouts[field]);
        const used =
          field === 'send' ? 'the default' : `the ConfigMap's ${withConfigMap.http.proxyTimeouts[field]}`;
        assertFallback(result, short, bad, used);
      }
    });
  }
});

describe('ssl-passthrough', () => {
  test('true/false', () => {
    assert.equal(parse({ 'ssl-passthrough': 'true' }).annotations.sslPassthrough, true);
    assert.equal(parse({ 'ssl-passthrough': 'False' }).annotations.sslPassthrough, false);
  });
  test('not a boolean -> the Ingress is rejected (ValidateBool error is returned)', () => {
    assertRejected(parse({ 'ssl-passthrough': 'yes' }), 'ssl-passthrough', 'yes');
  });
  test('empty -> off with a warning, not rejected', () => {
    const result = parse({ 'ssl-passthrough': '' });
    assert.equal(result.annotations.sslPassthrough, false);
    assertFallback(result, 'ssl-passthrough', '', 'false');
  });
});

describe('backend-protocol', () => {
  test('the five protocols in any case, trimmed', () => {
    for (const [value, expected] of [
      ['HTTPS', 'HTTPS'],
      ['https', 'HTTPS'],
      [' GRPC ', 'GRPC'],
      ['grpcs', 'GRPCS'],
      ['auto_http', 'AUTO_HTTP'],
      ['Http', 'HTTP'],
    ] as const) {
      const result = parse({ 'backend-protocol': value });
      assert.equal(result.annotations.backendProtocol, expected, value);
      assert.deepEqual(result.diagnostics, []);
    }
  });
  test('anything else -> HTTP with a warning (ingress-nginx swallows the validation error)', () => {
    for (const bad of ['HTTP2', 'AJP', '', 'h2c']) {
      const result = parse({ 'backend-protocol': bad });
      assert.equal(result.annotations.backendProtocol, 'HTTP');
      assertFallback(result, 'backend-protocol', bad, 'HTTP, as ingress-nginx does');
    }
  });
  test('FCGI is valid in ingress-nginx but unsupported here -> rejected', () => {
    const result = parse({ 'backend-protocol': 'fcgi' });
    assertRejected(result, 'backend-protocol', 'fcgi');
    assert.match(result.diagnostics[0]?.message ?? '', /FastCGI/);
  });
});

describe('ssl-ciphers and ssl-prefer-server-ciphers', () => {
  test('a cipher list is kept (trimmed)', () => {
    assert.equal(
      parse({ 'ssl-ciphers': ' ECDHE-RSA-AES128-GCM-SHA256:!aNULL@SECLEVEL=1 ' }).annotations.sslCiphers,
      'ECDHE-RSA-AES128-GCM-SHA256:!aNULL@SECLEVEL=1',
    );
  });
  test('invalid characters -> rejected', () => {
    for (const bad of ['HIGH;', "HIGH' ; return 200", 'HIGH\nLOW']) {
      const result = parse({ 'ssl-ciphers': bad });
      assertRejected(result, 'ssl-ciphers', bad);
      assert.equal(result.annotations.sslCiphers, null);
    }
  });
  test('empty -> unset with a warning', () => {
    const result = parse({ 'ssl-ciphers': '' });
    assert.equal(result.annotations.sslCiphers, null);
    assertFallback(result, 'ssl-ciphers', '', 'the ConfigMap ssl-ciphers');
  });
  test('ssl-prefer-server-ciphers: boolean, else unset', () => {
    assert.equal(parse({ 'ssl-prefer-server-ciphers': 'true' }).annotations.sslPreferServerCiphers, true);
    assert.equal(parse({ 'ssl-prefer-server-ciphers': 'false' }).annotations.sslPreferServerCiphers, false);
    const result = parse({ 'ssl-prefer-server-ciphers': 'on' });
    assert.equal(result.annotations.sslPreferServerCiphers, null);
    assertFallback(result, 'ssl-prefer-server-ciphers', 'on', 'the server default (not set)');
  });
});

describe('server-alias', () => {
  test('trimmed, lowercased, deduplicated, sorted; wildcards allowed', () => {
    const result = parse({
      'server-alias': ' WWW.Example.com,*.example.org, www.example.com ,,b.example.com',
    });
    assert.deepEqual(result.annotations.serverAliases, ['*.example.org', 'b.example.com', 'www.example.com']);
    assert.deepEqual(result.diagnostics, []);
  });
  test('characters outside ingress-nginx server-name set -> rejected', () => {
    for (const bad of ['a.example.com;b', 'a example.com', 'a.example.com"', 'x.com\ny.com']) {
      const result = parse({ 'server-alias': bad });
      assertRejected(result, 'server-alias', bad);
      assert.deepEqual(result.annotations.serverAliases, []);
    }
  });
  test('nginx regex names pass ingress-nginx validation but are dropped here with a warning', () => {
    const value = 'a.example.com,~^www\\d+\\.example\\.com$';
    const result = parse({ 'server-alias': value });
    assert.deepEqual(result.annotations.serverAliases, ['a.example.com']);
    assertFallback(result, 'server-alias', value, 'the other aliases');
  });
  test('empty -> no aliases with a warning', () => {
    const result = parse({ 'server-alias': ' , ' });
    assert.deepEqual(result.annotations.serverAliases, []);
    assertFallback(result, 'server-alias', ' , ', 'no aliases');
  });
});

describe('permanent and temporal redirects', () => {
  test('permanent-redirect with the default 301 and a custom code', () => {
    assert.deepEqual(
      parse({ 'permanent-redirect': 'https://new.example.com/a?b=c' }).annotations.permanentRedirect,
      {
        url: 'https://new.example.com/a?b=c',
        code: 301,
      },
    );
    assert.deepEqual(
      parse({ 'permanent-redirect': 'https://x.example', 'permanent-redirect-code': '308' }).annotations
        .permanentRedirect,
      {
        url: 'https://x.example',
        code: 308,
      },
    );
  });
  test('permanent-redirect keeps a same-host path, as nginx return 301 does', () => {
    assert.deepEqual(parse({ 'permanent-redirect': '/new-home' }).annotations.permanentRedirect, {
      url: '/new-home',
      code: 301,
    });
  });
  test('temporal-redirect with the default 302; codes up to 307 only', () => {
    assert.deepEqual(
      parse({ 'temporal-redirect': 'http://maint.example.com' }).annotations.temporalRedirect,
      {
        url: 'http://maint.example.com',
        code: 302,
      },
    );
    assert.equal(
      parse({ 'temporal-redirect': 'http://m.example', 'temporal-redirect-code': '307' }).annotations
        .temporalRedirect?.code,
      307,
    );
    const result = parse({ 'temporal-redirect': 'http://m.example', 'temporal-redirect-code': '308' });
    assert.equal(result.annotations.temporalRedirect?.code, 302);
    assertFallback(result, 'temporal-redirect-code', '308', 'the default 302');
  });
  test('out-of-range permanent code -> 301 with a warning', () => {
    for (const bad of ['309', '200', '-301']) {
      const result = parse({ 'permanent-redirect': 'https://x.example', 'permanent-redirect-code': bad });
      assert.deepEqual(result.annotations.permanentRedirect, { url: 'https://x.example', code: 301 });
      assertFallback(result, 'permanent-redirect-code', bad, 'the default 301');
    }
  });
  test('a code that is not an integer rejects the Ingress, even without a URL', () => {
    assertRejected(
      parse({ 'permanent-redirect': 'https://x.example', 'permanent-redirect-code': '30x' }),
      'permanent-redirect-code',
      '30x',
    );
    assertRejected(parse({ 'permanent-redirect-code': 'abc' }), 'permanent-redirect-code', 'abc');
    assertRejected(
      parse({ 'temporal-redirect': 'https://x.example', 'temporal-redirect-code': '3.0' }),
      'temporal-redirect-code',
      '3.0',
    );
  });
  test('URL characters outside URLIsValidRegex -> rejected', () => {
    for (const short of ['permanent-redirect', 'temporal-redirect']) {
      for (const bad of ['https://x.example/a%20b', 'https://x.example/#frag', 'https://x.example/ a']) {
        const result = parse({ [short]: bad });
        assertRejected(result, short, bad);
        assert.equal(result.annotations.permanentRedirect, null);
        assert.equal(result.annotations.temporalRedirect, null);
      }
    }
  });
  test('a temporal URL that is not http(s) drops the redirect group (not rejected)', () => {
    const result = parse({ 'temporal-redirect': 'ftp://files.example.com', 'from-to-www-redirect': 'true' });
    assert.deepEqual(
      [
        result.annotations.temporalRedirect,
        result.annotations.permanentRedirect,
        result.annotations.fromToWwwRedirect,
      ],
      [null, null, false],
    );
    assertOne(
      result,
      'temporal-redirect',
      'InvalidAnnotationValue',
      'not an absolute http or https URL',
      'are all ignored',
    );
  });
  test('temporal wins and permanent-redirect is then not even validated', () => {
    const result = parse({
      'temporal-redirect': 'https://t.example',
      'permanent-redirect': 'bad url%',
      'permanent-redirect-code': 'x',
    });
    assert.deepEqual(result.annotations.temporalRedirect, { url: 'https://t.example', code: 302 });
    assert.equal(result.annotations.permanentRedirect, null);
    assert.deepEqual(result.diagnostics, []);
  });
  test('an empty member drops the whole group with a warning', () => {
    for (const short of [
      'from-to-www-redirect',
      'temporal-redirect',
      'permanent-redirect',
      'permanent-redirect-code',
    ]) {
      const result = parse({
        'from-to-www-redirect': 'true',
        'permanent-redirect': 'https://p.example',
        [short]: '',
      });
      assert.deepEqual(
        [
          result.annotations.fromToWwwRedirect,
          result.annotations.permanentRedirect,
          result.annotations.temporalRedirect,
        ],
        [false, null, null],
        short,
      );
      assertOne(
        result,
        short,
        'InvalidAnnotationValue',
        'the value is empty',
        'are all ignored, as ingress-nginx does',
      );
    }
  });
});

describe('from-to-www-redirect', () => {
  test('boolean, combinable with a redirect', () => {
    assert.equal(parse({ 'from-to-www-redirect': 'true' }).annotations.fromToWwwRedirect, true);
    const both = parse({ 'from-to-www-redirect': '1', 'temporal-redirect': 'https://t.example' }).annotations;
    assert.deepEqual([both.fromToWwwRedirect, both.temporalRedirect?.url], [true, 'https://t.example']);
  });
  test('not a boolean -> rejected', () => {
    assertRejected(parse({ 'from-to-www-redirect': 'yes' }), 'from-to-www-redirect', 'yes');
  });
});

describe('proxy-ssl-*', () => {
  test('secret reference forms', () => {
    const secret = (value: string) => parse({ 'proxy-ssl-secret': value }).annotations.proxySsl?.secret;
    assert.deepEqual(secret('shop/backend-ca'), { namespace: 'shop', name: 'backend-ca' });
    assert.deepEqual(secret('other/backend-ca'), { namespace: 'other', name: 'backend-ca' });
    assert.deepEqual(secret('backend-ca'), { namespace: 'shop', name: 'backend-ca' });
    assert.deepEqual(secret('/backend-ca'), { namespace: 'shop', name: 'backend-ca' });
    assert.deepEqual(secret(' shop/backend-ca '), { namespace: 'shop', name: 'backend-ca' });
  });
  test('defaults with a secret: verify off, no name, no SNI', () => {
    assert.deepEqual(parse({ 'proxy-ssl-secret': 'ca' }), {
      annotations: {
        ...defaults,
        proxySsl: { secret: { namespace: 'shop', name: 'ca' }, verify: false, name: null, serverName: false },
      },
      diagnostics: [],
      rejected: false,
    });
  });
  test('malformed references reject the Ingress (fail closed)', () => {
    for (const bad of ['a/b/c', 'shop/', 'shop/Backend_CA', 'UPPER/ca', 'shop/ca;x', 'shop/ca$']) {
      assertRejected(parse({ 'proxy-ssl-secret': bad }), 'proxy-ssl-secret', bad);
    }
  });
  test('verify, name and server-name', () => {
    const result = parse({
      'proxy-ssl-secret': 'ca',
      'proxy-ssl-verify': 'on',
      'proxy-ssl-name': ' Backend.Internal ',
      'proxy-ssl-server-name': ' on',
    });
    assert.deepEqual(result.annotations.proxySsl, {
      secret: { namespace: 'shop', name: 'ca' },
      verify: true,
      name: 'backend.internal',
      serverName: true,
    });
    assert.deepEqual(result.diagnostics, []);
  });
  test("on/off are case-sensitive; anything else -> 'off'", () => {
    for (const short of ['proxy-ssl-verify', 'proxy-ssl-server-name']) {
      for (const bad of ['ON', 'true', '']) {
        const result = parse({ 'proxy-ssl-secret': 'ca', [short]: bad });
        assert.equal(
          result.annotations.proxySsl?.[short === 'proxy-ssl-verify' ? 'verify' : 'serverName'],
          false,
        );
        assertFallback(result, short, bad, "the default 'off'");
      }
    }
  });
  test('proxy-ssl-name: nginx variables and odd characters -> unset', () => {
    for (const [bad, problem] of [
      ['$host', 'nginx variables are not supported'],
      ['a b', 'expected a host name'],
      ['', 'expected a host name'],
    ] as const) {
      const result = parse({ 'proxy-ssl-secret': 'ca', 'proxy-ssl-name': bad });
      assert.equal(result.annotations.proxySsl?.name, null);
      assertFallback(result, 'proxy-ssl-name', bad, 'the backend host name (not set)');
      assert.ok(result.diagnostics[0]?.message.includes(problem));
    }
  });
  test('without a secret the group is ignored, as in ingress-nginx', () => {
    const result = parse({ 'proxy-ssl-verify': 'on', 'proxy-ssl-name': 'x.example' });
    assert.equal(result.annotations.proxySsl, null);
    assert.equal(result.rejected, false);
    assert.deepEqual(
      result.diagnostics.map((d) => [d.code, d.object.field]),
      [
        ['InvalidAnnotationValue', `${prefix}proxy-ssl-verify`],
        ['InvalidAnnotationValue', `${prefix}proxy-ssl-name`],
      ],
    );
    assert.match(
      result.diagnostics[0]?.message ?? '',
      /is ignored because nginx.ingress.kubernetes.io\/proxy-ssl-secret is not set/,
    );
  });
  test('an empty secret turns the group off with a warning', () => {
    const result = parse({ 'proxy-ssl-secret': '' });
    assert.equal(result.annotations.proxySsl, null);
    assertFallback(result, 'proxy-ssl-secret', '', 'nothing: the annotation is ignored');
  });
});

describe('auth-tls-*', () => {
  const secret = { namespace: 'shop', name: 'client-ca' };
  test('defaults with a secret: verify on, depth 1, no certificate passed', () => {
    assert.deepEqual(parse({ 'auth-tls-secret': 'shop/client-ca' }).annotations.authTls, {
      secret,
      verifyClient: 'on',
      verifyDepth: 1,
      passCertificateToUpstream: false,
    });
  });
  test('all values', () => {
    for (const verify of ['on', 'off', 'optional', 'optional_no_ca'] as const) {
      const result = parse({
        'auth-tls-secret': 'client-ca',
        'auth-tls-verify-client': verify,
        'auth-tls-verify-depth': '3',
        'auth-tls-pass-certificate-to-upstream': 'true',
      });
      assert.deepEqual(result.annotations.authTls, {
        secret,
        verifyClient: verify,
        verifyDepth: 3,
        passCertificateToUpstream: true,
      });
      assert.deepEqual(result.diagnostics, []);
    }
  });
  test("verify-client outside the set -> 'on' (fails closed)", () => {
    for (const bad of ['required', 'ON', '']) {
      const result = parse({ 'auth-tls-secret': 'client-ca', 'auth-tls-verify-client': bad });
      assert.equal(result.annotations.authTls?.verifyClient, 'on');
      assertFallback(result, 'auth-tls-verify-client', bad, "the default 'on'");
    }
  });
  test('verify-depth: 0 means the default 1; negative or non-integer -> 1 with a warning', () => {
    assert.deepEqual(parse({ 'auth-tls-secret': 'client-ca', 'auth-tls-verify-depth': '0' }).diagnostics, []);
    for (const bad of ['-1', 'two', '1.5', '']) {
      const result = parse({ 'auth-tls-secret': 'client-ca', 'auth-tls-verify-depth': bad });
      assert.equal(result.annotations.authTls?.verifyDepth, 1);
      assertFallback(result, 'auth-tls-verify-depth', bad, 'the default 1');
    }
  });
  test('pass-certificate-to-upstream: not a boolean rejects the Ingress; empty is false', () => {
    assertRejected(
      parse({ 'auth-tls-secret': 'client-ca', 'auth-tls-pass-certificate-to-upstream': 'yes' }),
      'auth-tls-pass-certificate-to-upstream',
      'yes',
    );
    const empty = parse({ 'auth-tls-secret': 'client-ca', 'auth-tls-pass-certificate-to-upstream': '' });
    assert.equal(empty.annotations.authTls?.passCertificateToUpstream, false);
    assertFallback(empty, 'auth-tls-pass-certificate-to-upstream', '', 'false');
  });
  test('malformed secret references reject the Ingress', () => {
    for (const bad of ['a/b/c', 'shop/client ca', 'shop/ca?']) {
      const result = parse({ 'auth-tls-secret': bad });
      assertRejected(result, 'auth-tls-secret', bad);
      assert.equal(result.annotations.authTls, null);
    }
  });
  test('without a secret the other auth-tls annotations are not read (no rejection)', () => {
    const result = parse({ 'auth-tls-pass-certificate-to-upstream': 'yes' });
    assert.equal(result.annotations.authTls, null);
    assert.equal(result.rejected, false);
    assert.equal(result.diagnostics[0]?.code, 'InvalidAnnotationValue');
    assert.match(
      result.diagnostics[0]?.message ?? '',
      /is ignored because nginx.ingress.kubernetes.io\/auth-tls-secret is not set/,
    );
  });
});

describe('supportedAnnotations', () => {
  test('every listed annotation is read: a garbage value is always reported', () => {
    const groups: Record<string, Record<string, string>> = {
      'proxy-ssl-': { 'proxy-ssl-secret': 'ca' },
      'auth-tls-': { 'auth-tls-secret': 'ca' },
      'permanent-redirect-code': { 'permanent-redirect': 'https://p.example' },
      'temporal-redirect-code': { 'temporal-redirect': 'https://t.example' },
    };
    for (const short of supportedAnnotations) {
      const context =
        Object.entries(groups).find(([p]) => short.startsWith(p) && !short.endsWith('-secret'))?.[1] ?? {};
      const result = parse({ ...context, [short]: '\u0007garbage' });
      assert.ok(
        result.diagnostics.some((d) => d.object.field === prefix + short),
        `${short}: ${JSON.stringify(result.diagnostics)}`,
      );
    }
  });
  test('several problems are all reported, and one rejection is enough', () => {
    const result = parse({ 'ssl-redirect': 'nope', 'ssl-passthrough': 'maybe', 'server-alias': 'bad;alias' });
    assert.equal(result.rejected, true);
    assert.deepEqual(
      result.diagnostics.map((d) => [d.code, d.object.field]),
      [
        ['InvalidAnnotationValue', `${prefix}ssl-redirect`],
        ['IngressRejected', `${prefix}ssl-passthrough`],
        ['IngressRejected', `${prefix}server-alias`],
      ],
    );
  });
});
