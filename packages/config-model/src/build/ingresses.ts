/**
 * The per-Ingress stage of build(): class selection, annotations, acceptance and the Ingress's
 * contribution (contributions.ts), in build order. Each result is memoized per Ingress object;
 * on top of that the last build's steps are kept by position, so when the sorted list is the
 * same but for a few replaced Ingresses, an unchanged position costs an identity check and a
 * dependency check instead of four WeakMap lookups (40,000 of them for 10,000 Ingresses).
 */
import { parseAnnotations } from '../annotations/parse.ts';
import type { IngressAnnotations } from '../annotations/types.ts';
import type { Settings } from '../configmap/types.ts';
import { type Diagnostic, diagnostic, objectRef } from '../diagnostics.ts';
import type { Ingress, IngressClass } from '../objects/schemas.ts';
import type { BuildOptions } from '../options.ts';
import type { AcceptedIngress } from './accepted.ts';
import { classFilter } from './classes.ts';
import type { Contribution, Contributions } from './contributions.ts';
import { hostProblem } from './paths.ts';
import type { ChangeTracker } from './tracker.ts';

/** What one position of the build order produced. */
interface Step {
  readonly ingress: Ingress;
  /** Class, annotation and host diagnostics (the contribution keeps its own). */
  readonly diagnostics: readonly Diagnostic[];
  readonly item: AcceptedIngress | null;
  readonly contribution: Contribution | null;
}

/** Everything a step depends on besides its Ingress and the contribution's dependencies. */
interface Context {
  readonly classes: readonly IngressClass[];
  readonly settings: Settings;
  readonly controllerClass: string;
  readonly ingressClass: string;
  readonly watchIngressWithoutClass: boolean;
}

export interface AcceptedIngresses {
  readonly accepted: AcceptedIngress[];
  readonly contributed: Contribution[];
}

export class IngressStage {
  readonly #tracker: ChangeTracker;
  readonly #contributions: Contributions;
  readonly #annotations = new WeakMap<
    Ingress,
    { settings: Settings; result: ReturnType<typeof parseAnnotations> }
  >();
  readonly #accepted = new WeakMap<
    Ingress,
    { annotations: IngressAnnotations; item: AcceptedIngress; diagnostics: Diagnostic[]; build: number }
  >();
  #builds = 0;
  #last: { ingresses: readonly Ingress[]; context: Context; steps: Step[] } | null = null;

  constructor(tracker: ChangeTracker, contributions: Contributions) {
    this.#tracker = tracker;
    this.#contributions = contributions;
  }

  run(
    ingresses: readonly Ingress[],
    classes: readonly IngressClass[],
    settings: Settings,
    options: BuildOptions,
    out: Diagnostic[],
  ): AcceptedIngresses {
    this.#builds++;
    const context: Context = {
      classes,
      settings,
      controllerClass: options.controllerClass,
      ingressClass: options.ingressClass,
      watchIngressWithoutClass: options.watchIngressWithoutClass,
    };
    const last = this.#reusable(ingresses, context);
    const filter = classFilter(classes, options);
    const steps: Step[] = [];
    const accepted: AcceptedIngress[] = [];
    const contributed: Contribution[] = [];
    for (let i = 0; i < ingresses.length; i++) {
      const ingress = ingresses[i] as Ingress;
      let step = last?.[i];
      if (step?.ingress !== ingress) step = this.#step(ingress, filter.accepts, settings);
      else if (step.contribution !== null && !this.#tracker.unchanged(step.contribution)) {
        step = { ...step, contribution: this.#contributions.of(step.item as AcceptedIngress) };
      }
      steps.push(step);
      for (const d of step.diagnostics) out.push(d);
      if (step.item === null || step.contribution === null) continue;
      for (const d of step.contribution.diagnostics) out.push(d);
      accepted.push(step.item);
      contributed.push(step.contribution);
    }
    this.#last = { ingresses, context, steps };
    return { accepted, contributed };
  }

  /**
   * The last steps when they can be matched by position: same context, same length, and no
   * replaced Ingress that is listed twice (a repeat gets an item of its own, see #acceptedOf,
   * which only a walk in order decides).
   */
  #reusable(ingresses: readonly Ingress[], context: Context): Step[] | undefined {
    const last = this.#last;
    if (last === null || !sameContext(last.context, context)) return undefined;
    if (last.ingresses === ingresses) return last.steps;
    if (last.ingresses.length !== ingresses.length) return undefined;
    for (let i = 0; i < ingresses.length; i++) {
      const ingress = ingresses[i] as Ingress;
      if (ingress === last.ingresses[i]) continue;
      if (ingresses.indexOf(ingress) !== i || ingresses.lastIndexOf(ingress) !== i) return undefined;
    }
    return last.steps;
  }

  #step(
    ingress: Ingress,
    accepts: (ingress: Ingress, out: Diagnostic[]) => boolean,
    settings: Settings,
  ): Step {
    const diagnostics: Diagnostic[] = [];
    const none = { ingress, diagnostics, item: null, contribution: null };
    if (!accepts(ingress, diagnostics)) return none;
    const parsed = this.#annotationsOf(ingress, settings);
    for (const d of parsed.diagnostics) diagnostics.push(d);
    if (parsed.rejected) return none;
    const item = this.#acceptedOf(ingress, parsed.annotations, diagnostics);
    return { ingress, diagnostics, item, contribution: this.#contributions.of(item) };
  }

  #annotationsOf(ingress: Ingress, settings: Settings) {
    const memo = this.#annotations.get(ingress);
    if (memo !== undefined && memo.settings === settings) return memo.result;
    const result = parseAnnotations(ingress.metadata.annotations, ingress.metadata, settings);
    this.#annotations.set(ingress, { settings, result });
    return result;
  }

  /**
   * Same Ingress object and annotations: the same AcceptedIngress, so its contribution is
   * reused. An object listed twice in one snapshot is two Ingresses (the second one's routes
   * are duplicates), so a repeat within a build gets an item of its own.
   */
  #acceptedOf(ingress: Ingress, annotations: IngressAnnotations, out: Diagnostic[]): AcceptedIngress {
    let memo = this.#accepted.get(ingress);
    if (memo?.build === this.#builds) return acceptIngress(ingress, annotations, out);
    if (memo === undefined || memo.annotations !== annotations) {
      const diagnostics: Diagnostic[] = [];
      memo = {
        annotations,
        item: acceptIngress(ingress, annotations, diagnostics),
        diagnostics,
        build: this.#builds,
      };
      this.#accepted.set(ingress, memo);
    }
    memo.build = this.#builds;
    for (const d of memo.diagnostics) out.push(d);
    return memo.item;
  }
}

function sameContext(a: Context, b: Context): boolean {
  return (
    a.classes === b.classes &&
    a.settings === b.settings &&
    a.controllerClass === b.controllerClass &&
    a.ingressClass === b.ingressClass &&
    a.watchIngressWithoutClass === b.watchIngressWithoutClass
  );
}

function acceptIngress(
  ingress: Ingress,
  annotations: IngressAnnotations,
  out: Diagnostic[],
): AcceptedIngress {
  const { namespace, name } = ingress.metadata;
  const hosts = (ingress.spec.rules ?? []).map((rule, i): string | undefined => {
    const host = (rule.host ?? '').toLowerCase();
    if (host === '') return '';
    const problem = hostProblem(host);
    if (problem === null) return host;
    out.push(
      diagnostic(
        'InvalidHost',
        objectRef('Ingress', namespace, name, `spec.rules[${i}].host`),
        `host "${rule.host}": ${problem}; this rule is not served`,
      ),
    );
    return undefined;
  });
  return { ingress, ref: Object.freeze({ namespace, name }), annotations, hosts: hosts as string[] };
}
