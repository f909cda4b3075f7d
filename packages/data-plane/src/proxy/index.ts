/** Upstream proxying: keep-alive pools per endpoint, load balancing, forwarding, WebSockets. */
export { classifyError, errorBody, type UpstreamErrorCode, UpstreamErrorCodes } from './errors.ts';
export type { UpstreamGeneration } from './generation.ts';
export type { RequestHeaders } from './headers.ts';
export { defaultProxyOptions, type ProxyOptions } from './options.ts';
export { UpstreamPools } from './pools.ts';
export type { ForwardHooks, ForwardTarget, ProxyRequest, ProxyResponse, UpstreamAttempt } from './types.ts';
