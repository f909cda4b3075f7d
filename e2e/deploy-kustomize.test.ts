/**
 * The kustomize base (plain YAML) as `kubectl kustomize` renders it, with the same checks as the
 * chart, and the same install: the base must not drift from the chart's defaults.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkInstall } from './support/deploy-checks.ts';
import {
  controllerContainer,
  flagValue,
  helmTemplate,
  kustomize,
  type Manifest,
  ofKind,
  one,
} from './support/deploy-render.ts';
import { kubeTools, skipReason } from './support/deploy-tools.ts';

const tools = kubeTools();
const skip = skipReason(tools);

function render(components: readonly string[] = []): Manifest[] {
  if (typeof tools === 'string') throw new Error(tools);
  return kustomize(tools, components);
}

/** The parts of an install that decide behaviour, without names and bookkeeping labels. */
function essentials(manifests: readonly Manifest[]): unknown {
  const deployment = one(manifests, 'Deployment');
  const pod = deployment.spec.template.spec;
  const { image: _image, ...container } = controllerContainer(manifests);
  return {
    kinds: manifests.map((m) => m.kind).sort(),
    replicas: deployment.spec.replicas,
    strategy: deployment.spec.strategy,
    container,
    pod: {
      securityContext: pod.securityContext,
      terminationGracePeriodSeconds: pod.terminationGracePeriodSeconds,
      topologyKeys: pod.topologySpreadConstraints.map((c: Manifest) => [c.topologyKey, c.whenUnsatisfiable]),
      volumes: pod.volumes,
      nodeSelector: pod.nodeSelector,
    },
    service: { type: one(manifests, 'Service').spec.type, ports: one(manifests, 'Service').spec.ports },
    clusterRole: one(manifests, 'ClusterRole').rules,
    role: one(manifests, 'Role').rules,
    ingressClass: one(manifests, 'IngressClass').spec,
    pdb: one(manifests, 'PodDisruptionBudget').spec.minAvailable,
  };
}

describe('kustomize base deploy/kustomize/base', { skip }, () => {
  it('renders a complete, consistent install', () => {
    const manifests = render();
    const args = checkInstall(manifests);
    assert.equal(one(manifests, 'Namespace').metadata.name, 'portcullis');
    assert.ok(
      manifests.every(
        (m) =>
          m.kind === 'Namespace' ||
          m.kind.startsWith('Cluster') ||
          m.kind === 'IngressClass' ||
          m.metadata.namespace === 'portcullis',
      ),
    );
    assert.equal(flagValue(args, 'publish-service'), 'portcullis/portcullis');
    assert.equal(controllerContainer(manifests).image, 'portcullis:0.1.0');
  });

  it('is the Helm chart with its default values', () => {
    if (typeof tools === 'string') throw new Error(tools);
    const chart = helmTemplate(tools, {
      release: 'portcullis',
      namespace: 'portcullis',
      set: ['namespace.create=true'],
    });
    assert.deepEqual(essentials(render()), essentials(chart));
  });

  it('components/autoscaling adds an HPA and leaves the replica count to it', () => {
    const manifests = render(['autoscaling']);
    checkInstall(manifests);
    assert.equal(one(manifests, 'Deployment').spec.replicas, undefined);
    const hpa = one(manifests, 'HorizontalPodAutoscaler');
    assert.equal(hpa.metadata.namespace, 'portcullis');
    assert.equal(hpa.spec.scaleTargetRef.name, one(manifests, 'Deployment').metadata.name);
    assert.equal(hpa.spec.minReplicas, 2);
  });

  it('components/nginx-class serves ingress-nginx\'s "nginx" class and creates no IngressClass', () => {
    const manifests = render(['nginx-class']);
    assert.equal(ofKind(manifests, 'IngressClass').length, 0);
    const args = checkInstall(manifests);
    assert.equal(flagValue(args, 'ingress-class'), 'nginx');
    assert.equal(flagValue(args, 'controller-class'), 'k8s.io/ingress-nginx');
  });
});
