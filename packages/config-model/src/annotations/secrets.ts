/**
 * Annotations that name a Secret: proxy-ssl-* (TLS to the backend) and auth-tls-* (client
 * certificates). Secrets are resolved later by build(); here only their references are parsed.
 *
 * In ingress-nginx both parsers stop at a missing *-secret, so the other annotations of the
 * group are never read (we note them as ignored). A reference that is malformed is a "location
 * denied" there: every path of the Ingress answers 403/503. portcullis rejects the Ingress
 * instead, which fails closed the same way without a special denied state.
 */
import { parseGoInt, quote } from '../values.ts';
import { type AnnotationContext, annotationPrefix } from './context.ts';
import type { AuthTlsAnnotation, ProxySslAnnotation, SecretRef, VerifyClient } from './types.ts';
import { isBasicChars, isHostName, isNamespaceName, isSecretName, isServerNameChars } from './validators.ts';

export function readProxySsl(ctx: AnnotationContext): ProxySslAnnotation | null {
  const secret = readGroupSecret(ctx, 'proxy-ssl-secret', [
    'proxy-ssl-verify',
    'proxy-ssl-name',
    'proxy-ssl-server-name',
  ]);
  if (secret === null) return null;
  return {
    secret,
    verify: readOnOff(ctx, 'proxy-ssl-verify'),
    name: readProxySslName(ctx),
    serverName: readOnOff(ctx, 'proxy-ssl-server-name'),
  };
}

export function readAuthTls(ctx: AnnotationContext): AuthTlsAnnotation | null {
  const secret = readGroupSecret(ctx, 'auth-tls-secret', [
    'auth-tls-verify-client',
    'auth-tls-verify-depth',
    'auth-tls-pass-certificate-to-upstream',
  ]);
  if (secret === null) return null;
  return {
    secret,
    verifyClient: readVerifyClient(ctx),
    verifyDepth: readVerifyDepth(ctx),
    passCertificateToUpstream: readPassCertificate(ctx),
  };
}

/** The group's Secret, or null when absent, empty (ingress-nginx: group off) or rejected. */
function readGroupSecret(
  ctx: AnnotationContext,
  short: string,
  members: readonly string[],
): SecretRef | null {
  const value = ctx.raw(short);
  if (value === undefined || value.trim() === '') {
    if (value !== undefined)
      ctx.fallback(short, value, 'the value is empty', 'nothing: the annotation is ignored');
    for (const member of members) {
      if (ctx.raw(member) === undefined) continue;
      ctx.note(
        member,
        `annotation ${annotationPrefix}${member} is ignored because ${annotationPrefix}${short} is not set (as in ingress-nginx)`,
      );
    }
    return null;
  }
  return readSecretRef(ctx, short, value);
}

/**
 * `namespace/name`; `/name` means the Ingress's namespace (ingress-nginx authtls). A bare `name`
 * is a portcullis convenience: also the Ingress's namespace (ingress-nginx denies it).
 */
function readSecretRef(ctx: AnnotationContext, short: string, value: string): SecretRef | null {
  if (!isBasicChars(value)) {
    ctx.reject(short, value, 'only letters, digits and - . _ ~ / : are allowed in a Secret reference');
    return null;
  }
  const parts = value.trim().split('/');
  const [first = '', second] = parts;
  const ref =
    parts.length === 1
      ? { namespace: ctx.namespace, name: first }
      : { namespace: first || ctx.namespace, name: second ?? '' };
  const denied = 'ingress-nginx denies every path of such an Ingress';
  if (parts.length > 2) ctx.reject(short, value, 'expected namespace/name', denied);
  else if (!isNamespaceName(ref.namespace))
    ctx.reject(short, value, `${quote(ref.namespace)} is not a valid namespace`, denied);
  else if (!isSecretName(ref.name))
    ctx.reject(short, value, `${quote(ref.name)} is not a valid Secret name`, denied);
  else return ref;
  return null;
}

/** proxyssl: on/off after trimming, case-sensitive; anything else -> off (the default). */
function readOnOff(ctx: AnnotationContext, short: string): boolean {
  const value = ctx.raw(short);
  if (value === undefined) return false;
  const trimmed = value.trim();
  if (trimmed === 'on' || trimmed === 'off') return trimmed === 'on';
  ctx.fallback(short, value, "expected 'on' or 'off'", "the default 'off'");
  return false;
}

/**
 * proxyssl: proxy-ssl-name failing ValidateServerName falls back to empty. nginx would also take
 * a variable such as $host; portcullis has no nginx variables, so only host names are kept.
 */
function readProxySslName(ctx: AnnotationContext): string | null {
  const short = 'proxy-ssl-name';
  const value = ctx.raw(short);
  if (value === undefined) return null;
  const name = value.trim().toLowerCase();
  if (name !== '' && isServerNameChars(value) && isHostName(name)) return name;
  const problem = name.includes('$') ? 'nginx variables are not supported' : 'expected a host name';
  ctx.fallback(short, value, problem, 'the backend host name (not set)');
  return null;
}

const verifyClientValues: readonly VerifyClient[] = ['on', 'off', 'optional', 'optional_no_ca'];

/** authtls: any error, or a value outside the set (case-sensitive) -> 'on', failing closed. */
function readVerifyClient(ctx: AnnotationContext): VerifyClient {
  const short = 'auth-tls-verify-client';
  const value = ctx.raw(short);
  if (value === undefined) return 'on';
  const verify = verifyClientValues.find((v) => v === value.trim());
  if (verify !== undefined) return verify;
  ctx.fallback(short, value, `expected one of ${verifyClientValues.join(', ')}`, "the default 'on'");
  return 'on';
}

/** authtls: a parse error or 0 -> 1. A negative depth would make nginx refuse its config. */
function readVerifyDepth(ctx: AnnotationContext): number {
  const short = 'auth-tls-verify-depth';
  const value = ctx.raw(short);
  if (value === undefined) return 1;
  const depth = parseGoInt(value);
  if (depth === 0) return 1;
  if (depth !== undefined && depth > 0) return depth;
  ctx.fallback(short, value, 'expected a positive integer', 'the default 1');
  return 1;
}

/** authtls: returns ValidateBool's error -> rejected; empty -> false (invalid content skipped). */
function readPassCertificate(ctx: AnnotationContext): boolean {
  return ctx.strictBool('auth-tls-pass-certificate-to-upstream');
}
