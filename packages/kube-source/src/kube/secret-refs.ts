/**
 * Which Secrets build() can read: those an Ingress names in spec.tls[].secretName (its own
 * namespace), in the auth-tls-secret / proxy-ssl-secret annotations, and the
 * --default-ssl-certificate. Only these enter the snapshot: a cluster has many unrelated Secrets
 * (service-account tokens, application credentials) that the proxy must never hold or parse.
 *
 * Ingresses are raw, unvalidated JSON here, so every field is checked before use; an Ingress of
 * another class still contributes its references (a superset is harmless, build() decides).
 */
import type { NamespacedName } from './log.ts';

const secretAnnotations = [
  'nginx.ingress.kubernetes.io/auth-tls-secret',
  'nginx.ingress.kubernetes.io/proxy-ssl-secret',
];

export const secretKey = (namespace: string, name: string): string => `${namespace}/${name}`;

export function referencedSecrets(
  ingresses: readonly unknown[],
  defaultCertificate: NamespacedName | undefined,
): Set<string> {
  const keys = new Set<string>();
  if (defaultCertificate !== undefined)
    keys.add(secretKey(defaultCertificate.namespace, defaultCertificate.name));
  for (const ingress of ingresses) {
    const { metadata, spec } = record(ingress);
    const meta = record(metadata);
    const namespace = typeof meta.namespace === 'string' ? meta.namespace : 'default';
    const tls = record(spec).tls;
    if (Array.isArray(tls)) {
      for (const entry of tls) {
        const name = record(entry).secretName;
        if (typeof name === 'string' && name !== '') keys.add(secretKey(namespace, name));
      }
    }
    const annotations = record(meta.annotations);
    for (const annotation of secretAnnotations) {
      const ref = annotationRef(annotations[annotation], namespace);
      if (ref !== undefined) keys.add(ref);
    }
  }
  return keys;
}

/**
 * `namespace/name`, `/name` or `name` (the last two in the Ingress's namespace), as the
 * annotation parser in config-model reads them; anything else names no Secret.
 */
function annotationRef(value: unknown, namespace: string): string | undefined {
  if (typeof value !== 'string') return undefined;
  const parts = value.trim().split('/');
  if (parts.length > 2) return undefined;
  const [first = '', second] = parts;
  const ref =
    second === undefined ? { namespace, name: first } : { namespace: first || namespace, name: second };
  return ref.name === '' ? undefined : secretKey(ref.namespace, ref.name);
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
}
