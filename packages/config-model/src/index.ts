export { parseAnnotations, supportedAnnotations } from './annotations/parse.ts';
export type {
  AuthTlsAnnotation,
  BackendProtocol,
  ClientAuth,
  IngressAnnotations,
  ProxySsl,
  SecretRef,
  VerifyClient,
} from './annotations/types.ts';
export { type Builder, type BuilderTuning, type BuildResult, build, createBuilder } from './build.ts';
export {
  coversHost,
  generateFakeCertificate,
  type IssueOptions,
  issueCertificate,
} from './certificates/index.ts';
export type { CertificateFacts } from './certificates/types.ts';
export { defaultSettings, parseSettings, supportedConfigMapKeys } from './configmap/parse.ts';
export type {
  HstsSettings,
  HttpSettings,
  ProxyTimeouts,
  Settings,
  TlsProtocol,
  TlsSettings,
} from './configmap/types.ts';
/** Tables are deep-frozen; a structured clone of one (a worker's copy) arrives mutable. */
export { deepFreeze } from './deep-freeze.ts';
export {
  type Diagnostic,
  type DiagnosticCode,
  DiagnosticCodes,
  diagnostic,
  formatObjectRef,
  type ObjectRef,
  objectRef,
  type Severity,
} from './diagnostics.ts';
export {
  findServer,
  lookupCertificate,
  lookupPassthrough,
  lookupServer,
  matchRoute,
  normalizeHost,
  pathMatches,
  wildcardOf,
} from './lookup.ts';
export { emptySnapshot, type Snapshot, snapshotFromObjects, snapshotKey } from './objects/snapshot.ts';
export { type BuildOptions, defaultOptions } from './options.ts';
export type * from './table.ts';
