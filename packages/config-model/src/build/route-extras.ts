/**
 * The per-Ingress part of every route: redirect policy, upstream protocol and TLS, fixed
 * redirects, and the "denied" state ingress-nginx gives a location whose security annotations
 * cannot be honoured (it answers 503 rather than proxy without the requested protection).
 */
import type { ClientAuth, IngressAnnotations, ProxySsl } from '../annotations/types.ts';
import { objectRef } from '../diagnostics.ts';
import type { Route } from '../table.ts';
import type { AcceptedIngress } from './accepted.ts';
import { type CertificateStore, secretValue } from './certificates.ts';

export type RouteExtras = Pick<Route, 'redirect' | 'upstream' | 'fixedRedirect' | 'denied'>;

const prefix = 'nginx.ingress.kubernetes.io/';

const memo = new WeakMap<IngressAnnotations, { secret: unknown; denied: boolean; extras: RouteExtras }>();

/**
 * Memoized on the (memoized) annotations object, the proxy-ssl Secret object and the auth-tls
 * outcome, so unchanged Ingresses keep the same frozen extras object across builds.
 */
export function routeExtras(
  item: AcceptedIngress,
  store: CertificateStore,
  clientAuthDenied: boolean,
): RouteExtras {
  const a = item.annotations;
  const ref = a.proxySsl?.secret;
  const secret = ref ? store.secret(ref.namespace, ref.name) : undefined;
  const hit = memo.get(a);
  if (hit !== undefined && hit.secret === secret && hit.denied === clientAuthDenied) {
    if (secret !== undefined) proxySsl(item, store); // re-reports the Secret's diagnostics
    return hit.extras;
  }
  const extras = computeExtras(item, store, clientAuthDenied);
  memo.set(a, { secret, denied: clientAuthDenied, extras });
  return extras;
}

function computeExtras(
  item: AcceptedIngress,
  store: CertificateStore,
  clientAuthDenied: boolean,
): RouteExtras {
  const a = item.annotations;
  const proxy = proxySsl(item, store);
  let denied: string | null = null;
  if (proxy === 'denied') denied = `${prefix}proxy-ssl-secret could not be loaded`;
  if (clientAuthDenied) denied = `${prefix}auth-tls-secret could not be loaded`;
  return Object.freeze({
    redirect: Object.freeze({
      sslRedirect: a.sslRedirect,
      forceSslRedirect: a.forceSslRedirect,
      preserveTrailingSlash: a.preserveTrailingSlash,
      usePortInRedirects: a.usePortInRedirects,
    }),
    upstream: Object.freeze({
      protocol: a.backendProtocol,
      proxySsl: proxy === 'denied' ? null : proxy,
      timeouts: a.proxyTimeouts,
    }),
    // ingress-nginx checks temporal-redirect before permanent-redirect (annotations/redirect).
    fixedRedirect: a.temporalRedirect ?? a.permanentRedirect ?? null,
    denied,
  });
}

function proxySsl(item: AcceptedIngress, store: CertificateStore): ProxySsl | null | 'denied' {
  const p = item.annotations.proxySsl;
  if (p === null) return null;
  const base = { verify: p.verify, name: p.name, serverName: p.serverName };
  if (p.secret === null) return { ...base, caPem: null, certPem: null, keyPem: null };
  const { namespace, name } = p.secret;
  const referrer = objectRef('Ingress', item.ref.namespace, item.ref.name, `${prefix}proxy-ssl-secret`);
  const secret = store.secret(namespace, name);
  const hasCa = secret !== undefined && secretValue(secret, 'ca.crt') !== undefined;
  const caPem = hasCa || p.verify ? store.caBundle(namespace, name, 'ca.crt', referrer) : null;
  if (p.verify && caPem === null) return 'denied';
  if (secret === undefined) return 'denied';
  const certPem = secretValue(secret, 'tls.crt') ?? null;
  const keyPem = secretValue(secret, 'tls.key') ?? null;
  return {
    ...base,
    caPem,
    certPem: keyPem === null ? null : certPem,
    keyPem: certPem === null ? null : keyPem,
  };
}

/** auth-tls for an Ingress: the CA bundle and options, or 'denied' when the CA is unusable. */
export function clientAuth(item: AcceptedIngress, store: CertificateStore): ClientAuth | null | 'denied' {
  const a = item.annotations.authTls;
  if (a === null) return null;
  const referrer = objectRef('Ingress', item.ref.namespace, item.ref.name, `${prefix}auth-tls-secret`);
  const caPem = store.caBundle(a.secret.namespace, a.secret.name, 'ca.crt', referrer);
  if (caPem === null) return 'denied';
  return Object.freeze({
    caPem,
    verifyClient: a.verifyClient,
    verifyDepth: a.verifyDepth,
    passCertificateToUpstream: a.passCertificateToUpstream,
  });
}
