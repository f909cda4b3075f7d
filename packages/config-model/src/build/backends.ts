/**
 * Ingress backend -> Service -> ready endpoints. The Service port is found by number or name;
 * its targetPort is resolved through the EndpointSlice port of the same name, which is how
 * kube-proxy and ingress-nginx resolve named target ports.
 */
import { type Diagnostic, diagnostic, objectRef } from '../diagnostics.ts';
import type { EndpointSlice, IngressBackend, Service, ServicePort } from '../objects/schemas.ts';
import type { Backend, Endpoint, ServiceBackend } from '../table.ts';
import { type ChangeTracker, type Scope, sameItems, serviceKey } from './tracker.ts';

export const defaultBackend: Backend = Object.freeze({ type: 'default' });
const noSlices: readonly EndpointSlice[] = Object.freeze([]);

interface Memo {
  readonly service: Service | undefined;
  readonly slices: readonly EndpointSlice[];
  readonly backend: ServiceBackend;
  readonly diagnostics: Diagnostic[];
}

/**
 * Lives as long as the builder: a resolved backend is reused (same frozen object) while its
 * Service and EndpointSlice objects are the same, which lets unchanged servers be reused whole.
 * Services and slices come from the ChangeTracker, which indexes them only when they change.
 */
export class BackendResolver {
  readonly #tracker: ChangeTracker;
  /** Service key -> port (number or name, told apart) -> memo. */
  readonly #memo = new Map<string, Map<number | string, Memo>>();

  constructor(tracker: ChangeTracker) {
    this.#tracker = tracker;
  }

  service(namespace: string, name: string): Service | undefined {
    return this.#tracker.services.get(serviceKey(namespace, name));
  }

  /**
   * Resolves one backend of an Ingress. Problems are reported against the Ingress field that
   * names the backend; the route still exists and answers 503 (no endpoints), as in ingress-nginx.
   * The Service is recorded as a dependency of `scope`.
   */
  resolve(
    backend: IngressBackend,
    namespace: string,
    ingressName: string,
    field: string,
    scope: Scope,
  ): Backend {
    const out = scope.diagnostics;
    // Made only for a diagnostic: 10,000 routes mostly have none.
    const where = () => objectRef('Ingress', namespace, ingressName, field);
    if (backend.service === undefined) {
      out.push(
        diagnostic(
          'InvalidObject',
          where(),
          'only Service backends are supported; resource backends are served by the default backend (404)',
        ),
      );
      return defaultBackend;
    }
    const { name, port } = backend.service;
    const portRef: number | string | undefined = port.number ?? port.name;
    if (portRef === undefined) {
      out.push(
        diagnostic('InvalidObject', where(), `backend Service "${name}" names no port (number or name)`),
      );
      return defaultBackend;
    }
    const key = serviceKey(namespace, name);
    scope.deps.push(key);
    const service = this.#tracker.services.get(key);
    const slices = this.#tracker.slices.get(key) ?? noSlices;
    let ports = this.#memo.get(key);
    if (ports === undefined) {
      ports = new Map();
      this.#memo.set(key, ports);
    }
    let memo = ports.get(portRef);
    if (memo === undefined || memo.service !== service || !sameItems(memo.slices, slices)) {
      memo = { service, slices, ...this.#compute(namespace, name, portRef) };
      ports.set(portRef, memo);
    }
    if (memo.diagnostics.length > 0) {
      const at = where();
      for (const d of memo.diagnostics) out.push(diagnostic(d.code, at, d.message));
    }
    return memo.backend;
  }

  /** Bounds the memo: entries of Services that are gone go once they pile up. */
  sweep(): void {
    const { services, slices } = this.#tracker;
    if (this.#memo.size <= 2 * services.size + 1024) return;
    for (const [key, ports] of this.#memo) {
      for (const [port, memo] of ports) if (services.get(key) !== memo.service) ports.delete(port);
      if (ports.size === 0 || !slices.has(key)) this.#memo.delete(key);
    }
  }

  #compute(namespace: string, name: string, portRef: number | string) {
    const diagnostics: Diagnostic[] = [];
    const backend = (endpoints: Endpoint[], externalName = false): ServiceBackend =>
      Object.freeze({
        type: 'service',
        namespace,
        service: name,
        port: portRef,
        endpoints: Object.freeze(endpoints.map((e) => Object.freeze(e))),
        externalName,
      });
    const service = this.service(namespace, name);
    const where = objectRef('Service', namespace, name);
    if (service === undefined) {
      diagnostics.push(
        diagnostic('ServiceNotFound', where, `Service ${namespace}/${name} not found; requests get 503`),
      );
      return { backend: backend([]), diagnostics };
    }
    const servicePort = findPort(service.spec.ports ?? [], portRef);
    if (service.spec.type === 'ExternalName') {
      const host = service.spec.externalName;
      const number = typeof portRef === 'number' ? portRef : servicePort?.port;
      if (host === undefined || number === undefined) {
        diagnostics.push(
          diagnostic(
            'ServicePortNotFound',
            where,
            `ExternalName Service has no externalName or port "${portRef}"`,
          ),
        );
        return { backend: backend([], true), diagnostics };
      }
      const target = typeof servicePort?.targetPort === 'number' ? servicePort.targetPort : number;
      return { backend: backend([{ address: host, port: target }], true), diagnostics };
    }
    if (servicePort === undefined) {
      diagnostics.push(
        diagnostic('ServicePortNotFound', where, `Service has no port "${portRef}"; requests get 503`),
      );
      return { backend: backend([]), diagnostics };
    }
    const endpoints = this.#endpoints(namespace, name, servicePort);
    if (endpoints.length === 0) {
      diagnostics.push(
        diagnostic(
          'NoReadyEndpoints',
          where,
          `Service port "${portRef}" has no ready endpoints; requests get 503`,
        ),
      );
    }
    return { backend: backend(endpoints), diagnostics };
  }

  #endpoints(namespace: string, service: string, servicePort: ServicePort): Endpoint[] {
    const portName = servicePort.name ?? '';
    const seen = new Set<string>();
    const endpoints: Endpoint[] = [];
    for (const slice of this.#tracker.slices.get(serviceKey(namespace, service)) ?? noSlices) {
      const slicePort = (slice.ports ?? []).find((p) => (p.name ?? '') === portName);
      // A slice without ports means "all ports"; fall back to a numeric targetPort then.
      const port =
        slicePort?.port ??
        (typeof servicePort.targetPort === 'number' ? servicePort.targetPort : undefined) ??
        (servicePort.targetPort === undefined ? servicePort.port : undefined);
      if (port === undefined || port === null) continue;
      for (const endpoint of slice.endpoints ?? []) {
        // conditions.ready unset means ready (discovery.k8s.io/v1 EndpointConditions).
        if (endpoint.conditions?.ready === false) continue;
        for (const address of endpoint.addresses) {
          const id = `${address}:${port}`;
          if (seen.has(id)) continue;
          seen.add(id);
          endpoints.push({ address, port });
        }
      }
    }
    return endpoints.sort((a, b) =>
      a.address < b.address ? -1 : a.address > b.address ? 1 : a.port - b.port,
    );
  }
}

function findPort(ports: readonly ServicePort[], ref: number | string): ServicePort | undefined {
  return ports.find((p) => (typeof ref === 'number' ? p.port === ref : p.name === ref));
}
