export { putHttp1DirectPath } from './h1-direct.ts';
export { createRequestHandler, type RequestHandler } from './handler.ts';
export { pageFor } from './responses.ts';
export {
  applyHeaderTimeout,
  applyHttpServerSettings,
  type HttpServerSettings,
  httpServerDefaults,
  httpServerOptions,
} from './server-options.ts';
export type {
  ForwardHooks,
  ForwardTarget,
  HandlerDeps,
  HttpRequest,
  HttpResponse,
  Log,
  LogLevel,
  RequestMetrics,
  RequestObservation,
  UpstreamGeneration,
  UpstreamHeaders,
} from './types.ts';
