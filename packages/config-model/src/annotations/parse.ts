/**
 * nginx.ingress.kubernetes.io/ annotations of one Ingress -> IngressAnnotations.
 *
 * What a bad value does, matched to ingress-nginx >= v1.9 (annotation validators +
 * annotations.Extract, which rejects the Ingress only when a parser returns a *validation*
 * error; parsers that swallow it fall back). "drop group" = ingress-nginx's parser returns a
 * non-validation error that Extract skips, so the whole feature is off.
 *
 * | annotation                            | invalid value                    | empty value          |
 * |---------------------------------------|----------------------------------|----------------------|
 * | ssl-redirect, force-ssl-redirect,     | ConfigMap value (rewrite parser) | ConfigMap value      |
 * |   preserve-trailing-slash             |                                  |                      |
 * | use-port-in-redirects                 | ConfigMap value (portinredirect) | ConfigMap value      |
 * | ssl-passthrough                       | REJECT (ValidateBool)            | false                |
 * | backend-protocol                      | HTTP (error swallowed); FCGI:    | HTTP                 |
 * |                                       |   REJECT (portcullis, no FastCGI)|                      |
 * | ssl-ciphers                           | REJECT (regexValidSSLCipher)     | unset                |
 * | ssl-prefer-server-ciphers             | unset                            | unset                |
 * | server-alias                          | REJECT (ValidateArrayOfServer-   | no aliases           |
 * |                                       |   Name); regex names: item dropped|                     |
 * | from-to-www-redirect                  | REJECT (ValidateBool)            | drop redirect group  |
 * | temporal-redirect, permanent-redirect | REJECT (URLIsValidRegex)         | drop redirect group  |
 * | temporal-redirect (not http/https)    | drop redirect group (isValidURL) |                      |
 * | *-redirect-code                       | not int: REJECT (ValidateInt);   | drop redirect group  |
 * |                                       |   out of range: default 302/301  |                      |
 * | proxy-ssl-secret                      | REJECT (chars: BasicChars; shape:| proxy-ssl off       |
 * |                                       |   location denied, fails closed) |                      |
 * | proxy-ssl-verify, -server-name        | off                              | off                  |
 * | proxy-ssl-name                        | unset                            | unset                |
 * | auth-tls-secret                       | REJECT (as proxy-ssl-secret)     | auth-tls off         |
 * | auth-tls-verify-client                | on                               | on                   |
 * | auth-tls-verify-depth                 | 1                                | 1                    |
 * | auth-tls-pass-certificate-to-upstream | REJECT (ValidateBool)            | false                |
 * | proxy-connect/read/send-timeout       | ConfigMap value (error swallowed)| ConfigMap value      |
 *
 * proxy-ssl-* and auth-tls-* other than the secret are read only when the secret is set (as in
 * ingress-nginx); redirect-group members are read in ingress-nginx's order and temporal-redirect
 * wins over permanent-redirect. Unknown nginx.ingress.kubernetes.io/ annotations are ignored
 * here; the CLI reports coverage from supportedAnnotations.
 */
import type { Settings } from '../configmap/types.ts';
import type { Diagnostic } from '../diagnostics.ts';
import { AnnotationContext } from './context.ts';
import { readProxyTimeouts } from './proxy-timeouts.ts';
import { readRedirectFlags, readRedirects } from './redirects.ts';
import { readAuthTls, readProxySsl } from './secrets.ts';
import {
  readBackendProtocol,
  readServerAliases,
  readSslCiphers,
  readSslPassthrough,
  readSslPreferServerCiphers,
} from './server.ts';
import type { IngressAnnotations } from './types.ts';

export { annotationPrefix } from './context.ts';

/** Short names (without the nginx.ingress.kubernetes.io/ prefix) that parseAnnotations reads. */
export const supportedAnnotations: readonly string[] = Object.freeze([
  'ssl-redirect',
  'force-ssl-redirect',
  'preserve-trailing-slash',
  'use-port-in-redirects',
  'ssl-passthrough',
  'backend-protocol',
  'ssl-ciphers',
  'ssl-prefer-server-ciphers',
  'server-alias',
  'from-to-www-redirect',
  'permanent-redirect',
  'permanent-redirect-code',
  'temporal-redirect',
  'temporal-redirect-code',
  'proxy-ssl-secret',
  'proxy-ssl-verify',
  'proxy-ssl-name',
  'proxy-ssl-server-name',
  'auth-tls-secret',
  'auth-tls-verify-client',
  'auth-tls-verify-depth',
  'auth-tls-pass-certificate-to-upstream',
  'proxy-connect-timeout',
  'proxy-read-timeout',
  'proxy-send-timeout',
]);

export function parseAnnotations(
  annotations: Readonly<Record<string, string>> | undefined,
  ingress: { namespace: string; name: string },
  settings: Settings,
): { annotations: IngressAnnotations; diagnostics: Diagnostic[]; rejected: boolean } {
  const ctx = new AnnotationContext(annotations ?? {}, ingress);
  const parsed: IngressAnnotations = {
    ...readRedirectFlags(ctx, settings),
    sslPassthrough: readSslPassthrough(ctx),
    backendProtocol: readBackendProtocol(ctx),
    sslCiphers: readSslCiphers(ctx),
    sslPreferServerCiphers: readSslPreferServerCiphers(ctx),
    serverAliases: readServerAliases(ctx),
    ...readRedirects(ctx),
    proxySsl: readProxySsl(ctx),
    authTls: readAuthTls(ctx),
    proxyTimeouts: readProxyTimeouts(ctx, settings),
  };
  return { annotations: parsed, diagnostics: ctx.diagnostics, rejected: ctx.rejected };
}
