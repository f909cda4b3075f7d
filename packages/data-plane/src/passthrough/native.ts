/**
 * The C splicer (native/splice.c, docs/adr/0006-native-passthrough-splicer.md): after the
 * ClientHello has chosen a backend, the client's socket moves to C, which connects and relays
 * on Node's own event loop with no JavaScript per read, as nginx's stream proxy does. The
 * JavaScript relay (splice.ts) stays for machines where the addon was not built and for
 * backends named by host name (the C side takes IP literals only and resolves nothing).
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isIP, type Socket } from 'node:net';
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
const ADDON_PATH = join(import.meta.dirname, '..', '..', 'native', 'build', 'splice.node');

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
}

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
  /** This splicer's open connections. */
  readonly open: number;
  /**
   * Shutdown: waits up to timeoutMs for this splicer's connections to end, then cuts the rest
   * (each reports reason 'aborted'). Resolves with how many were cut.
   */
  drain(timeoutMs: number): Promise<number>;
}

export type NativeSplicerLoad =
  | { readonly splicer: NativeSplicer; readonly reason: null }
  | { readonly splicer: null; readonly reason: string };

/** Loaded addons by path (one in production; tests also load broken ones). */
const addons = new Map<string, Addon>();
interface Group {
  readonly id: number;
  open: number;
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
  const group: Group = { id, open: 0 };
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
    get open() {
      return group.open;
    },
    async drain(timeoutMs) {
      await waitFor(() => group.open === 0, timeoutMs);
      return group.open > 0 ? native.abortGroup(id) : 0;
    },
  };
}

/** The socket's descriptor (libuv's TCP handle exposes it on Linux), or null. */
function descriptorOf(socket: Socket): number | null {
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
  const reason = REASONS[reasonCode] ?? null;
  const result: SpliceResult =
    reason === null
      ? { bytesIn, bytesOut, error: null }
      : {
          bytesIn,
          bytesOut,
          error: { reason, message: failureMessage(reason, errno, entry) },
          peer: {
            remoteAddress: remoteAddress || 'unknown',
            remotePort: remotePort >= 0 ? remotePort : null,
          },
        };
  entry.hooks.onClose?.(result);
}

function failureMessage(reason: SpliceFailureReason, errno: number, { target, timeoutMs }: Pending): string {
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
