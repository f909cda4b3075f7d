export { type LoadedManifests, loadManifests } from './manifests/load.ts';
export { defaultNamespace, withDefaultNamespace } from './manifests/namespace.ts';
export { type ManifestWatcher, type WatchOptions, watchManifests } from './manifests/watch.ts';
