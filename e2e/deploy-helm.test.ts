/**
 * The Helm chart as an ingress-nginx user installs it: `helm lint` and `helm template` with the
 * real helm binary, then every rendered object checked against what the real portcullis binary
 * accepts and calls (e2e/support/deploy-checks.ts). No cluster: the objects are read back.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkInstall } from './support/deploy-checks.ts';
import {
  chartDir,
  controllerContainer,
  flagValue,
  helmTemplate,
  type Manifest,
  ofKind,
  one,
} from './support/deploy-render.ts';
import { kubeTools, run, skipReason } from './support/deploy-tools.ts';

const tools = kubeTools();
const skip = skipReason(tools);
const everything = [
  'namespace.create=true',
  'autoscaling.enabled=true',
  'metrics.serviceMonitor.enabled=true',
  'enableSslPassthrough=true',
  'watchIngressWithoutClass=true',
  'watchNamespace=team-a',
  'ingressClass.default=true',
];

function render(options: Parameters<typeof helmTemplate>[1] = {}): Manifest[] {
  if (typeof tools === 'string') throw new Error(tools);
  return helmTemplate(tools, options);
}

function kinds(manifests: readonly Manifest[]): string[] {
  return manifests.map((m) => m.kind).sort();
}

describe('helm chart deploy/helm/portcullis', { skip }, () => {
  it('passes helm lint --strict with the defaults, values-nginx.yaml and every option on', () => {
    if (typeof tools === 'string') throw new Error(tools);
    run(tools.helm, ['lint', '--strict', chartDir]);
    run(tools.helm, ['lint', '--strict', chartDir, '--values', `${chartDir}/values-nginx.yaml`]);
    run(tools.helm, ['lint', '--strict', chartDir, ...everything.flatMap((s) => ['--set', s])]);
  });

  it('renders a complete, consistent install by default', () => {
    const manifests = render();
    assert.deepEqual(kinds(manifests), [
      'ClusterRole',
      'ClusterRoleBinding',
      'ConfigMap',
      'Deployment',
      'IngressClass',
      'PodDisruptionBudget',
      'Role',
      'RoleBinding',
      'Service',
      'ServiceAccount',
    ]);
    const args = checkInstall(manifests);
    const deployment = one(manifests, 'Deployment');
    assert.equal(deployment.spec.replicas, 2);
    assert.equal(deployment.metadata.namespace, 'ingress');
    assert.equal(flagValue(args, 'default-ssl-certificate'), undefined, 'the fake certificate by default');
    assert.equal(flagValue(args, 'workers'), '2', 'workers pinned, not the node CPU count');
  });

  it('checks every rendering with all options on', () => {
    const manifests = render({ set: everything });
    assert.equal(one(manifests, 'Namespace').metadata.name, 'ingress');
    const args = checkInstall(manifests);
    assert.equal(flagValue(args, 'enable-ssl-passthrough'), 'true');
    assert.equal(flagValue(args, 'watch-ingress-without-class'), 'true');
    assert.equal(flagValue(args, 'watch-namespace'), 'team-a');
    const ingressClass = one(manifests, 'IngressClass');
    assert.equal(ingressClass.metadata.annotations['ingressclass.kubernetes.io/is-default-class'], 'true');
  });

  it('values-nginx.yaml serves the existing "nginx" IngressClass without creating it', () => {
    const manifests = render({ files: ['values-nginx.yaml'] });
    assert.equal(ofKind(manifests, 'IngressClass').length, 0, 'the IngressClass is left to ingress-nginx');
    const args = checkInstall(manifests);
    assert.equal(flagValue(args, 'ingress-class'), 'nginx');
    assert.equal(flagValue(args, 'controller-class'), 'k8s.io/ingress-nginx');
  });

  it('with autoscaling, the HPA owns the replica count and scales the Deployment', () => {
    const manifests = render({ set: ['autoscaling.enabled=true', 'autoscaling.minReplicas=3'] });
    const deployment = one(manifests, 'Deployment');
    assert.equal(deployment.spec.replicas, undefined, 'no replicas field for helm upgrade to reset');
    const hpa = one(manifests, 'HorizontalPodAutoscaler');
    assert.deepEqual(hpa.spec.scaleTargetRef, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      name: deployment.metadata.name,
    });
    assert.equal(hpa.spec.minReplicas, 3);
    assert.equal(hpa.spec.metrics[0].resource.name, 'cpu');
  });

  it('renders no PodDisruptionBudget that would block every drain of a single replica', () => {
    assert.equal(ofKind(render({ set: ['replicaCount=1'] }), 'PodDisruptionBudget').length, 0);
    const hpa = render({ set: ['replicaCount=1', 'autoscaling.enabled=true'] });
    assert.equal(one(hpa, 'PodDisruptionBudget').spec.minAvailable, 1);
  });

  it('a longer drain lengthens terminationGracePeriodSeconds and the drain env', () => {
    const manifests = render({ set: ['drainTimeoutSeconds=120'] });
    checkInstall(manifests);
    const env = controllerContainer(manifests).env.find(
      (e: Manifest) => e.name === 'PORTCULLIS_DRAIN_TIMEOUT_MS',
    );
    assert.equal(env.value, '120000');
    assert.equal(one(manifests, 'Deployment').spec.template.spec.terminationGracePeriodSeconds, 135);
  });

  it('defaultCertificate: an existing Secret, or one the chart creates, becomes --default-ssl-certificate', () => {
    const existing = render({ set: ['defaultCertificate.secret=certs/wildcard'] });
    assert.equal(flagValue(checkInstall(existing), 'default-ssl-certificate'), 'certs/wildcard');
    const created = render({
      set: [
        'defaultCertificate.create.enabled=true',
        'defaultCertificate.create.cert=CERT',
        'defaultCertificate.create.key=KEY',
      ],
    });
    const secret = one(created, 'Secret');
    assert.equal(secret.type, 'kubernetes.io/tls');
    assert.equal(Buffer.from(secret.data['tls.crt'], 'base64').toString(), 'CERT');
    assert.equal(
      flagValue(checkInstall(created), 'default-ssl-certificate'),
      `ingress/${secret.metadata.name}`,
    );
    assert.throws(
      () => render({ set: ['defaultCertificate.create.enabled=true'] }),
      /needs both cert and key/,
    );
  });

  it('config values become ConfigMap strings under ingress-nginx key names', () => {
    const manifests = render({
      set: ['config.hsts-max-age=600', 'config.use-http2=false', 'config.ssl-protocols=TLSv1.3'],
    });
    assert.deepEqual(one(manifests, 'ConfigMap').data, {
      'hsts-max-age': '600',
      'ssl-protocols': 'TLSv1.3',
      'use-http2': 'false',
    });
  });

  it('the ServiceMonitor scrapes /metrics through the metrics Service only', () => {
    const manifests = render({ set: ['metrics.serviceMonitor.enabled=true'] });
    checkInstall(manifests);
    const monitor = one(manifests, 'ServiceMonitor');
    const selected = ofKind(manifests, 'Service').filter((s) =>
      Object.entries(monitor.spec.selector.matchLabels).every(([k, v]) => s.metadata.labels[k] === v),
    );
    assert.equal(selected.length, 1, 'exactly one Service selected');
    const port = selected[0].spec.ports.find((p: Manifest) => p.name === monitor.spec.endpoints[0].port);
    assert.equal(port?.port, 10254);
    assert.equal(monitor.spec.endpoints[0].path, '/metrics');
  });

  it('is off by default: no ServiceMonitor needs prometheus-operator CRDs', () => {
    assert.equal(ofKind(render(), 'ServiceMonitor').length, 0);
  });
});
