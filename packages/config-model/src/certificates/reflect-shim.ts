/**
 * @peculiar/x509 v2 registers its algorithms with tsyringe, which throws at load time unless a
 * Reflect metadata polyfill (reflect-metadata, core-js, @abraham/reflection) is installed
 * first. tsyringe only uses getMetadata, getOwnMetadata and defineMetadata, so instead of a
 * dependency we install those three, backed by a WeakMap, when nothing else has.
 * Import this module before `@peculiar/x509` in every module that imports the library: ES
 * modules evaluate their imports in order, so the shim is in place when tsyringe loads.
 */

type MetadataStore = Map<unknown, unknown>;

interface ReflectMetadata {
  getMetadata?: (key: unknown, target: object) => unknown;
  getOwnMetadata?: (key: unknown, target: object) => unknown;
  defineMetadata?: (key: unknown, value: unknown, target: object) => void;
}

const reflect = Reflect as typeof Reflect & ReflectMetadata;

if (typeof reflect.getMetadata !== 'function') {
  const stores = new WeakMap<object, MetadataStore>();

  const own = (key: unknown, target: object): unknown => stores.get(target)?.get(key);

  reflect.getOwnMetadata = own;
  // Like reflect-metadata: walk the prototype chain, so subclasses see their parents' metadata.
  reflect.getMetadata = (key: unknown, target: object): unknown => {
    for (let t: object | null = target; t !== null; t = Object.getPrototypeOf(t)) {
      const value = own(key, t);
      if (value !== undefined) return value;
    }
    return undefined;
  };
  reflect.defineMetadata = (key: unknown, value: unknown, target: object): void => {
    let store = stores.get(target);
    if (store === undefined) {
      store = new Map();
      stores.set(target, store);
    }
    store.set(key, value);
  };
}
