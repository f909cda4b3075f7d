/**
 * proxy-connect-timeout, proxy-read-timeout, proxy-send-timeout: per-Ingress upstream timeouts in
 * seconds. ingress-nginx's proxy parser reads each with GetIntAnnotation and, on any error
 * (validation included), uses the ConfigMap's value: a bad value never rejects the Ingress.
 */
import type { ProxyTimeouts, Settings } from '../configmap/types.ts';
import { parseTimeoutSeconds, timeoutExpected } from '../values.ts';
import type { AnnotationContext } from './context.ts';

export function readProxyTimeouts(ctx: AnnotationContext, settings: Settings): ProxyTimeouts {
  const inherited = settings.http.proxyTimeouts;
  const connect = readSeconds(ctx, 'proxy-connect-timeout', inherited.connect, 5);
  const read = readSeconds(ctx, 'proxy-read-timeout', inherited.read, 60);
  const send = readSeconds(ctx, 'proxy-send-timeout', inherited.send, 60);
  // Unannotated Ingresses share the ConfigMap's object, so their routes share one policy shape.
  if (connect === inherited.connect && read === inherited.read && send === inherited.send) return inherited;
  return { connect, read, send };
}

function readSeconds(
  ctx: AnnotationContext,
  short: string,
  inherited: number | null,
  ingressNginxDefault: number,
): number | null {
  const value = ctx.raw(short);
  if (value === undefined) return inherited;
  const seconds = parseTimeoutSeconds(value);
  if (seconds !== undefined) return seconds;
  const used = inherited === null ? `the default ${ingressNginxDefault}` : `the ConfigMap's ${inherited}`;
  ctx.fallback(short, value, `expected ${timeoutExpected}`, used);
  return inherited;
}
