/**
 * Per-Ingress state while its annotations are read: raw lookup by short name, and the three
 * outcomes a bad value can have: fall back (InvalidAnnotationValue warning), be ignored with a
 * note (same code), or reject the whole Ingress (IngressRejected error).
 */
import { type Diagnostic, diagnostic, type ObjectRef, objectRef } from '../diagnostics.ts';
import { parseGoBool, quote } from '../values.ts';

export const annotationPrefix = 'nginx.ingress.kubernetes.io/';

const fullNames = new Map<string, string>();

/**
 * prefix + short, made once per name: a string concatenated anew for each of ~25 lookups per
 * Ingress must be flattened and hashed anew too (250,000 times for 10,000 Ingresses).
 */
function fullName(short: string): string {
  let full = fullNames.get(short);
  if (full === undefined) {
    full = annotationPrefix + short;
    fullNames.set(short, full);
  }
  return full;
}

export class AnnotationContext {
  readonly diagnostics: Diagnostic[] = [];
  readonly namespace: string;
  readonly name: string;
  #rejected = false;
  readonly #annotations: Readonly<Record<string, string>>;

  constructor(annotations: Readonly<Record<string, string>>, ingress: { namespace: string; name: string }) {
    this.#annotations = annotations;
    this.namespace = ingress.namespace;
    this.name = ingress.name;
  }

  get rejected(): boolean {
    return this.#rejected;
  }

  /** The value of nginx.ingress.kubernetes.io/<short>, or undefined when absent. */
  raw(short: string): string | undefined {
    const full = fullName(short);
    return Object.hasOwn(this.#annotations, full) ? this.#annotations[full] : undefined;
  }

  ref(short: string): ObjectRef {
    return objectRef('Ingress', this.namespace, this.name, annotationPrefix + short);
  }

  /** The value is not usable; `used` says what takes its place. */
  fallback(short: string, value: string, problem: string, used: string): void {
    const message = `annotation ${annotationPrefix}${short} has invalid value ${quote(value)}: ${problem}; using ${used}`;
    this.diagnostics.push(diagnostic('InvalidAnnotationValue', this.ref(short), message));
  }

  /** A warning that is not about a malformed value (e.g. an annotation ignored in context). */
  note(short: string, message: string): void {
    this.diagnostics.push(diagnostic('InvalidAnnotationValue', this.ref(short), message));
  }

  /** The whole Ingress is not served; `why` names the ingress-nginx behaviour matched. */
  reject(short: string, value: string, problem: string, why = 'ingress-nginx rejects it too'): void {
    this.#rejected = true;
    const message =
      `annotation ${annotationPrefix}${short} has invalid value ${quote(value)}: ${problem}; ` +
      `the Ingress is rejected and none of its rules are served (${why})`;
    this.diagnostics.push(diagnostic('IngressRejected', this.ref(short), message));
  }

  /**
   * A boolean annotation whose parser in ingress-nginx falls back on any error: absent -> the
   * fallback silently; empty or not a Go boolean -> the fallback with a warning.
   */
  boolOrFallback(short: string, fallback: boolean, usedText: string): boolean {
    const value = this.raw(short);
    if (value === undefined) return fallback;
    const parsed = parseGoBool(value);
    if (parsed !== undefined) return parsed;
    this.fallback(short, value, expectedBool, usedText);
    return fallback;
  }

  /**
   * A boolean annotation ingress-nginx validates with ValidateBool: absent -> false; empty ->
   * false with a warning (parsing fails, Extract skips it); not a Go boolean -> the Ingress is
   * rejected.
   */
  strictBool(short: string): boolean {
    const value = this.raw(short);
    if (value === undefined) return false;
    if (value === '') {
      this.fallback(short, value, expectedBool, 'false');
      return false;
    }
    const parsed = parseGoBool(value);
    if (parsed === undefined) this.reject(short, value, expectedBool);
    return parsed ?? false;
  }
}

export const expectedBool = 'expected true or false (Go strconv.ParseBool)';
