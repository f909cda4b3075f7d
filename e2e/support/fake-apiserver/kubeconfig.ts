/**
 * A kubeconfig for the fake (clientcmd's v1 Config): server URL, the CA inline as
 * certificate-authority-data, and a bearer token, so the real controller runs with
 * `--kubeconfig PATH` exactly as it would against a cluster.
 */
import { writeFileSync } from 'node:fs';

export interface KubeconfigFields {
  readonly server: string;
  readonly caPem: string;
  readonly token: string;
  readonly namespace?: string;
}

export function kubeconfigYaml(fields: KubeconfigFields): string {
  const caData = Buffer.from(fields.caPem, 'utf8').toString('base64');
  return `apiVersion: v1
kind: Config
clusters:
  - name: fake-apiserver
    cluster:
      server: ${fields.server}
      certificate-authority-data: ${caData}
users:
  - name: fake-apiserver
    user:
      token: ${fields.token}
contexts:
  - name: fake-apiserver
    context:
      cluster: fake-apiserver
      user: fake-apiserver
      namespace: ${fields.namespace ?? 'default'}
current-context: fake-apiserver
`;
}

export function writeKubeconfig(path: string, fields: KubeconfigFields): void {
  writeFileSync(path, kubeconfigYaml(fields), { mode: 0o600 });
}
