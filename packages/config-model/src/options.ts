import type { SecretRef } from './annotations/types.ts';

/** Controller options that shape the table (ingress-nginx's flag names in comments). */
export interface BuildOptions {
  /** --ingress-class: the legacy kubernetes.io/ingress.class annotation value we own. */
  readonly ingressClass: string;
  /** --controller-class: IngressClass spec.controller we own. */
  readonly controllerClass: string;
  /** --watch-ingress-without-class */
  readonly watchIngressWithoutClass: boolean;
  /** --default-ssl-certificate NS/NAME, or null for the generated fake certificate. */
  readonly defaultSslCertificate: SecretRef | null;
  /** --enable-ssl-passthrough */
  readonly enableSslPassthrough: boolean;
  /** --configmap NS/NAME: the ConfigMap in the snapshot that holds settings. */
  readonly configMap: SecretRef | null;
  /** The self-signed certificate generated at start-up (generateFakeCertificate). */
  readonly fakeCertificate: { readonly certPem: string; readonly keyPem: string };
  /** The time validity is judged at; build() never reads the clock. */
  readonly now: Date;
}

export const defaultOptions = {
  ingressClass: 'nginx',
  controllerClass: 'k8s.io/ingress-nginx',
  watchIngressWithoutClass: false,
  defaultSslCertificate: null,
  enableSslPassthrough: false,
  configMap: null,
} as const satisfies Partial<BuildOptions>;
