/**
 * The C splicer (native/splice.c, docs/adr/0006-native-passthrough-splicer.md): after the
 * ClientHello has chosen a backend, the client's socket moves to C, which connects and relays
 * on Node's own event loop with no JavaScript per read, as nginx's stream proxy does. The
 * JavaScript relay (splice.ts) stays for machines where the addon was not built and for
 * backends named by host name (the C side takes IP literals only and resolves nothing).
 *
 * It can also take a passthrough port's accepting over (listen(), docs/adr/0010): C accepts,
 * parses the ClientHello and splices connections for the hosts it was given, and hands every
 * other connection back as a descriptor with the bytes it read.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isIP, type Server as NetServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { getSystemErrorName } from 'node:util';
import { waitFor } from './deadlines.ts';
import {
  DEFAULT_CONNECT_TIMEOUT_MS,
  type SpliceFailureReason,
  type SpliceHooks,
  type SpliceOptions,
  type SpliceResult,
  type SpliceTarget,
} from './splice.ts';

/** native/build.mjs writes it here (the package's install script). */
export const ADDON_PATH = join(import.meta.dirname, '..', '..', 'native', 'build', 'splice.node');

/** Called once per connection; the address only after a failure. */
type OnClose = (
  token: number,
  bytesIn: number,
  bytesOut: number,
  reason: number,
  errno: number,
  remoteAddress?: string,
  remotePort?: number,
) => void;

interface Addon {
  start(onClose: OnClose): void;
  splice(
    fd: number,
    initial: Buffer,
    host: string,
    port: number,
    connectTimeoutMs: number,
    group: number,
    token: number,
  ): number;
  abortGroup(group: number): number;
  listen(
    fd: number,
    group: number,
    handoffMs: number,
    connectTimeoutMs: number,
    maxHandshakeBytes: number,
    maxPeekBytes: number,
    onHandoff: (fd: number, bytes: Buffer) => void,
    onFailure: OnFailure,
  ): ListenerHandle;
  unlisten(handle: ListenerHandle): void;
  setRoutes(handle: ListenerHandle, hosts: string[], addresses: string[], ports: number[]): number;
  takeCounts(handle: ListenerHandle): (string | number)[];
  open(handle: ListenerHandle): number;
}

declare const listenerHandle: unique symbol;
type ListenerHandle = { readonly [listenerHandle]: true };

/** A connection C accepted and spliced failed; called once, after both sockets closed. */
type OnFailure = (
  serverName: string | null,
  bytesIn: number,
  bytesOut: number,
  reason: number,
  errno: number,
  remoteAddress: string,
  remotePort: number,
  targetHost: string,
  targetPort: number,
) => void;

/** splice.c's reason numbers. */
const REASONS: readonly (SpliceFailureReason | null)[] = [
  null,
  'connect-timeout',
  'connect-failed',
  'client-error',
  'target-error',
  'aborted',
];

export interface NativeSplicer {
  /**
   * Takes `client` over as splice() does (hooks.onClose gets the same result) and returns true,
   * or returns false, leaving the socket alone, when this connection needs the JavaScript relay.
   * The caller must have removed its own listeners: the socket is destroyed here, its duplicate
   * descriptor lives on in C.
   */
  splice(
    client: Socket,
    target: SpliceTarget,
    buffered: Buffer,
    hooks: SpliceHooks,
    options?: SpliceOptions,
  ): boolean;
  /**
   * Moves accepting on `server` (listening already) into C and closes the server's own handle.
   * Returns null, leaving the server alone, when it has no descriptor to take.
   */
  listen(server: NetServer, options: NativeListenOptions): NativeListener | null;
  /** This splicer's open connections, those its listeners accepted included. */
  readonly open: number;
  /**
   * Shutdown: waits up to timeoutMs for this splicer's connections to end, then cuts the rest
   * (each reports reason 'aborted'). Resolves with how many were cut.
   */
  drain(timeoutMs: number): Promise<number>;
}

export interface NativeListenOptions {
  /** How long C waits for a whole ClientHello before handing the connection over. */
  readonly handoffMs: number;
  readonly connectTimeoutMs: number;
  /** The JavaScript peek's limits (peek.ts), which C keeps to (or stays under). */
  readonly maxHandshakeBytes: number;
  readonly maxPeekBytes: number;
  /**
   * A connection C did not splice, with the bytes read from it. The descriptor is the
   * callee's from here on; the callback must not throw.
   */
  readonly onHandoff: (fd: number, bytes: Buffer) => void;
  /** A connection C spliced failed (reported as hooks.onClose reports the relays' failures). */
  readonly onFailure: (serverName: string | null, target: SpliceTarget, result: SpliceResult) => void;
}

/** A passthrough host for C: the routing table's key (exact or `*.`) and its backend. */
export type NativeRoute = readonly [host: string, address: string, port: number];

/** What connections C spliced and closed cleanly added up to since the last call. */
export interface NativeCounts {
  readonly bytesIn: number;
  readonly bytesOut: number;
  /** Connections per host (routing-table key). */
  readonly connections: readonly (readonly [host: string, count: number])[];
}

export interface NativeListener {
  /** Replaces the hosts C splices for; returns how many it can dial (IP-literal backends). */
  setRoutes(routes: Iterable<NativeRoute>): number;
  takeCounts(): NativeCounts;
  /** Stops accepting (closes the port); open connections go on. */
  close(): void;
}

export type NativeSplicerLoad =
  | { readonly splicer: NativeSplicer; readonly reason: null }
  | { readonly splicer: null; readonly reason: string };

/** Loaded addons by path (one in production; tests also load broken ones). */
const addons = new Map<string, Addon>();
interface Group {
  readonly id: number;
  open: number;
  readonly listeners: Set<ListenerHandle>;
}

interface Pending {
  readonly group: Group;
  readonly hooks: SpliceHooks;
  readonly target: SpliceTarget;
  readonly timeoutMs: number;
}

const pending = new Map<number, Pending>();
let nextToken = 1;
let nextGroup = 1;

function loadAddon(path: string): Addon {
  const cached = addons.get(path);
  if (cached !== undefined) return cached;
  const loaded = createRequire(import.meta.url)(path) as Addon;
  loaded.start(onNativeClose);
  addons.set(path, loaded);
  return loaded;
}

/** A new splicer on the addon, or null and why (not built, wrong platform, failed to load). */
export function loadNativeSplicer(path = ADDON_PATH): NativeSplicerLoad {
  if (!existsSync(path)) {
    return { splicer: null, reason: `${path} is missing (built by native/build.mjs at install)` };
  }
  try {
    return { splicer: createSplicer(loadAddon(path), nextGroup++), reason: null };
  } catch (error) {
    return { splicer: null, reason: `${path} did not load: ${(error as Error).message.split('\n')[0]}` };
  }
}

function createSplicer(native: Addon, id: number): NativeSplicer {
  const group: Group = { id, open: 0, listeners: new Set() };
  const open = (): number => {
    let total = group.open;
    for (const handle of group.listeners) total += native.open(handle);
    return total;
  };
  return {
    splice(client, target, buffered, hooks, options = {}) {
      const fd = descriptorOf(client);
      if (fd === null || isIP(target.host) === 0) return false;
      const timeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
      const token = nextToken++;
      const rc = native.splice(fd, buffered, target.host, target.port, timeoutMs, id, token);
      if (rc !== 0) {
        // Not taken over (no descriptor, no socket, or a refusal the kernel gave at once): the
        // client is closed here and the failure reported as the relay would report it.
        const peer = {
          remoteAddress: client.remoteAddress ?? 'unknown',
          remotePort: client.remotePort ?? null,
        };
        client.destroy();
        const message = `${where(target)}: ${errnoName(-rc)}`;
        queueMicrotask(() =>
          hooks.onClose?.({
            bytesIn: buffered.length,
            bytesOut: 0,
            error: { reason: 'connect-failed', message },
            peer,
          }),
        );
        return true;
      }
      pending.set(token, { group, hooks, target, timeoutMs });
      group.open++;
      client.destroy();
      return true;
    },
    listen(server, options) {
      const fd = descriptorOf(server);
      if (fd === null) return null;
      const { connectTimeoutMs } = options;
      const handle = native.listen(
        fd,
        id,
        options.handoffMs,
        connectTimeoutMs,
        options.maxHandshakeBytes,
        options.maxPeekBytes,
        options.onHandoff,
        (serverName, bytesIn, bytesOut, reasonCode, errno, remoteAddress, remotePort, host, port) => {
          const target = { host, port };
          const context = { target, timeoutMs: connectTimeoutMs };
          options.onFailure(
            serverName,
            target,
            resultOf(bytesIn, bytesOut, reasonCode, errno, remoteAddress, remotePort, context),
          );
        },
      );
      group.listeners.add(handle);
      // C accepts on its own duplicate of the descriptor now; node's copy must stop accepting.
      server.close();
      let listening = true;
      return {
        setRoutes(routes) {
          const hosts: string[] = [];
          const addresses: string[] = [];
          const ports: number[] = [];
          for (const [host, address, port] of routes) {
            hosts.push(host);
            addresses.push(address);
            ports.push(port);
          }
          return native.setRoutes(handle, hosts, addresses, ports);
        },
        takeCounts() {
          const flat = native.takeCounts(handle);
          // A host that left the table and came back has two tallies in C.
          const connections = new Map<string, number>();
          for (let i = 2; i + 1 < flat.length; i += 2) {
            const host = flat[i] as string;
            connections.set(host, (connections.get(host) ?? 0) + (flat[i + 1] as number));
          }
          return { bytesIn: flat[0] as number, bytesOut: flat[1] as number, connections: [...connections] };
        },
        close() {
          if (listening) native.unlisten(handle);
          listening = false;
        },
      };
    },
    get open() {
      return open();
    },
    async drain(timeoutMs) {
      await waitFor(() => open() === 0, timeoutMs);
      return open() > 0 ? native.abortGroup(id) : 0;
    },
  };
}

/** The descriptor of a socket or a listening server (libuv's TCP handle exposes it on Linux). */
function descriptorOf(socket: Socket | NetServer): number | null {
  const fd = (socket as unknown as { _handle?: { fd?: unknown } | null })._handle?.fd;
  return typeof fd === 'number' && fd >= 0 ? fd : null;
}

function onNativeClose(
  token: number,
  bytesIn: number,
  bytesOut: number,
  reasonCode: number,
  errno: number,
  remoteAddress = '',
  remotePort = -1,
): void {
  const entry = pending.get(token);
  if (entry === undefined) return;
  pending.delete(token);
  entry.group.open--;
  entry.hooks.onClose?.(resultOf(bytesIn, bytesOut, reasonCode, errno, remoteAddress, remotePort, entry));
}

/** splice.c's report as a SpliceResult: the client's address comes only with a failure. */
function resultOf(
  bytesIn: number,
  bytesOut: number,
  reasonCode: number,
  errno: number,
  remoteAddress: string,
  remotePort: number,
  context: Pick<Pending, 'target' | 'timeoutMs'>,
): SpliceResult {
  const reason = REASONS[reasonCode] ?? null;
  if (reason === null) return { bytesIn, bytesOut, error: null };
  return {
    bytesIn,
    bytesOut,
    error: { reason, message: failureMessage(reason, errno, context) },
    peer: { remoteAddress: remoteAddress || 'unknown', remotePort: remotePort >= 0 ? remotePort : null },
  };
}

function failureMessage(
  reason: SpliceFailureReason,
  errno: number,
  { target, timeoutMs }: Pick<Pending, 'target' | 'timeoutMs'>,
): string {
  switch (reason) {
    case 'connect-timeout':
      return `no connection to ${where(target)} after ${timeoutMs} ms`;
    case 'connect-failed':
    case 'target-error':
      return `${where(target)}: ${errnoName(errno)}`;
    case 'client-error':
      return `client: ${errnoName(errno)}`;
    case 'aborted':
      return 'cut at shutdown';
  }
}

function where(target: SpliceTarget): string {
  return `${target.host}:${target.port}`;
}

function errnoName(errno: number): string {
  if (errno <= 0) return 'unknown error';
  try {
    return getSystemErrorName(-errno);
  } catch {
    return `errno ${errno}`;
  }
}
