/**
 * Redirect annotations. Two ingress-nginx parsers are matched here:
 * - rewrite + portinredirect (ssl-redirect, force-ssl-redirect, preserve-trailing-slash,
 *   use-port-in-redirects): any error falls back to the ConfigMap value.
 * - redirect (from-to-www-redirect, temporal-redirect[-code], permanent-redirect[-code]): read in
 *   that order as one group. A value failing its validator rejects the Ingress; an empty value
 *   or a temporal URL that is not http(s) makes ingress-nginx drop the whole group (the parser
 *   returns a non-validation error, which Extract skips), so all three redirects are off.
 */
import type { Settings } from '../configmap/types.ts';
import { parseGoBool, parseGoInt, quote } from '../values.ts';
import { type AnnotationContext, annotationPrefix, expectedBool } from './context.ts';
import type { IngressAnnotations } from './types.ts';
import { isAbsoluteHttpUrl, isUrlChars, normalize } from './validators.ts';

type RedirectFlags = Pick<
  IngressAnnotations,
  'sslRedirect' | 'forceSslRedirect' | 'preserveTrailingSlash' | 'usePortInRedirects'
>;

export function readRedirectFlags(ctx: AnnotationContext, settings: Settings): RedirectFlags {
  const d = settings.redirect;
  const flag = (short: string, fallback: boolean) =>
    ctx.boolOrFallback(short, fallback, `the ConfigMap value ${fallback}`);
  return {
    sslRedirect: flag('ssl-redirect', d.sslRedirect),
    forceSslRedirect: flag('force-ssl-redirect', d.forceSslRedirect),
    preserveTrailingSlash: flag('preserve-trailing-slash', d.preserveTrailingSlash),
    usePortInRedirects: flag('use-port-in-redirects', d.usePortInRedirects),
  };
}

type Redirects = Pick<IngressAnnotations, 'fromToWwwRedirect' | 'permanentRedirect' | 'temporalRedirect'>;

const none: Redirects = { fromToWwwRedirect: false, permanentRedirect: null, temporalRedirect: null };

/** Returned by a step when the group is abandoned (dropped or the Ingress rejected). */
const stop = Symbol('stop');

const groupNames = ['from-to-www-redirect', 'temporal-redirect', 'permanent-redirect']
  .map((s) => annotationPrefix + s)
  .join(', ');

export function readRedirects(ctx: AnnotationContext): Redirects {
  const www = groupBool(ctx, 'from-to-www-redirect');
  if (www === stop) return none;
  const temporal = groupUrl(ctx, 'temporal-redirect');
  if (temporal === stop) return none;
  if (temporal !== undefined) {
    // ingress-nginx only accepts 300-307 for temporal redirects (StatusTemporaryRedirect).
    const code = groupCode(ctx, 'temporal-redirect-code', 307, 302);
    if (code === stop) return none;
    if (!isAbsoluteHttpUrl(temporal)) {
      drop(ctx, 'temporal-redirect', `${quote(temporal)} is not an absolute http or https URL`);
      return none;
    }
    // Temporal wins: ingress-nginx does not even read permanent-redirect when it is set.
    return {
      fromToWwwRedirect: www ?? false,
      temporalRedirect: { url: temporal, code },
      permanentRedirect: null,
    };
  }
  const permanent = groupUrl(ctx, 'permanent-redirect');
  if (permanent === stop) return none;
  const code = groupCode(ctx, 'permanent-redirect-code', 308, 301);
  if (code === stop) return none;
  return {
    fromToWwwRedirect: www ?? false,
    permanentRedirect: permanent === undefined ? null : { url: permanent, code },
    temporalRedirect: null,
  };
}

/** The group is dropped as a whole, as ingress-nginx's Extract skips a failed redirect parse. */
function drop(ctx: AnnotationContext, short: string, problem: string): void {
  ctx.note(
    short,
    `annotation ${annotationPrefix}${short}: ${problem}; ${groupNames} of this Ingress are all ignored, as ingress-nginx does`,
  );
}

function groupBool(ctx: AnnotationContext, short: string): boolean | undefined | typeof stop {
  const value = ctx.raw(short);
  if (value === undefined) return undefined;
  if (value === '') {
    drop(ctx, short, 'the value is empty');
    return stop;
  }
  const parsed = parseGoBool(value);
  if (parsed === undefined) {
    ctx.reject(short, value, expectedBool);
    return stop;
  }
  return parsed;
}

/**
 * A redirect target. The character check is ingress-nginx's URLIsValidRegex. permanent-redirect
 * is otherwise passed through as ingress-nginx does (nginx `return 301 <value>`, so a path such
 * as /new works and becomes a same-host redirect); temporal-redirect must be http(s).
 */
function groupUrl(ctx: AnnotationContext, short: string): string | undefined | typeof stop {
  const value = ctx.raw(short);
  if (value === undefined) return undefined;
  if (value === '') {
    drop(ctx, short, 'the value is empty');
    return stop;
  }
  if (!isUrlChars(value)) {
    ctx.reject(short, value, 'only letters, digits and - . _ ~ / : , ? & = are allowed in a redirect URL');
    return stop;
  }
  return normalize(value);
}

/** A redirect code; outside 300..max ingress-nginx silently uses the default. */
function groupCode(
  ctx: AnnotationContext,
  short: string,
  max: number,
  fallback: number,
): number | typeof stop {
  const value = ctx.raw(short);
  if (value === undefined) return fallback;
  if (value === '') {
    drop(ctx, short, 'the value is empty');
    return stop;
  }
  const code = parseGoInt(value);
  if (code === undefined) {
    ctx.reject(short, value, 'expected an integer HTTP status code');
    return stop;
  }
  if (code < 300 || code > max) {
    ctx.fallback(
      short,
      value,
      `expected a redirect status code from 300 to ${max}`,
      `the default ${fallback}`,
    );
    return fallback;
  }
  return code;
}
