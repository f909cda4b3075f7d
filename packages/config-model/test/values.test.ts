import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  isOpenSslCipherList,
  parseGoBool,
  parseGoInt,
  parseIntInRange,
  parseNginxSize,
  parseNginxTime,
  parseUnsignedInt,
  quote,
  splitList,
} from '../src/values.ts';

describe('parseGoBool (strconv.ParseBool)', () => {
  test('accepts exactly the twelve Go spellings', () => {
    for (const s of ['1', 't', 'T', 'TRUE', 'true', 'True']) assert.equal(parseGoBool(s), true, s);
    for (const s of ['0', 'f', 'F', 'FALSE', 'false', 'False']) assert.equal(parseGoBool(s), false, s);
  });

  test('refuses everything else, including YAML-ish and padded spellings', () => {
    for (const s of ['', 'yes', 'no', 'on', 'off', 'tRuE', 'fAlse', ' true', 'true ', '2', 'y', 'TRUE\n']) {
      assert.equal(parseGoBool(s), undefined, JSON.stringify(s));
    }
  });
});

describe('parseGoInt (strconv.Atoi)', () => {
  test('decimal with optional sign and leading zeros', () => {
    assert.equal(parseGoInt('42'), 42);
    assert.equal(parseGoInt('+42'), 42);
    assert.equal(parseGoInt('-7'), -7);
    assert.equal(parseGoInt('007'), 7);
    assert.equal(parseGoInt('0'), 0);
  });

  test('no spaces, underscores, hex, decimals, or unsafe magnitudes', () => {
    for (const s of ['', ' 1', '1 ', '1_000', '0x10', '1.0', '1e3', '+', '-', '9007199254740993']) {
      assert.equal(parseGoInt(s), undefined, JSON.stringify(s));
    }
  });

  test('parseIntInRange bounds are inclusive', () => {
    assert.equal(parseIntInRange('300', 300, 308), 300);
    assert.equal(parseIntInRange('308', 300, 308), 308);
    assert.equal(parseIntInRange('309', 300, 308), undefined);
    assert.equal(parseIntInRange('299', 300, 308), undefined);
    assert.equal(parseIntInRange('x', 300, 308), undefined);
  });

  test('parseUnsignedInt refuses signs', () => {
    assert.equal(parseUnsignedInt('31536000'), 31536000);
    assert.equal(parseUnsignedInt('0'), 0);
    assert.equal(parseUnsignedInt('+1'), undefined);
    assert.equal(parseUnsignedInt('-1'), undefined);
    assert.equal(parseUnsignedInt(''), undefined);
  });
});

describe('parseNginxTime (seconds)', () => {
  const valid: [string, number][] = [
    ['30s', 30],
    ['10m', 600],
    ['1h', 3600],
    ['1d', 86400],
    ['1w', 604800],
    ['1M', 2592000],
    ['1y', 31536000],
    ['45', 45],
    ['0', 0],
    ['1h 30m', 5400],
    ['1h30m', 5400],
    ['1d2h3m4s', 93784],
    ['1m30', 90],
    [' 10m ', 600],
  ];
  for (const [input, seconds] of valid) {
    test(`${JSON.stringify(input)} -> ${seconds}`, () => assert.equal(parseNginxTime(input), seconds));
  }

  test('refuses ms (seconds-valued directives), unknown units, wrong order, repeats, junk', () => {
    for (const s of [
      '',
      '10ms',
      '10x',
      '10 m',
      'm',
      '30m1h',
      '1m1m',
      '1.5h',
      '-1s',
      '10m abc',
      '5 5',
      'h10',
    ]) {
      assert.equal(parseNginxTime(s), undefined, JSON.stringify(s));
    }
  });
});

describe('parseNginxSize (bytes)', () => {
  test('bare bytes, k/K and m/M', () => {
    assert.equal(parseNginxSize('512'), 512);
    assert.equal(parseNginxSize('512k'), 524288);
    assert.equal(parseNginxSize('512K'), 524288);
    assert.equal(parseNginxSize('10m'), 10485760);
    assert.equal(parseNginxSize('10M'), 10485760);
  });

  test('refuses units ngx_parse_size does not know and junk', () => {
    for (const s of ['', '10g', '10b', '10 m', 'm', '1.5m', '-1', '10mb']) {
      assert.equal(parseNginxSize(s), undefined, JSON.stringify(s));
    }
  });
});

describe('isOpenSslCipherList (ingress-nginx regexValidSSLCipher)', () => {
  test('accepts cipher lists and OpenSSL directives', () => {
    for (const s of [
      'ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384',
      'ALL:!aNULL:!EXPORT56:RC4+RSA:+HIGH:+MEDIUM:+LOW:+SSLv2:+EXP',
      'HIGH:!aNULL@SECLEVEL=1',
      'DEFAULT@STRENGTH',
      'ECDHE-RSA-AES128-GCM-SHA256 : HIGH',
    ]) {
      assert.equal(isOpenSslCipherList(s), true, s);
    }
  });

  test('refuses characters that could break out of the directive', () => {
    for (const s of ["HIGH';", 'HIGH;ssl_x on', 'HIGH\nx', 'HIGH,LOW', 'A@SECLEVEL=9', '$var']) {
      assert.equal(isOpenSslCipherList(s), false, JSON.stringify(s));
    }
  });
});

test('splitList trims and drops empty items', () => {
  assert.deepEqual(splitList(' a, b ,,c ,'), ['a', 'b', 'c']);
  assert.deepEqual(splitList(''), []);
});

test('quote keeps empty and whitespace values visible', () => {
  assert.equal(quote(''), '""');
  assert.equal(quote(' x'), '" x"');
});
