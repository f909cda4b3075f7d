/**
 * The logger kube-source writes to. Structural, so the controller's Logger fits without
 * kube-source importing the controller (dependencies point the other way).
 */
export type KubeLogFields = Readonly<Record<string, unknown>>;

export interface KubeLog {
  debug(msg: string, fields?: KubeLogFields): void;
  info(msg: string, fields?: KubeLogFields): void;
  warn(msg: string, fields?: KubeLogFields): void;
  error(msg: string, fields?: KubeLogFields): void;
}

/** A namespace/name pair (an object reference in flags and options). */
export interface NamespacedName {
  readonly namespace: string;
  readonly name: string;
}
