export { toBuildOptions } from './build-options.ts';
export { type CheckIO, runCheck } from './check/run.ts';
export {
  type Command,
  type ControllerOptions,
  type NamespacedName,
  parseFlags,
  UsageError,
} from './flags.ts';
export {
  createLogger,
  isLogLevel,
  type LogFields,
  type Logger,
  type LoggerOptions,
  type LogLevel,
  logDiagnostic,
} from './log.ts';
export { usage } from './usage.ts';
