/**
 * Which Ingresses are ours. Order of precedence (ingress-nginx's, as in the issue):
 * spec.ingressClassName naming an IngressClass whose spec.controller is our controller class;
 * else the legacy kubernetes.io/ingress.class annotation equal to --ingress-class; else, for an
 * Ingress with no class at all, only with --watch-ingress-without-class or when one of our
 * IngressClasses carries ingressclass.kubernetes.io/is-default-class=true.
 */
import { type Diagnostic, diagnostic, objectRef } from '../diagnostics.ts';
import type { Ingress, IngressClass } from '../objects/schemas.ts';
import type { BuildOptions } from '../options.ts';

const legacyClassAnnotation = 'kubernetes.io/ingress.class';
const defaultClassAnnotation = 'ingressclass.kubernetes.io/is-default-class';

export interface ClassFilter {
  accepts(ingress: Ingress, out: Diagnostic[]): boolean;
}

export function classFilter(classes: readonly IngressClass[], options: BuildOptions): ClassFilter {
  const known = new Map(classes.map((c) => [c.metadata.name, c]));
  const ours = new Set(
    classes.filter((c) => c.spec.controller === options.controllerClass).map((c) => c.metadata.name),
  );
  const weAreDefault = classes.some(
    (c) => ours.has(c.metadata.name) && c.metadata.annotations?.[defaultClassAnnotation] === 'true',
  );

  return {
    accepts(ingress, out) {
      const className = ingress.spec.ingressClassName;
      if (className !== undefined) {
        if (ours.has(className)) return true;
        // Standalone manifests often omit the IngressClass object: the class named by
        // --ingress-class is ours unless an IngressClass of that name says otherwise.
        if (!known.has(className) && className === options.ingressClass) return true;
        if (!known.has(className)) {
          out.push(
            diagnostic(
              'IngressClassNotFound',
              objectRef(
                'Ingress',
                ingress.metadata.namespace,
                ingress.metadata.name,
                'spec.ingressClassName',
              ),
              `IngressClass "${className}" does not exist; the Ingress is not served by this controller`,
            ),
          );
        }
        return false;
      }
      const legacy = ingress.metadata.annotations?.[legacyClassAnnotation];
      if (legacy !== undefined) return legacy === options.ingressClass;
      return options.watchIngressWithoutClass || weAreDefault;
    },
  };
}
