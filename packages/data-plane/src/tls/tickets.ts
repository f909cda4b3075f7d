/**
 * The number of TLS 1.3 session tickets sent after a full handshake (native/tickets.c,
 * docs/adr/0007-tls13-ticket-count.md). With ssl-session-tickets off OpenSSL still sends two
 * stateful tickets, which Node can never redeem (sessions.ts), so none are sent; with it on,
 * OpenSSL's default of two stateless tickets. The count lives in OpenSSL's process-wide
 * configuration and is read when a context is created, so call the control before the
 * listener's context is (re)built.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { SessionSettings } from './options.ts';

/** native/build.mjs writes it here (the package's install script). */
const ADDON_PATH = join(import.meta.dirname, '..', '..', 'native', 'build', 'tickets.node');

/** OpenSSL's default (SSL_CTX_set_num_tickets). */
const OPENSSL_DEFAULT_TICKETS = 2;

/** Sets the TLS 1.3 ticket count of contexts created from now on; throws OpenSSL's reason. */
export type Tls13TicketControl = (count: number) => void;

export type Tls13TicketControlLoad =
  | { readonly control: Tls13TicketControl; readonly reason: null }
  | { readonly control: null; readonly reason: string };

/** How many TLS 1.3 tickets a listener with these settings should send. */
export function tls13TicketCount(session: SessionSettings): number {
  return session.tickets ? OPENSSL_DEFAULT_TICKETS : 0;
}

/**
 * The control, or null and why. An operator's own OpenSSL configuration (OPENSSL_CONF,
 * --openssl-config, --openssl-shared-config) is left alone: loading ours would replace its
 * system_default section, so it decides the count instead.
 */
export function loadTls13TicketControl(
  path = ADDON_PATH,
  env: NodeJS.ProcessEnv = process.env,
  execArgv: readonly string[] = process.execArgv,
): Tls13TicketControlLoad {
  const flags = [...execArgv, ...(env.NODE_OPTIONS ?? '').split(/\s+/)];
  const configFlag = flags.find((flag) => /^--openssl-(shared-)?config\b/.test(flag));
  if (env.OPENSSL_CONF !== undefined || configFlag !== undefined) {
    const source = env.OPENSSL_CONF !== undefined ? `OPENSSL_CONF=${env.OPENSSL_CONF}` : configFlag;
    return {
      control: null,
      reason: `an OpenSSL configuration is in effect (${source}); it decides the count`,
    };
  }
  if (!existsSync(path)) {
    return { control: null, reason: `${path} is missing (built by native/build.mjs at install)` };
  }
  try {
    const addon = createRequire(import.meta.url)(path) as { setTls13Tickets?: unknown };
    const set = addon.setTls13Tickets;
    if (typeof set !== 'function') return { control: null, reason: `${path} has no setTls13Tickets()` };
    return { control: (count) => set(count), reason: null };
  } catch (error) {
    return { control: null, reason: `${path} did not load: ${(error as Error).message.split('\n')[0]}` };
  }
}
