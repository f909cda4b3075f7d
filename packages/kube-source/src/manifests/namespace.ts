/**
 * `kubectl apply -f` puts a namespaced object without metadata.namespace into the current
 * context's namespace, which is "default" unless configured; standalone mode has no context, so
 * it is always "default". Cluster-scoped kinds keep no namespace.
 */
const clusterScopedKinds = new Set([
  'APIService',
  'CertificateSigningRequest',
  'ClusterIssuer',
  'ClusterRole',
  'ClusterRoleBinding',
  'ComponentStatus',
  'CSIDriver',
  'CSINode',
  'CustomResourceDefinition',
  'FlowSchema',
  'IngressClass',
  'MutatingWebhookConfiguration',
  'Namespace',
  'Node',
  'PersistentVolume',
  'PriorityClass',
  'PriorityLevelConfiguration',
  'RuntimeClass',
  'StorageClass',
  'ValidatingAdmissionPolicy',
  'ValidatingAdmissionPolicyBinding',
  'ValidatingWebhookConfiguration',
  'VolumeAttachment',
]);

export const defaultNamespace = 'default';

/** The object with metadata.namespace set to "default" when a namespaced kind lacks one. */
export function withDefaultNamespace(object: unknown): unknown {
  if (typeof object !== 'object' || object === null) return object;
  const { kind, metadata } = object as { kind?: unknown; metadata?: unknown };
  if (typeof kind !== 'string' || clusterScopedKinds.has(kind)) return object;
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) return object;
  const namespace = (metadata as { namespace?: unknown }).namespace;
  if (typeof namespace === 'string' && namespace !== '') return object;
  return { ...object, metadata: { ...metadata, namespace: defaultNamespace } };
}
