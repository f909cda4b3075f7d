/**
 * Scalar value parsers shared by ConfigMap keys and Ingress annotations. Each one accepts exactly
 * what the component ingress-nginx hands the value to accepts (Go's strconv, nginx's
 * ngx_parse_time / ngx_parse_size), so a manifest that worked there means the same thing here.
 * All return undefined for an invalid value; callers decide between default and rejection.
 */

const goTrue = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const goFalse = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);

/** Go's strconv.ParseBool: exactly these twelve spellings, no trimming, no "yes"/"on". */
export function parseGoBool(s: string): boolean | undefined {
  if (goTrue.has(s)) return true;
  if (goFalse.has(s)) return false;
  return undefined;
}

/**
 * Go's strconv.Atoi: optional sign, decimal digits only (no spaces, no underscores, no 0x).
 * Values outside JavaScript's safe integer range are refused rather than rounded.
 */
export function parseGoInt(s: string): number | undefined {
  if (!/^[+-]?\d+$/.test(s)) return undefined;
  const n = Number(s);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** The longest timeout a timer can hold (2^31 - 1 ms), in whole seconds. */
const MAX_TIMEOUT_SECONDS = 2_147_483;

export const timeoutExpected = `a whole number of seconds from 1 to ${MAX_TIMEOUT_SECONDS}`;

/** A timeout as ingress-nginx's int-valued keys and annotations take it: seconds, no unit. */
export function parseTimeoutSeconds(s: string): number | undefined {
  return parseIntInRange(s, 1, MAX_TIMEOUT_SECONDS);
}

/** parseGoInt, then min <= n <= max. */
export function parseIntInRange(s: string, min: number, max: number): number | undefined {
  const n = parseGoInt(s);
  return n !== undefined && n >= min && n <= max ? n : undefined;
}

/** A non-negative decimal integer without sign (RFC 6797 §6.1.1 delta-seconds and the like). */
export function parseUnsignedInt(s: string): number | undefined {
  if (!/^\d+$/.test(s)) return undefined;
  const n = Number(s);
  return Number.isSafeInteger(n) ? n : undefined;
}

// ngx_parse_time units for second-valued directives (is_sec): largest first. 'ms' is refused
// there, and nginx defines a month as 30 days and a year as 365 days.
const timeUnits: readonly (readonly [string, number])[] = [
  ['y', 365 * 86400],
  ['M', 30 * 86400],
  ['w', 7 * 86400],
  ['d', 86400],
  ['h', 3600],
  ['m', 60],
  ['s', 1],
];

/**
 * An nginx time for a second-valued directive (ssl_session_timeout): `30s`, `10m`, `1h`, `1d`,
 * `1h 30m`, a bare number meaning seconds. Units may appear once each, largest first, as
 * ngx_parse_time requires; a trailing bare number counts as seconds. Returns seconds.
 */
export function parseNginxTime(s: string): number | undefined {
  const text = s.trim();
  if (text === '') return undefined;
  const token = /(\d+)([yMwdhms]?)\s*/y;
  let total = 0;
  let lastRank = -1;
  let bare = false;
  while (token.lastIndex < text.length) {
    const match = token.exec(text);
    if (match === null || bare) return undefined;
    const [, digits = '', unit = ''] = match;
    if (unit === 'm' && text[token.lastIndex] === 's') return undefined; // 'ms' is not allowed here
    const rank = unit === '' ? timeUnits.length : timeUnits.findIndex(([u]) => u === unit);
    if (rank <= lastRank) return undefined;
    lastRank = unit === '' ? lastRank : rank;
    bare = unit === '';
    total += Number(digits) * (unit === '' ? 1 : (timeUnits[rank]?.[1] ?? 1));
    if (!Number.isSafeInteger(total)) return undefined;
  }
  return total;
}

/**
 * An nginx size as ngx_parse_size reads it (ssl_session_cache shared:SSL:<size>): a byte count
 * with an optional k/K (KiB) or m/M (MiB) suffix. Returns bytes.
 */
export function parseNginxSize(s: string): number | undefined {
  const match = /^(\d+)([kKmM]?)$/.exec(s.trim());
  if (match === null) return undefined;
  const [, digits = '', unit = ''] = match;
  const scale = unit === '' ? 1 : unit.toLowerCase() === 'k' ? 1024 : 1024 * 1024;
  const bytes = Number(digits) * scale;
  return Number.isSafeInteger(bytes) ? bytes : undefined;
}

/**
 * The character set ingress-nginx's annotation validator allows in an OpenSSL cipher list
 * (sslcipher regexValidSSLCipher, spaces removed first): names, `!`, `+`, `-`, `_`, `:` and the
 * `@STRENGTH` / `@SECLEVEL=n` directives.
 */
export function isOpenSslCipherList(s: string): boolean {
  const compact = s.replaceAll(' ', '');
  return /^(?:[A-Za-z0-9!:+\-_]*(?:@STRENGTH)*(?:@SECLEVEL=[0-5])*(?:@STRENGTH)*)*$/.test(compact);
}

/** Split on commas, trim each item, drop empty items (ingress-nginx's splitAndTrimSpace). */
export function splitList(s: string, separator: string | RegExp = ','): string[] {
  return s
    .split(separator)
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

/** A value quoted for a diagnostic message, so empty and whitespace values stay visible. */
export function quote(value: string): string {
  return JSON.stringify(value);
}
