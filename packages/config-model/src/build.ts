/**
 * build(snapshot, options) -> { table, diagnostics }: the whole translation from Kubernetes
 * objects to a deep-frozen routing table. Pure and synchronous; createBuilder() keeps memo
 * caches so a rebuild after one change redoes only the work that change implies:
 *   validated objects (per raw object) -> ChangeTracker (which Secrets/Services changed) ->
 *   per-Ingress steps and contributions (ingresses.ts) -> per-host servers (groups.ts) -> table
 *   (finish.ts). Each memo is keyed by object identity and checked against the tracker, so an
 *   unchanged Ingress or host costs a few lookups.
 */
import { hash } from 'node:crypto';
import { IngressOrder } from './build/accepted.ts';
import { BackendResolver } from './build/backends.ts';
import { CertificateStore } from './build/certificates.ts';
import { Contributions } from './build/contributions.ts';
import { TableFinisher } from './build/finish.ts';
import { ServerBuilder } from './build/groups.ts';
import { IngressStage } from './build/ingresses.ts';
import { aliasNames, wwwRedirects } from './build/names.ts';
import { passthroughTargets } from './build/passthrough.ts';
import { ChangeTracker, Scope, secretKey } from './build/tracker.ts';
import { Validator } from './build/validate.ts';
import { createCertificateCache, inspectKeyPair } from './certificates/index.ts';
import { DEFAULT_MINIMUM } from './certificates/parallel.ts';
import { parseSettings } from './configmap/parse.ts';
import type { Settings } from './configmap/types.ts';
import { deepFreeze } from './deep-freeze.ts';
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

/** How a builder spends the machine; the defaults suit the controller. */
export interface BuilderTuning {
  /**
   * Inspect Secrets on a second thread when a build meets at least this many it has not
   * inspected before (a cold build, a bulk certificate renewal); false: always in this thread.
   */
  readonly parallelInspection?: number | false;
}

/** One-off build with fresh caches. Long-running callers use createBuilder(). */
export function build(snapshot: Snapshot, options: BuildOptions): BuildResult {
  return createBuilder().build(snapshot, options);
}

export function createBuilder(tuning: BuilderTuning = {}): Builder {
  const parallelInspection = tuning.parallelInspection ?? DEFAULT_MINIMUM;
  const validator = new Validator();
  const order = new IngressOrder();
  const tracker = new ChangeTracker();
  const resolver = new BackendResolver(tracker);
  const finisher = new TableFinisher();
  const certificates = createCertificateCache();
  const store = new CertificateStore(tracker, certificates);
  const contributions = new Contributions(tracker, resolver, store);
  const ingressStage = new IngressStage(tracker, contributions);
  const serverBuilder = new ServerBuilder(tracker, resolver, store, finisher);
  const settingsMemo = new WeakMap<ConfigMap, { settings: Settings; diagnostics: Diagnostic[] }>();
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

  const fakeCertificate = (
    options: BuildOptions,
  ): { certificate: Certificate; diagnostics: Diagnostic[] } => {
    const { certPem, keyPem } = options.fakeCertificate;
    const key = `${certPem}\n${keyPem}`;
    if (fake?.key !== key) {
      const inspected = inspectKeyPair(certPem, keyPem, objectRef('Certificate', '', 'fake'), options.now);
      if (inspected.certificate === null) throw new Error('the generated fake certificate is unusable');
      const revision = hash('sha256', key, 'hex').slice(0, 16);
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
      const secrets = validator.secrets(snapshot, out);
      const ingressClasses = validator.ingressClasses(snapshot, out);
      const ingresses = order.of(validator.ingresses(snapshot, out));
      // The inspection thread starts on the Secrets, in the order hosts will ask for them,
      // while this one reads the rest.
      store.prefetch(secrets, parallelInspection, () => needOrder(ingresses, options));
      tracker.update(secrets, validator.services(snapshot, out), validator.endpointSlices(snapshot, out));
      const settings = settingsOf(validator.configMaps(snapshot, out), options, out);
      const scope = new Scope();
      store.begin(options.now, scope);
      const defaultCertificate = chooseDefault(store, options, fakeCertificate(options).certificate, out);
      store.use(defaultCertificate);

      const { accepted, contributed } = ingressStage.run(ingresses, ingressClasses, settings, options, out);

      const { hosts, servers, catchAll } = serverBuilder.build(contributed, defaultCertificate, out);
      const aliases = aliasNames(hosts, accepted, out);
      const passthrough = passthroughTargets(accepted, resolver, options.enableSslPassthrough, out);
      store.finish(out);
      out.push(...scope.diagnostics);
      const usedCertificates = store.used();
      certificates.sweep();
      resolver.sweep();
      const table = finisher.table(
        {
          tls: settings.tls,
          http: settings.http,
          hsts: settings.hsts,
          certificates: usedCertificates.record,
          defaultCertificate: defaultCertificate.id,
          aliases,
          wwwRedirects: wwwRedirects(accepted, hosts, aliases, usedCertificates.record),
          passthrough,
        },
        usedCertificates.sorted,
        servers,
        catchAll,
      );
      const sink = new DiagnosticSink();
      sink.push(...out);
      return { table, diagnostics: Object.freeze(sink.sorted()) };
    },
  };
}

/**
 * Secret keys in the order a cold build loads them: the default certificate's, then each TLS
 * entry's in Ingress order (hosts are drafted in the order their first Ingress comes).
 */
function needOrder(ingresses: readonly Ingress[], options: BuildOptions): string[] {
  const keys: string[] = [];
  const first = options.defaultSslCertificate;
  if (first !== null) keys.push(secretKey(first.namespace, first.name));
  for (const ingress of ingresses) {
    for (const entry of ingress.spec.tls ?? []) {
      if (entry.secretName !== undefined) keys.push(secretKey(ingress.metadata.namespace, entry.secretName));
    }
  }
  return keys;
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
