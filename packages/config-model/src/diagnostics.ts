/**
 * The one catalog of diagnostic codes for config-model. A code is stable: it doubles as a log
 * field, a metric label (portcullis_diagnostics{code}) and a Kubernetes Event reason, so never
 * rename one; add a new code instead.
 */
export const DiagnosticCodes = {
  // Object shape
  InvalidObject: 'error',
  UnsupportedObject: 'info',
  /** A manifest document (standalone mode) that does not parse; the other documents still load. */
  ManifestInvalid: 'error',
  // Ingress class selection
  IngressClassNotFound: 'info',
  // ConfigMap keys
  ConfigMapNotFound: 'warning',
  InvalidConfigMapValue: 'warning',
  UnknownConfigMapKey: 'info',
  // Annotations
  InvalidAnnotationValue: 'warning',
  IngressRejected: 'error',
  // Routing
  DuplicateRoute: 'warning',
  InvalidPath: 'error',
  InvalidHost: 'error',
  ServiceNotFound: 'warning',
  ServicePortNotFound: 'warning',
  NoReadyEndpoints: 'info',
  PassthroughDisabled: 'warning',
  PassthroughNoTarget: 'error',
  PassthroughConflict: 'warning',
  // TLS / certificates
  SecretNotFound: 'error',
  SecretMissingKey: 'error',
  CertificateInvalid: 'error',
  PrivateKeyInvalid: 'error',
  PrivateKeyMismatch: 'error',
  WeakKey: 'error',
  ChainReordered: 'warning',
  CertificateExpired: 'warning',
  CertificateNotYetValid: 'warning',
  CertificateHostMismatch: 'error',
  TlsHostConflict: 'info',
  DefaultCertificateInvalid: 'error',
  CaCertificateInvalid: 'error',
} as const satisfies Record<string, Severity>;

export type Severity = 'error' | 'warning' | 'info';
export type DiagnosticCode = keyof typeof DiagnosticCodes;

/** The Kubernetes object (and the part of it) a diagnostic is about. */
export interface ObjectRef {
  readonly kind: string;
  /** '' for cluster-scoped objects. */
  readonly namespace: string;
  readonly name: string;
  /** A field path (`spec.rules[0].host`), an annotation name, a ConfigMap key or a Secret key. */
  readonly field?: string;
}

export interface Diagnostic {
  readonly code: DiagnosticCode;
  readonly severity: Severity;
  readonly object: ObjectRef;
  readonly message: string;
}

export function diagnostic(code: DiagnosticCode, object: ObjectRef, message: string): Diagnostic {
  return { code, severity: DiagnosticCodes[code], object, message };
}

export function objectRef(kind: string, namespace: string, name: string, field?: string): ObjectRef {
  return field === undefined ? { kind, namespace, name } : { kind, namespace, name, field };
}

/** `Kind namespace/name (field)` — the form logs and the CLI use. */
export function formatObjectRef(ref: ObjectRef): string {
  const id = ref.namespace === '' ? ref.name : `${ref.namespace}/${ref.name}`;
  return ref.field === undefined ? `${ref.kind} ${id}` : `${ref.kind} ${id} (${ref.field})`;
}

/** Collects diagnostics during one build; sorted on the way out so output is deterministic. */
export class DiagnosticSink {
  readonly #items: Diagnostic[] = [];

  add(code: DiagnosticCode, object: ObjectRef, message: string): void {
    this.#items.push(diagnostic(code, object, message));
  }

  push(...items: readonly Diagnostic[]): void {
    this.#items.push(...items);
  }

  /** Sorted, with exact repeats (same code, object and message) reported once. */
  sorted(): Diagnostic[] {
    const seen = new Set<string>();
    return [...this.#items].sort(compareDiagnostics).filter((d) => {
      const key = JSON.stringify([d.code, d.object, d.message]);
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
  }
}

function compareDiagnostics(a: Diagnostic, b: Diagnostic): number {
  return (
    cmp(a.object.kind, b.object.kind) ||
    cmp(a.object.namespace, b.object.namespace) ||
    cmp(a.object.name, b.object.name) ||
    naturalCompare(a.object.field ?? '', b.object.field ?? '') ||
    cmp(a.code, b.code) ||
    cmp(a.message, b.message)
  );
}

/** Compares digit runs as numbers, so `paths[2]` sorts before `paths[10]`. */
function naturalCompare(a: string, b: string): number {
  const split = (s: string) => s.split(/(\d+)/);
  const pa = split(a);
  const pb = split(b);
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    const x = pa[i] as string;
    const y = pb[i] as string;
    if (x === y) continue;
    return i % 2 === 1 ? Number(x) - Number(y) : cmp(x, y);
  }
  return pa.length - pb.length;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
