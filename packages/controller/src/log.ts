/**
 * Structured logs: one JSON object per line on stderr, so `kubectl logs | jq` and log shippers
 * read them without parsing. Field names double as the diagnostic catalog's vocabulary
 * (`code`, `object`), so a log line, a metric label and an Event reason say the same thing.
 */
import { type Diagnostic, formatObjectRef } from '@portcullis/config-model';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export type LogFields = Readonly<Record<string, unknown>>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every line (e.g. { component: 'kube-source' }). */
  child(fields: LogFields): Logger;
}

export interface LoggerOptions {
  /** Lines below this level are dropped (default info). */
  readonly level?: LogLevel;
  readonly write?: (line: string) => void;
  readonly clock?: () => Date;
}

const rank: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export function isLogLevel(value: string): value is LogLevel {
  return Object.hasOwn(rank, value);
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const threshold = rank[options.level ?? 'info'];
  const write = options.write ?? ((line: string) => process.stderr.write(line));
  const clock = options.clock ?? (() => new Date());
  const make = (bound: LogFields): Logger => {
    const log =
      (level: LogLevel) =>
      (msg: string, fields: LogFields = {}): void => {
        if (rank[level] < threshold) return;
        const line = { level, time: clock().toISOString(), msg, ...bound, ...serializeFields(fields) };
        write(`${JSON.stringify(line)}\n`);
      };
    return {
      debug: log('debug'),
      info: log('info'),
      warn: log('warn'),
      error: log('error'),
      child: (fields) => make({ ...bound, ...serializeFields(fields) }),
    };
  };
  return make({});
}

/** Errors become { message, code }; JSON.stringify would otherwise print `{}` for them. */
function serializeFields(fields: LogFields): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) {
    if (value instanceof Error) {
      const code = (value as NodeJS.ErrnoException).code;
      out[key] = code === undefined ? { message: value.message } : { message: value.message, code };
    } else {
      out[key] = value;
    }
  }
  return out;
}

const levelOf: Record<Diagnostic['severity'], LogLevel> = { error: 'error', warning: 'warn', info: 'info' };

/** Logs a build diagnostic with its stable code and object as fields. */
export function logDiagnostic(logger: Logger, item: Diagnostic): void {
  logger[levelOf[item.severity]](item.message, { code: item.code, object: formatObjectRef(item.object) });
}
