/**
 * Extra names: server-alias (another name for the same server) and from-to-www-redirect
 * (the www./apex twin redirects to the host). Names that are real servers always win.
 */
import { coversHost } from '../certificates/index.ts';
import { type Diagnostic, diagnostic, objectRef } from '../diagnostics.ts';
import type { Certificate, WwwRedirect } from '../table.ts';
import type { AcceptedIngress } from './accepted.ts';
import type { ServerDraft } from './servers.ts';

const prefix = 'nginx.ingress.kubernetes.io/';

/** Hosts of this build, each with its server draft, in server creation order. */
export type Hosts = ReadonlyMap<string, { readonly draft: Pick<ServerDraft, 'host' | 'ingresses' | 'tls'> }>;

export function aliasNames(
  servers: Hosts,
  accepted: readonly AcceptedIngress[],
  out: Diagnostic[],
): Record<string, string> {
  const aliases: Record<string, string> = {};
  for (const item of accepted) {
    if (item.annotations.serverAliases.length === 0) continue;
    // ingress-nginx adds the aliases to the servers of the Ingress; one name can only point at
    // one server, so the Ingress's first host takes them.
    const host = item.hosts.find((h) => h !== undefined && h !== '');
    if (host === undefined) continue;
    for (const alias of item.annotations.serverAliases) {
      const owner = aliases[alias];
      if (owner === host) continue;
      if (servers.has(alias) || owner !== undefined) {
        out.push(
          diagnostic(
            'InvalidAnnotationValue',
            objectRef('Ingress', item.ref.namespace, item.ref.name, `${prefix}server-alias`),
            `alias "${alias}" is already ${servers.has(alias) ? 'a host of its own' : `an alias of "${owner}"`}; ignored`,
          ),
        );
        continue;
      }
      aliases[alias] = host;
    }
  }
  return aliases;
}

/** 308, as ingress-nginx's template answers the twin name (method-preserving, permanent). */
export function wwwRedirects(
  accepted: readonly AcceptedIngress[],
  servers: Hosts,
  aliases: Record<string, string>,
  certificates: Record<string, Certificate>,
): Record<string, WwwRedirect> {
  const redirects: Record<string, WwwRedirect> = {};
  // Most clusters set from-to-www-redirect nowhere: then there are 10,000 hosts not to walk.
  if (!accepted.some((item) => item.annotations.fromToWwwRedirect)) return redirects;
  for (const { draft: server } of servers.values()) {
    if (!server.ingresses.some((item) => item.annotations.fromToWwwRedirect) || server.host.startsWith('*.'))
      continue;
    const twin = server.host.startsWith('www.') ? server.host.slice(4) : `www.${server.host}`;
    if (servers.has(twin) || aliases[twin] !== undefined || redirects[twin] !== undefined) continue;
    const id = server.tls?.certificate;
    const certificate = id === undefined ? undefined : certificates[id];
    const covered = certificate !== undefined && coversHost(certificate.facts, twin);
    redirects[twin] = Object.freeze({
      to: server.host,
      code: 308,
      certificate: covered && id !== undefined ? id : null,
    });
  }
  return redirects;
}
