/**
 * The human report of `portcullis check`: what each host would serve (certificate, TLS policy,
 * redirects, routes) followed by every diagnostic. Never prints private keys.
 */
import {
  type Backend,
  type Diagnostic,
  formatObjectRef,
  type ProxyTimeouts,
  type Route,
  type RoutingTable,
  type Server,
} from '@portcullis/config-model';
import { certificateDetails, certificateLabel, certificateSource } from './certificate-text.ts';

export interface ReportInput {
  readonly table: RoutingTable;
  readonly diagnostics: readonly Diagnostic[];
  readonly files: readonly string[];
  readonly objects: number;
  /** Kinds in the manifests that portcullis does not read (Deployments, ...), with counts. */
  readonly ignored: Readonly<Record<string, number>>;
}

export function formatReport(input: ReportInput): string {
  const { table } = input;
  const lines: string[] = [...header(input), ''];
  lines.push(...globalPolicy(table), '');
  for (const server of Object.values(table.servers)) lines.push(...serverLines(table, server), '');
  lines.push(...serverLines(table, table.catchAll), '');
  lines.push(...extras(table));
  lines.push(...diagnosticLines(input.diagnostics));
  return `${lines.join('\n')}\n`;
}

function header(input: ReportInput): string[] {
  const lines = [
    `portcullis check: ${plural(input.objects, 'object')} from ${plural(input.files.length, 'file')}`,
  ];
  const ignored = Object.entries(input.ignored).map(([kind, count]) => `${kind} x${count}`);
  if (ignored.length > 0) lines.push(`not read by portcullis: ${ignored.join(', ')}`);
  return lines;
}

function globalPolicy(table: RoutingTable): string[] {
  return [
    `default certificate: ${certificateSource(table, table.defaultCertificate)}`,
    ...certificateDetails(table.certificates[table.defaultCertificate], '  '),
    `tls protocols: ${table.tls.protocols.join(' ')}`,
    `tls ciphers (TLS 1.2): ${table.tls.ciphers}`,
    `http -> https redirect code: ${table.http.redirectCode}`,
    `proxy timeouts: ${timeoutsText(table.http.proxyTimeouts, table.http.proxyTimeouts)}`,
    `hsts: ${table.hsts.header ?? 'off'}`,
  ];
}

function serverLines(table: RoutingTable, server: Server): string[] {
  const catchAll = server === table.catchAll;
  const lines = [catchAll ? 'catch-all server _ (requests for any other host)' : `server ${server.host}`];
  if (server.tls === null) {
    lines.push(
      `  tls: no tls section; HTTPS answers with the ${certificateLabel(table, table.defaultCertificate)}`,
    );
  } else {
    const tls = server.tls;
    lines.push(
      `  certificate: ${certificateLabel(table, tls.certificate)} (from Ingress ${ref(tls.ingress)})`,
    );
    if (tls.certificate !== table.defaultCertificate) {
      lines.push(...certificateDetails(table.certificates[tls.certificate], '    '));
    }
    const ciphers = tls.ciphers === null ? 'ConfigMap default' : `${tls.ciphers} (ssl-ciphers annotation)`;
    lines.push(`  tls policy: ${table.tls.protocols.join(' ')}; ciphers: ${ciphers}`);
    if (tls.preferServerCiphers !== null) lines.push(`  prefer server ciphers: ${tls.preferServerCiphers}`);
    if (tls.clientAuth !== null) {
      const auth = tls.clientAuth;
      lines.push(`  client certificates: verify ${auth.verifyClient}, depth ${auth.verifyDepth}`);
    }
    lines.push(`  hsts: ${table.hsts.header ?? 'off'}`);
  }
  const passthrough = table.passthrough[server.host];
  if (passthrough !== undefined) {
    lines.push(`  ssl passthrough: TLS forwarded unterminated to ${passthrough.address}:${passthrough.port}`);
  }
  lines.push('  routes:');
  if (server.routes.length === 0) lines.push('    (none)');
  for (const route of server.routes) lines.push(`    ${routeLine(table, server, route)}`);
  lines.push(`  fallback: ${backendText(server.fallback)}`);
  return lines;
}

function routeLine(table: RoutingTable, server: Server, route: Route): string {
  const notes = [`Ingress ${ref(route.ingress)}`];
  const redirects = route.redirect.forceSslRedirect || (route.redirect.sslRedirect && server.tls !== null);
  if (redirects) notes.push(`http->https ${table.http.redirectCode}`);
  // Only what the Ingress's own annotations changed; the ConfigMap's are in the global lines.
  if (route.upstream.timeouts !== table.http.proxyTimeouts) {
    notes.push(`timeouts ${timeoutsText(route.upstream.timeouts, table.http.proxyTimeouts)}`);
  }
  return `${route.path} ${route.pathType} -> ${routeTarget(route)}  [${notes.join('; ')}]`;
}

function routeTarget(route: Route): string {
  // ingress-nginx answers 503 rather than serve a location whose auth-tls/proxy-ssl failed.
  if (route.denied !== null) return `denied (503): ${route.denied}`;
  if (route.fixedRedirect !== null) return `redirect ${route.fixedRedirect.code} ${route.fixedRedirect.url}`;
  const protocol = route.upstream.protocol === 'HTTP' ? '' : ` (${route.upstream.protocol})`;
  return `${backendText(route.backend)}${protocol}`;
}

function backendText(backend: Backend): string {
  if (backend.type === 'default') return 'default backend (404)';
  const service = `service ${backend.namespace}/${backend.service}:${backend.port}`;
  if (backend.externalName) return `${service} -> ExternalName ${backend.endpoints[0]?.address ?? '?'}`;
  if (backend.endpoints.length === 0) return `${service} -> no ready endpoints (503)`;
  return `${service} -> ${backend.endpoints.map((e) => `${e.address}:${e.port}`).join(', ')}`;
}

function extras(table: RoutingTable): string[] {
  const lines: string[] = [];
  const section = (title: string, items: string[]): void => {
    if (items.length > 0) lines.push(`${title}:`, ...items.map((item) => `  ${item}`), '');
  };
  section(
    'ssl passthrough',
    Object.values(table.passthrough).map(
      (p) =>
        `${p.host} -> service ${p.namespace}/${p.service} ${p.address}:${p.port} (Ingress ${ref(p.ingress)})`,
    ),
  );
  section(
    'aliases',
    Object.entries(table.aliases).map(([alias, host]) => `${alias} -> served as ${host}`),
  );
  section(
    'www redirects',
    Object.entries(table.wwwRedirects).map(
      ([from, r]) =>
        `${from} -> ${r.to} (${r.code}, ${r.certificate === null ? 'HTTP only' : 'HTTP and HTTPS'})`,
    ),
  );
  return lines;
}

function diagnosticLines(diagnostics: readonly Diagnostic[]): string[] {
  const count = (severity: Diagnostic['severity']): number =>
    diagnostics.filter((d) => d.severity === severity).length;
  const summary = `${plural(count('error'), 'error')}, ${plural(count('warning'), 'warning')}, ${count('info')} info`;
  if (diagnostics.length === 0) return [`diagnostics: none (${summary})`];
  return [
    'diagnostics:',
    ...diagnostics.map((d) => `  ${d.severity} ${d.code} ${formatObjectRef(d.object)}: ${d.message}`),
    summary,
  ];
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function ref(object: { readonly namespace: string; readonly name: string }): string {
  return `${object.namespace}/${object.name}`;
}

/** ingress-nginx's proxy-connect/read/send-timeout defaults, which the data plane applies. */
const defaultTimeouts = { connect: 5, read: 60, send: 60 } as const;

/** Each timeout as it applies: the route's, else the ConfigMap's, else ingress-nginx's default. */
function timeoutsText(own: ProxyTimeouts, configMap: ProxyTimeouts): string {
  return (['connect', 'read', 'send'] as const)
    .map((key) => `${key} ${own[key] ?? configMap[key] ?? defaultTimeouts[key]}s`)
    .join(', ');
}
