/**
 * The one catalog of diagnostic codes for config-model. A code is stable: it doubles as a log
 * field, a metric label (portcullis_diagnostics{code}) and a Kubernetes Event reason, so never
 * rename one; add a new code instead.
 */
export const DiagnosticCodes = {
  // Object shape
  InvalidObject: 'error',
  UnsupportedObject: 'info',
  // Ingress class selection
  IngressClassNotFound: 'info',
  // ConfigMap keys
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

  sorted(): Diagnostic[] {
    return [...this.#items].sort(compareDiagnostics);
  }
}

function compareDiagnostics(a: Diagnostic, b: Diagnostic): number {
  return (
    cmp(a.object.kind, b.object.kind) ||
    cmp(a.object.namespace, b.object.namespace) ||
    cmp(a.object.name, b.object.name) ||
    cmp(a.object.field ?? '', b.object.field ?? '') ||
    cmp(a.code, b.code) ||
    cmp(a.message, b.message)
  );
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
