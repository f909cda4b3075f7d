/**
 * build(snapshot, options) -> { table, diagnostics }: the whole translation from Kubernetes
 * objects to a deep-frozen routing table. Pure and synchronous; createBuilder() keeps memo
 * caches (validated objects, parsed annotations, parsed certificates) so a rebuild after one
 * change redoes only the work that change implies.
 */
import { createHash } from 'node:crypto';
import { parseAnnotations } from './annotations/parse.ts';
import type { IngressAnnotations } from './annotations/types.ts';
import { type AcceptedIngress, compareIngresses } from './build/accepted.ts';
import { BackendResolver } from './build/backends.ts';
import { CertificateStore } from './build/certificates.ts';
import { classFilter } from './build/classes.ts';
import { TableFinisher } from './build/finish.ts';
import { aliasNames, wwwRedirects } from './build/names.ts';
import { passthroughTargets } from './build/passthrough.ts';
import { hostProblem } from './build/paths.ts';
import { clientAuth, type RouteExtras, routeExtras } from './build/route-extras.ts';
import { catchAllHost, draftServers, type ServerDraft } from './build/servers.ts';
import { assignCertificates } from './build/tls.ts';
import { deepFreeze, Validator } from './build/validate.ts';
import { type CertificateCache, createCertificateCache, inspectKeyPair } from './certificates/index.ts';
import { parseSettings } from './configmap/parse.ts';
import type { Settings } from './configmap/types.ts';
import { type Diagnostic, DiagnosticSink, diagnostic, objectRef } from './diagnostics.ts';
import type { ConfigMap, Ingress } from './objects/schemas.ts';
import type { Snapshot } from './objects/snapshot.ts';
import type { BuildOptions } from './options.ts';
import type { Certificate, RoutingTable } from './table.ts';

export interface BuildResult {
  readonly table: RoutingTable;
  readonly diagnostics: readonly Diagnostic[];
}

export interface Builder {
  build(snapshot: Snapshot, options: BuildOptions): BuildResult;
}

/** One-off build with fresh caches. Long-running callers use createBuilder(). */
export function build(snapshot: Snapshot, options: BuildOptions): BuildResult {
  return createBuilder().build(snapshot, options);
}

export function createBuilder(): Builder {
  const validator = new Validator();
  const resolver = new BackendResolver();
  const finisher = new TableFinisher();
  const certificates = createCertificateCache();
  const settingsMemo = new WeakMap<ConfigMap, { settings: Settings; diagnostics: Diagnostic[] }>();
  const annotationMemo = new WeakMap<
    Ingress,
    { settings: Settings; result: ReturnType<typeof parseAnnotations> }
  >();
  let fake: { key: string; certificate: Certificate; diagnostics: Diagnostic[] } | undefined;

  const settingsOf = (
    configMaps: readonly ConfigMap[],
    options: BuildOptions,
    out: Diagnostic[],
  ): Settings => {
    const ref = options.configMap;
    const found =
      ref && configMaps.find((c) => c.metadata.namespace === ref.namespace && c.metadata.name === ref.name);
    if (!found) {
      const none = parseSettings(undefined, null);
      if (ref) {
        out.push(
          diagnostic(
            'ConfigMapNotFound',
            objectRef('ConfigMap', ref.namespace, ref.name),
            'ConfigMap named by --configmap not found; defaults are used',
          ),
        );
      }
      return cachedDefaults(none.settings);
    }
    const memo =
      settingsMemo.get(found) ??
      parseSettings(found.data, objectRef('ConfigMap', found.metadata.namespace, found.metadata.name));
    settingsMemo.set(found, memo);
    out.push(...memo.diagnostics);
    return memo.settings;
  };

  let defaults: Settings | undefined;
  const cachedDefaults = (s: Settings): Settings => {
    defaults ??= s;
    return defaults;
  };

  const annotationsOf = (ingress: Ingress, settings: Settings) => {
    const memo = annotationMemo.get(ingress);
    if (memo !== undefined && memo.settings === settings) return memo.result;
    const result = parseAnnotations(ingress.metadata.annotations, ingress.metadata, settings);
    annotationMemo.set(ingress, { settings, result });
    return result;
  };

  const fakeCertificate = (
    options: BuildOptions,
  ): { certificate: Certificate; diagnostics: Diagnostic[] } => {
    const { certPem, keyPem } = options.fakeCertificate;
    const key = `${certPem}\n${keyPem}`;
    if (fake?.key !== key) {
      const inspected = inspectKeyPair(certPem, keyPem, objectRef('Certificate', '', 'fake'), options.now);
      if (inspected.certificate === null) throw new Error('the generated fake certificate is unusable');
      const revision = createHash('sha256').update(key).digest('hex').slice(0, 16);
      fake = {
        key,
        certificate: deepFreeze({ id: 'fake', revision, ...inspected.certificate }),
        diagnostics: [],
      };
    }
    return fake;
  };

  return {
    build(snapshot, options) {
      const out: Diagnostic[] = [];
      const ingressClasses = validator.ingressClasses(snapshot, out);
      const ingresses = validator.ingresses(snapshot, out).sort(compareIngresses);
      const secrets = validator.secrets(snapshot, out);
      resolver.index(validator.services(snapshot, out), validator.endpointSlices(snapshot, out));
      const settings = settingsOf(validator.configMaps(snapshot, out), options, out);
      const store = new CertificateStore(secrets, certificates as CertificateCache, options.now, out);
      const defaultCertificate = chooseDefault(store, options, fakeCertificate(options).certificate, out);
      store.use(defaultCertificate);

      const filter = classFilter(ingressClasses, options);
      const accepted: AcceptedIngress[] = [];
      for (const ingress of ingresses) {
        if (!filter.accepts(ingress, out)) continue;
        const parsed = annotationsOf(ingress, settings);
        out.push(...parsed.diagnostics);
        if (parsed.rejected) continue;
        accepted.push(acceptIngress(ingress, parsed.annotations, out));
      }

      const authMemo = new Map<AcceptedIngress, ReturnType<typeof clientAuth>>();
      const authOf = (item: AcceptedIngress) => {
        if (!authMemo.has(item)) authMemo.set(item, clientAuth(item, store));
        return authMemo.get(item) ?? null;
      };
      const extras = (item: AcceptedIngress): RouteExtras =>
        routeExtras(item, store, authOf(item) === 'denied');
      const drafts = draftServers(accepted, resolver, extras, finisher.id, out);
      assignCertificates(drafts, store, defaultCertificate, authOf, out);
      const aliases = aliasNames(drafts, accepted, out);
      const passthrough = passthroughTargets(accepted, resolver, options.enableSslPassthrough, out);
      const usedCertificates = store.used();
      certificates.sweep();
      const servers = [...drafts.values()]
        .filter((d) => d.host !== catchAllHost)
        .map((d) => finisher.server(d));
      const table = finisher.table(
        {
          tls: settings.tls,
          http: settings.http,
          hsts: settings.hsts,
          certificates: usedCertificates,
          defaultCertificate: defaultCertificate.id,
          aliases,
          wwwRedirects: wwwRedirects(drafts, aliases, usedCertificates),
          passthrough,
        },
        servers,
        finisher.server(drafts.get(catchAllHost) as ServerDraft),
      );
      const sink = new DiagnosticSink();
      sink.push(...out);
      return { table, diagnostics: Object.freeze(sink.sorted()) };
    },
  };
}

function acceptIngress(
  ingress: Ingress,
  annotations: IngressAnnotations,
  out: Diagnostic[],
): AcceptedIngress {
  const { namespace, name } = ingress.metadata;
  const hosts = (ingress.spec.rules ?? []).map((rule, i): string | undefined => {
    const host = (rule.host ?? '').toLowerCase();
    if (host === '') return '';
    const problem = hostProblem(host);
    if (problem === null) return host;
    out.push(
      diagnostic(
        'InvalidHost',
        objectRef('Ingress', namespace, name, `spec.rules[${i}].host`),
        `host "${rule.host}": ${problem}; this rule is not served`,
      ),
    );
    return undefined;
  });
  return { ingress, ref: Object.freeze({ namespace, name }), annotations, hosts: hosts as string[] };
}

function chooseDefault(
  store: CertificateStore,
  options: BuildOptions,
  fake: Certificate,
  out: Diagnostic[],
): Certificate {
  const ref = options.defaultSslCertificate;
  if (ref === null) return fake;
  const where = objectRef('Secret', ref.namespace, ref.name);
  const certificate = store.load(ref.namespace, ref.name, where);
  if (certificate !== null) return certificate;
  out.push(
    diagnostic(
      'DefaultCertificateInvalid',
      where,
      '--default-ssl-certificate is unusable; the generated fake certificate is served instead',
    ),
  );
  return fake;
}
