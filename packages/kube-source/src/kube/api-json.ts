/**
 * Turns client-node's model instances back into the API's JSON. Typed list calls deserialize
 * items into classes (V1Secret) with Date timestamps, renamed fields (`_continue`) and no
 * apiVersion/kind, while watch events arrive as plain JSON; build() wants the plain JSON for both,
 * so list items are converted with the models' own attribute maps (name -> baseName).
 */

interface AttributeType {
  readonly name: string;
  readonly baseName: string;
}

type ModelClass = { getAttributeTypeMap?: () => readonly AttributeType[] };

export function toApiJson(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  // toISOString, not JSON: V1MicroTime (a Date subclass) formats itself with microseconds.
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(toApiJson);
  const attributes = (value.constructor as ModelClass | undefined)?.getAttributeTypeMap?.();
  const out: Record<string, unknown> = {};
  if (attributes === undefined) {
    for (const [key, item] of Object.entries(value)) if (item !== undefined) out[key] = toApiJson(item);
    return out;
  }
  const record = value as Record<string, unknown>;
  for (const { name, baseName } of attributes) {
    const item = record[name];
    if (item !== undefined) out[baseName] = toApiJson(item);
  }
  return out;
}

/** A list item as the API would send it alone: with its apiVersion and kind (lists omit them). */
export function listItemJson(item: unknown, apiVersion: string, kind: string): Record<string, unknown> {
  const json = toApiJson(item) as Record<string, unknown>;
  return { ...json, apiVersion, kind };
}

/** Raw objects are shared with build()'s identity memo; freezing makes a stray mutation throw. */
export function deepFreeze<T>(value: T): T {
  if (value === null || typeof value !== 'object' || Object.isFrozen(value)) return value;
  Object.freeze(value);
  for (const item of Object.values(value)) deepFreeze(item);
  return value;
}
