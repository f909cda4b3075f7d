export type { LoadBalancerAddress, PublishOptions } from './kube/addresses.ts';
export type { BackoffOptions } from './kube/backoff.ts';
export { type KubeConfigOptions, kubeConfig } from './kube/config.ts';
export { createEventRecorder, type EventRecorder, type EventRecorderOptions } from './kube/events.ts';
export { createLeaderElector, type LeaderElector, type LeaderElectorOptions } from './kube/leader.ts';
export type { KubeLog, KubeLogFields, NamespacedName } from './kube/log.ts';
export { createKubeSource, type KubeSource, type KubeSourceOptions } from './kube/source.ts';
export {
  createStatusWriter,
  type StatusUpdateResult,
  type StatusWriter,
  type StatusWriterOptions,
} from './kube/status.ts';
export { type LoadedManifests, loadManifests } from './manifests/load.ts';
export { defaultNamespace, withDefaultNamespace } from './manifests/namespace.ts';
export { type ManifestWatcher, type WatchOptions, watchManifests } from './manifests/watch.ts';
