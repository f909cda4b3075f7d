/**
 * What every rendering of the Deployment must satisfy, whichever tool made it (Helm or
 * kustomize): current API versions, args the real binary accepts, probes on the healthz port,
 * a non-root read-only container, shutdown time for the drain, names that point at each other,
 * and RBAC equal to the controller's calls. Each check throws an AssertionError naming the field.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { clusterCalls, grantKeys, grants, namespaceCalls } from './deploy-rbac.ts';
import {
  containerFlags,
  controllerContainer,
  flagValue,
  type Manifest,
  ofKind,
  one,
} from './deploy-render.ts';
import { cliEntry } from './paths.ts';

/** Kinds the deploy/ manifests may contain, at their current (GA) API version. */
export const currentApiVersions: Readonly<Record<string, string>> = {
  Namespace: 'v1',
  ServiceAccount: 'v1',
  ConfigMap: 'v1',
  Secret: 'v1',
  Service: 'v1',
  Deployment: 'apps/v1',
  IngressClass: 'networking.k8s.io/v1',
  ClusterRole: 'rbac.authorization.k8s.io/v1',
  ClusterRoleBinding: 'rbac.authorization.k8s.io/v1',
  Role: 'rbac.authorization.k8s.io/v1',
  RoleBinding: 'rbac.authorization.k8s.io/v1',
  PodDisruptionBudget: 'policy/v1',
  HorizontalPodAutoscaler: 'autoscaling/v2',
  ServiceMonitor: 'monitoring.coreos.com/v1',
};
const clusterScoped = new Set(['Namespace', 'IngressClass', 'ClusterRole', 'ClusterRoleBinding']);

export function checkApiVersions(manifests: readonly Manifest[]): void {
  for (const m of manifests) {
    assert.equal(m.apiVersion, currentApiVersions[m.kind], `${m.kind} ${m.metadata?.name}: apiVersion`);
    assert.match(m.metadata.name, /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, `${m.kind}: metadata.name`);
    if (clusterScoped.has(m.kind))
      assert.equal(m.metadata.namespace, undefined, `${m.kind} is cluster-scoped`);
    else assert.ok(m.metadata.namespace, `${m.kind} ${m.metadata.name}: metadata.namespace`);
  }
  const names = manifests.map((m) => `${m.kind}/${m.metadata.namespace ?? ''}/${m.metadata.name}`);
  assert.deepEqual(names, [...new Set(names)], 'no object rendered twice');
}

/** Flag names from the real binary's --help, the surface it documents. */
export function helpFlags(): Set<string> {
  const help = spawnSync(process.execPath, [cliEntry, '--help'], { encoding: 'utf8' });
  assert.equal(help.status, 0, help.stderr);
  return new Set([...help.stdout.matchAll(/^ {2}--([a-z][a-z0-9-]*)/gm)].map((m) => m[1] as string));
}

/** The args (after the kubelet's $(VAR) expansion) are flags the binary documents and accepts. */
export function checkArgs(manifests: readonly Manifest[]): string[] {
  const deployment = one(manifests, 'Deployment');
  const args = containerFlags(controllerContainer(manifests), {
    'metadata.namespace': deployment.metadata.namespace,
    'metadata.name': `${deployment.metadata.name}-7d9f8c6b5-x2x4z`,
  });
  const known = helpFlags();
  for (const arg of args) {
    const name = /^--([a-z0-9-]+)(=|$)/.exec(arg)?.[1];
    assert.ok(
      name !== undefined && known.has(name),
      `container arg ${arg} is not a flag of portcullis --help`,
    );
    assert.doesNotMatch(arg, /\$\(/, `${arg}: $(VAR) names no env var of the container`);
  }
  // The real parser validates values (ports, NS/NAME, class names) before --help prints.
  const parsed = spawnSync(process.execPath, [cliEntry, ...args, '--help'], { encoding: 'utf8' });
  assert.equal(parsed.status, 0, `portcullis rejects the container args: ${parsed.stderr}`);
  return args;
}

function portNumber(container: Manifest, port: string | number): number {
  if (typeof port === 'number') return port;
  const found = (container.ports as Manifest[]).find((p) => p.name === port);
  assert.ok(found, `container port "${port}" is not declared`);
  return found.containerPort;
}

export function checkProbes(manifests: readonly Manifest[], args: readonly string[]): void {
  const container = controllerContainer(manifests);
  const healthz = Number(flagValue(args, 'healthz-port') ?? 10254);
  const expected = { readinessProbe: '/readyz', livenessProbe: '/healthz', startupProbe: '/healthz' };
  for (const [probe, path] of Object.entries(expected)) {
    const get = container[probe]?.httpGet;
    assert.ok(get, `${probe}.httpGet`);
    assert.equal(get.path, path, `${probe} path`);
    assert.equal(portNumber(container, get.port), healthz, `${probe} port is --healthz-port`);
  }
}

export function checkSecurity(manifests: readonly Manifest[], args: readonly string[]): void {
  const pod = one(manifests, 'Deployment').spec.template.spec;
  const container = controllerContainer(manifests);
  assert.equal(pod.securityContext?.runAsNonRoot, true, 'pod runAsNonRoot');
  assert.ok([65532, 10001].includes(pod.securityContext?.runAsUser), 'pod runAsUser 65532 or 10001');
  assert.equal(pod.securityContext?.seccompProfile?.type, 'RuntimeDefault', 'seccompProfile');
  const sc = container.securityContext;
  assert.equal(sc?.readOnlyRootFilesystem, true, 'readOnlyRootFilesystem');
  assert.equal(sc?.allowPrivilegeEscalation, false, 'allowPrivilegeEscalation');
  assert.deepEqual(sc?.capabilities?.drop, ['ALL'], 'capabilities.drop');
  const added: string[] = sc?.capabilities?.add ?? [];
  assert.ok(
    added.every((c) => c === 'NET_BIND_SERVICE'),
    `only NET_BIND_SERVICE may be added, got ${added}`,
  );
  for (const flag of ['http-port', 'https-port', 'healthz-port']) {
    const port = Number(flagValue(args, flag));
    assert.ok(port >= 1024 || added.includes('NET_BIND_SERVICE'), `--${flag}=${port} needs NET_BIND_SERVICE`);
  }
  const writable = (container.volumeMounts ?? []).map((v: Manifest) => v.mountPath);
  assert.ok(
    writable.every((p: string) => p === '/tmp'),
    `writable mounts outside /tmp: ${writable}`,
  );
}

/** LoadBalancer 80/443 onto the ports the process listens on. */
export function checkService(manifests: readonly Manifest[], args: readonly string[]): Manifest {
  const container = controllerContainer(manifests);
  const services = ofKind(manifests, 'Service').filter((s) => s.spec.type === 'LoadBalancer');
  assert.equal(services.length, 1, 'one LoadBalancer Service');
  const service = services[0];
  const byPort = new Map<number, Manifest>((service.spec.ports as Manifest[]).map((p) => [p.port, p]));
  for (const [port, flag] of [
    [80, 'http-port'],
    [443, 'https-port'],
  ] as const) {
    const entry = byPort.get(port);
    assert.ok(entry, `Service port ${port}`);
    assert.equal(
      portNumber(container, entry.targetPort),
      Number(flagValue(args, flag)),
      `${port} -> --${flag}`,
    );
  }
  return service;
}

export function checkShutdown(manifests: readonly Manifest[]): void {
  const pod = one(manifests, 'Deployment').spec.template.spec;
  const container = controllerContainer(manifests);
  const env = new Map((container.env as Manifest[]).map((e) => [e.name, e]));
  assert.equal(env.get('POD_NAME')?.valueFrom?.fieldRef?.fieldPath, 'metadata.name', 'POD_NAME');
  assert.equal(
    env.get('POD_NAMESPACE')?.valueFrom?.fieldRef?.fieldPath,
    'metadata.namespace',
    'POD_NAMESPACE',
  );
  // serve.ts: 30 s unless PORTCULLIS_DRAIN_TIMEOUT_MS says otherwise.
  const drain = Number(env.get('PORTCULLIS_DRAIN_TIMEOUT_MS')?.value ?? 30_000) / 1000;
  const preStop = Number(container.lifecycle?.preStop?.sleep?.seconds ?? 0);
  const grace = Number(pod.terminationGracePeriodSeconds ?? 30);
  assert.ok(
    grace >= preStop + drain + 5,
    `terminationGracePeriodSeconds ${grace} < ${preStop} + ${drain} + margin`,
  );
}

function matches(
  selector: Readonly<Record<string, string>>,
  labels: Readonly<Record<string, string>>,
): boolean {
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

/** Names and selectors that must point at each other. */
export function checkWiring(manifests: readonly Manifest[], args: readonly string[]): void {
  const deployment = one(manifests, 'Deployment');
  const ns = deployment.metadata.namespace;
  const podLabels = deployment.spec.template.metadata.labels;
  assert.ok(matches(deployment.spec.selector.matchLabels, podLabels), 'Deployment selector');
  for (const c of deployment.spec.template.spec.topologySpreadConstraints ?? []) {
    assert.ok(matches(c.labelSelector.matchLabels, podLabels), `topology spread on ${c.topologyKey}`);
  }
  for (const pdb of ofKind(manifests, 'PodDisruptionBudget')) {
    assert.ok(matches(pdb.spec.selector.matchLabels, podLabels), 'PodDisruptionBudget selector');
  }
  for (const service of ofKind(manifests, 'Service')) {
    assert.ok(matches(service.spec.selector, podLabels), `Service ${service.metadata.name} selector`);
  }
  const lb = checkService(manifests, args);
  assert.equal(flagValue(args, 'publish-service'), `${ns}/${lb.metadata.name}`, '--publish-service');
  const configMap = one(manifests, 'ConfigMap');
  assert.equal(flagValue(args, 'configmap'), `${ns}/${configMap.metadata.name}`, '--configmap');
  for (const ingressClass of ofKind(manifests, 'IngressClass')) {
    assert.equal(flagValue(args, 'ingress-class'), ingressClass.metadata.name, '--ingress-class');
    assert.equal(flagValue(args, 'controller-class'), ingressClass.spec.controller, '--controller-class');
  }
  const sa = one(manifests, 'ServiceAccount', deployment.spec.template.spec.serviceAccountName);
  for (const kind of ['ClusterRoleBinding', 'RoleBinding']) {
    const binding = one(manifests, kind);
    const role = one(manifests, binding.roleRef.kind, binding.roleRef.name);
    assert.equal(role.kind, kind.replace('Binding', ''), `${kind} roleRef`);
    assert.deepEqual(
      binding.subjects,
      [{ kind: 'ServiceAccount', name: sa.metadata.name, namespace: ns }],
      `${kind} subjects`,
    );
  }
}

/** ClusterRole and Role grant exactly the controller's calls; the Lease is the --election-id. */
export function checkRbac(manifests: readonly Manifest[], args: readonly string[]): void {
  const clusterRole = one(manifests, 'ClusterRole');
  const role = one(manifests, 'Role');
  assert.deepEqual(grantKeys(clusterRole), clusterCalls, 'ClusterRole grants');
  assert.deepEqual(grantKeys(role), namespaceCalls, 'Role grants');
  assert.equal(role.metadata.namespace, one(manifests, 'Deployment').metadata.namespace, 'Role namespace');
  const lease = flagValue(args, 'election-id');
  for (const g of grants(role)) {
    if (g.key.endsWith(':create')) continue; // RBAC cannot restrict create by name.
    assert.deepEqual(g.resourceNames, [lease], `${g.key} is limited to the --election-id Lease`);
  }
}

/** Every check, for a complete install. */
export function checkInstall(manifests: readonly Manifest[]): string[] {
  checkApiVersions(manifests);
  const args = checkArgs(manifests);
  checkProbes(manifests, args);
  checkSecurity(manifests, args);
  checkShutdown(manifests);
  checkWiring(manifests, args);
  checkRbac(manifests, args);
  return args;
}
