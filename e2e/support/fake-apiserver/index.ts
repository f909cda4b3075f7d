/**
 * A fake Kubernetes API server for e2e tests: HTTPS on 127.0.0.1 (port chosen by the OS), a CA
 * generated at start, bearer-token auth, and the real REST + watch protocol for the kinds the
 * controller reads and writes (see resources.ts). Tests drive it through the methods below rather
 * than HTTP; clients (client-node, the controller via --kubeconfig) talk to it over the wire.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { issueCertificate } from '@portcullis/config-model';
import { writeKubeconfig } from './kubeconfig.ts';
import { typeByKind } from './resources.ts';
import { handle, type RecordedRequest } from './router.ts';
import { type KubeObject, Store } from './store.ts';
import { Watches } from './watch.ts';

export type { RecordedRequest } from './router.ts';
export type { KubeObject, ObjectMeta } from './store.ts';

/** What apply() takes: a KubeObject, or a client-node model (V1Ingress, ...) with kind and name set. */
export interface ObjectInput {
  readonly apiVersion?: string | undefined;
  readonly kind?: string | undefined;
  readonly metadata?:
    | { readonly name?: string | undefined; readonly namespace?: string | undefined }
    | undefined;
}

export interface FakeApiServerOptions {
  /** Watch events kept for resuming; older resume points get 410 Gone. Default 1000. */
  readonly maxHistory?: number;
  /** How often BOOKMARK events are sent to watches that allow them. Default 1000 ms. */
  readonly bookmarkIntervalMs?: number;
}

export interface FakeApiServer {
  /** `https://127.0.0.1:PORT`. */
  readonly url: string;
  readonly port: number;
  /** PEM of the CA that signed the serving certificate (SANs 127.0.0.1 and localhost). */
  readonly caPem: string;
  readonly token: string;
  /** A kubeconfig (server, certificate-authority-data, token; namespace default) for --kubeconfig. */
  readonly kubeconfigPath: string;
  /** Every request received, in order, with its response status. */
  readonly requests: readonly RecordedRequest[];
  /** The current global resourceVersion. */
  readonly resourceVersion: string;
  /** Watch streams open now, optionally only those on one kind (`Ingress` or `ingresses`). */
  openWatches(kind?: string): number;
  /** Create or replace, unconditionally; status is stored as given. Returns the stored object. */
  apply<T extends ObjectInput>(object: T): KubeObject;
  /** Delete (emits DELETED); returns the deleted object, or undefined if there was none. */
  remove(kind: string, namespace: string, name: string): KubeObject | undefined;
  get(kind: string, namespace: string, name: string): KubeObject | undefined;
  /** As stored (with kind/apiVersion), sorted by namespace/name; all namespaces when omitted. */
  list(kind: string, namespace?: string): KubeObject[];
  /** Compaction: every resourceVersion handed out so far is too old; the next resume gets 410. */
  expireHistory(): void;
  /** Cut open watches: 'destroy' (default) resets the connection, 'end' ends the body cleanly. */
  dropWatches(how?: 'destroy' | 'end'): number;
  /**
   * Down: 'refuse' (default) stops listening and resets every connection (ECONNREFUSED after);
   * '503' keeps listening, ends watches cleanly and answers everything 503 ServiceUnavailable.
   * Up again: listens on the same port.
   */
  setDown(down: boolean, how?: 'refuse' | '503'): Promise<void>;
  /** Resolves with the predicate's first truthy result, re-checked on every write and request. */
  waitFor<T>(predicate: (api: FakeApiServer) => T | undefined | null | false, timeoutMs?: number): Promise<T>;
  close(): Promise<void>;
}

const DAY_MS = 86_400_000;

async function serverCredentials(): Promise<{ caPem: string; certPem: string; keyPem: string }> {
  const notBefore = new Date(Date.now() - DAY_MS);
  const notAfter = new Date(Date.now() + DAY_MS);
  const ca = await issueCertificate({
    commonName: 'fake-apiserver-ca',
    isCa: true,
    keyType: 'ECDSA-P-256',
    notBefore,
    notAfter,
  });
  const leaf = await issueCertificate({
    commonName: 'kube-apiserver',
    dnsNames: ['localhost', 'kubernetes.default.svc'],
    ipAddresses: ['127.0.0.1'],
    keyType: 'ECDSA-P-256',
    notBefore,
    notAfter,
    issuer: ca,
  });
  return { caPem: ca.certPem, certPem: leaf.certPem, keyPem: leaf.keyPem };
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

export async function startFakeApiServer(options: FakeApiServerOptions = {}): Promise<FakeApiServer> {
  const credentials = await serverCredentials();
  const token = randomBytes(24).toString('base64url');
  const store = new Store(options.maxHistory ?? 1000);
  const watches = new Watches(store, options.bookmarkIntervalMs ?? 1000);
  const requests: RecordedRequest[] = [];
  const waiters = new Set<() => void>();
  const changed = () => {
    for (const check of [...waiters]) check();
  };
  store.listeners.add(changed);
  let unavailable = false;
  let port = 0;
  const server = createServer({ key: credentials.keyPem, cert: credentials.certPem }, (req, res) => {
    void handle(
      {
        store,
        watches,
        token,
        serverAddress: () => `127.0.0.1:${port}`,
        unavailable: () => unavailable,
        requests,
        changed,
      },
      req,
      res,
    );
  });
  port = await listen(server, 0);
  const url = `https://127.0.0.1:${port}`;
  const dir = mkdtempSync(join(tmpdir(), 'fake-apiserver-'));
  const kubeconfigPath = join(dir, 'kubeconfig');
  writeKubeconfig(kubeconfigPath, { server: url, caPem: credentials.caPem, token });

  const stopListening = () =>
    new Promise<void>((resolve) => {
      if (!server.listening) return resolve();
      server.close(() => resolve());
      server.closeAllConnections();
    });

  const api: FakeApiServer = {
    url,
    port,
    caPem: credentials.caPem,
    token,
    kubeconfigPath,
    requests,
    get resourceVersion() {
      return String(store.revision);
    },
    openWatches: (kind) => {
      const resource = kind === undefined ? undefined : typeByKind(kind).resource;
      return [...watches.open].filter((w) => resource === undefined || w.resource === resource).length;
    },
    apply: (object) => {
      if (typeof object.metadata?.name !== 'string')
        throw new Error('fake-apiserver: apply() needs metadata.name');
      return store.apply(typeByKind(object.kind ?? ''), object as unknown as KubeObject);
    },
    remove: (kind, namespace, name) => {
      const type = typeByKind(kind);
      const ns = type.namespaced ? namespace : '';
      return store.get(type, ns, name) === undefined ? undefined : store.delete(type, ns, name);
    },
    get: (kind, namespace, name) => {
      const type = typeByKind(kind);
      return store.get(type, type.namespaced ? namespace : '', name);
    },
    list: (kind, namespace) => store.list(typeByKind(kind), namespace),
    expireHistory: () => store.expire(),
    dropWatches: (how = 'destroy') => watches.drop(how),
    setDown: async (down, how = 'refuse') => {
      if (!down) {
        unavailable = false;
        if (!server.listening) await listen(server, port);
        return;
      }
      if (how === '503') {
        unavailable = true;
        watches.drop('end');
        return;
      }
      watches.drop('destroy');
      await stopListening();
    },
    waitFor: (predicate, timeoutMs = 5000) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const result = predicate(api);
          if (result === undefined || result === null || result === false) return;
          finish();
          resolve(result);
        };
        const poll = setInterval(check, 20);
        const timer = setTimeout(() => {
          finish();
          reject(new Error(`fake-apiserver: waitFor timed out after ${timeoutMs} ms`));
        }, timeoutMs);
        const finish = () => {
          clearInterval(poll);
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      }),
    close: async () => {
      watches.drop('end');
      await stopListening();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return api;
}
