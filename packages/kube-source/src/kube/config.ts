/**
 * Where the API server is: in a pod, the service account (as ingress-nginx does without
 * --kubeconfig); otherwise the kubeconfig file the operator names.
 */
import { KubeConfig } from '@kubernetes/client-node';

export interface KubeConfigOptions {
  /** --kubeconfig: a kubeconfig file; absent means in-cluster configuration. */
  readonly kubeconfig?: string;
}

export function kubeConfig(options: KubeConfigOptions = {}): KubeConfig {
  const config = new KubeConfig();
  if (options.kubeconfig === undefined) config.loadFromCluster();
  else config.loadFromFile(options.kubeconfig);
  return config;
}
