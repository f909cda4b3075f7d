/**
 * Reads one ConfigMap key at a time and records what went wrong. A bad value never fails the
 * whole ConfigMap: like ingress-nginx (which decodes with mapstructure and keeps the default of a
 * field that does not decode), the key falls back to its default and a diagnostic says so.
 */
import { type Diagnostic, diagnostic, type ObjectRef, objectRef } from '../diagnostics.ts';
import { parseGoBool, quote } from '../values.ts';

/** How a value is shown in "using ..." messages. */
export type Show<T> = (value: T) => string;

export const showString: Show<string> = (value) => quote(value);
export const showNumber: Show<number> = (value) => String(value);

/** `"a" is not X and is dropped` / `"a", "b" are not X and are dropped` */
export function describeDropped(items: readonly string[], what: string): string {
  const list = items.map(quote).join(', ');
  return items.length === 1
    ? `${list} is not ${what} and is dropped`
    : `${list} are not ${what} and are dropped`;
}

export class KeyReader {
  readonly diagnostics: Diagnostic[] = [];
  readonly #data: Readonly<Record<string, string>>;
  readonly #source: ObjectRef;

  constructor(data: Readonly<Record<string, string>>, source: ObjectRef | null) {
    this.#data = data;
    this.#source = source ?? objectRef('ConfigMap', '', '');
  }

  /** The raw value, or undefined when the key is absent. */
  raw(key: string): string | undefined {
    return Object.hasOwn(this.#data, key) ? this.#data[key] : undefined;
  }

  /** Every key present, sorted, so unknown-key diagnostics come out in a stable order. */
  keys(): string[] {
    return Object.keys(this.#data).sort();
  }

  ref(key: string): ObjectRef {
    return objectRef(this.#source.kind, this.#source.namespace, this.#source.name, key);
  }

  /** `ConfigMap key K has invalid value "V": <problem>; using <used>` */
  invalid(key: string, value: string, problem: string, used: string): void {
    const message = `ConfigMap key ${key} has invalid value ${quote(value)}: ${problem}; using ${used}`;
    this.diagnostics.push(diagnostic('InvalidConfigMapValue', this.ref(key), message));
  }

  unknown(key: string): void {
    const message = `ConfigMap key ${key} is not supported by portcullis and is ignored`;
    this.diagnostics.push(diagnostic('UnknownConfigMapKey', this.ref(key), message));
  }

  /**
   * A boolean key. Go ParseBool spellings only. An empty value is false, not the default:
   * mapstructure's weakly typed decode (used by ingress-nginx's ReadConfig) turns "" into false.
   */
  bool(key: string, fallback: boolean): boolean {
    const value = this.raw(key);
    if (value === undefined) return fallback;
    if (value === '') {
      this.invalid(
        key,
        value,
        'the value is empty',
        'false, as ingress-nginx reads an empty boolean as false',
      );
      return false;
    }
    const parsed = parseGoBool(value);
    if (parsed !== undefined) return parsed;
    this.invalid(key, value, 'expected true or false (Go strconv.ParseBool)', `the default ${fallback}`);
    return fallback;
  }

  /** A key whose value `parse` turns into T, or undefined when invalid (then the default). */
  value<T>(
    key: string,
    fallback: T,
    parse: (raw: string) => T | undefined,
    expected: string,
    show: Show<T>,
  ): T {
    const value = this.raw(key);
    if (value === undefined) return fallback;
    const parsed = parse(value);
    if (parsed !== undefined) return parsed;
    this.invalid(key, value, `expected ${expected}`, `the default ${show(fallback)}`);
    return fallback;
  }
}
