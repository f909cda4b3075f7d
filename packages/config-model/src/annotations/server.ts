/**
 * Server- and backend-level annotations: ssl-passthrough, backend-protocol, ssl-ciphers,
 * ssl-prefer-server-ciphers, server-alias. Each function names the ingress-nginx parser matched.
 */
import { isOpenSslCipherList, parseGoBool } from '../values.ts';
import { type AnnotationContext, expectedBool } from './context.ts';
import type { BackendProtocol } from './types.ts';
import { isHostName, isServerNameListChars, normalize } from './validators.ts';

/**
 * sslpassthrough: returns GetBoolAnnotation's error as is, so a value failing ValidateBool is a
 * validation error and rejects the Ingress. An empty value skips validation and fails parsing
 * with a non-validation error, which Extract ignores: passthrough stays off.
 */
export function readSslPassthrough(ctx: AnnotationContext): boolean {
  return ctx.strictBool('ssl-passthrough');
}

const protocols: readonly BackendProtocol[] = ['HTTP', 'HTTPS', 'AUTO_HTTP', 'GRPC', 'GRPCS'];

/**
 * backendprotocol: ValidateOptions(case-insensitive, trimmed); on any error the parser logs and
 * uses HTTP (it swallows the validation error), and since ingress-nginx v1.9.1 (PR #10460) the
 * value is upper-cased. FCGI is valid there but portcullis has no FastCGI client: proxying HTTP
 * to a FastCGI backend would fail every request, so that Ingress is rejected instead.
 */
export function readBackendProtocol(ctx: AnnotationContext): BackendProtocol {
  const short = 'backend-protocol';
  const value = ctx.raw(short);
  if (value === undefined) return 'HTTP';
  const upper = value.trim().toUpperCase();
  const protocol = protocols.find((p) => p === upper);
  if (protocol !== undefined) return protocol;
  if (upper === 'FCGI') {
    ctx.reject(
      short,
      value,
      'FastCGI backends are not supported by portcullis',
      'portcullis cannot proxy it',
    );
  } else {
    ctx.fallback(
      short,
      value,
      `expected one of ${protocols.join(', ')} (any case)`,
      'HTTP, as ingress-nginx does',
    );
  }
  return 'HTTP';
}

/**
 * sslcipher: ssl-ciphers failing regexValidSSLCipher returns the validation error -> rejected.
 * Empty: not validated, parse fails with invalid content, which the parser ignores -> unset.
 */
export function readSslCiphers(ctx: AnnotationContext): string | null {
  const short = 'ssl-ciphers';
  const value = ctx.raw(short);
  if (value === undefined) return null;
  if (value.trim() === '') {
    ctx.fallback(short, value, 'the value is empty', 'the ConfigMap ssl-ciphers');
    return null;
  }
  if (!isOpenSslCipherList(value)) {
    ctx.reject(
      short,
      value,
      'not an OpenSSL cipher list (letters, digits, ! + - _ : and @STRENGTH/@SECLEVEL=n)',
    );
    return null;
  }
  return normalize(value);
}

/** sslcipher: ssl-prefer-server-ciphers errors of any kind leave the directive unset. */
export function readSslPreferServerCiphers(ctx: AnnotationContext): boolean | null {
  const short = 'ssl-prefer-server-ciphers';
  const value = ctx.raw(short);
  if (value === undefined) return null;
  const parsed = parseGoBool(value);
  if (parsed === undefined) ctx.fallback(short, value, expectedBool, 'the server default (not set)');
  return parsed ?? null;
}

/**
 * alias: ValidateArrayOfServerName failing returns the validation error -> rejected. ingress-nginx
 * also accepts nginx regular-expression names (`~^www\d+\.example\.com$`) and other shapes nginx
 * understands; portcullis matches host names only, so those items are dropped with a warning
 * rather than rejecting an Ingress ingress-nginx served. Items are trimmed, lowercased
 * (host names are case-insensitive), deduplicated and sorted, as ingress-nginx sorts them.
 */
export function readServerAliases(ctx: AnnotationContext): readonly string[] {
  const short = 'server-alias';
  const value = ctx.raw(short);
  if (value === undefined) return [];
  if (!isServerNameListChars(value)) {
    ctx.reject(short, value, 'a server name contains a character ingress-nginx does not allow');
    return [];
  }
  const items = value
    .split(',')
    .map((item) => item.trim().toLowerCase())
    .filter((item) => item !== '');
  if (items.length === 0) ctx.fallback(short, value, 'no server name listed', 'no aliases');
  const aliases = new Set<string>();
  for (const item of items) {
    if (isHostName(item)) aliases.add(item);
    else
      ctx.fallback(
        short,
        value,
        `${JSON.stringify(item)} is not a host name or *.wildcard`,
        'the other aliases',
      );
  }
  return [...aliases].sort();
}
