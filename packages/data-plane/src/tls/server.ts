/**
 * The HTTPS listener's TLS side: one http2 secure server (h2 and HTTP/1.1 on the same port),
 * whose per-handshake decisions come from the generation current at that moment, and whose
 * server-level context is replaced only when the server-level settings really changed.
 */
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import {
  createSecureServer,
  type Http2SecureServer,
  type Http2ServerRequest,
  type Http2ServerResponse,
  type ServerHttp2Stream,
} from 'node:http2';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import { putHttp1DirectPath } from '../http/h1-direct.ts';
import { needsCompat, streamExchange } from '../http/h2-stream.ts';
import { requestClientCertificate } from './client-auth.ts';
import type { TlsGeneration } from './contexts.ts';
import { classifyTlsError, type TlsErrorEvent } from './errors.ts';
import { SessionCache } from './sessions.ts';
import { type Tls13TicketControl, tls13TicketCount } from './tickets.ts';

export interface HttpsServerOptions {
  readonly current: () => TlsGeneration;
  readonly onRequest: (
    req: IncomingMessage | Http2ServerRequest,
    res: ServerResponse | Http2ServerResponse,
  ) => void;
  readonly onUpgrade?: (req: IncomingMessage, socket: Duplex, head: Buffer) => void;
  /** Every failed handshake, classified (portcullis_tls_handshakes{result}). */
  readonly onTlsError?: (event: TlsErrorEvent) => void;
  /**
   * Sets how many TLS 1.3 tickets contexts created next will send (tickets.ts); called with
   * tls13TicketCount() before the listener's context is built or replaced. Absent: OpenSSL's
   * default of two. It must not throw.
   */
  readonly tls13Tickets?: Tls13TicketControl | undefined;
}

interface ServerState {
  key: string;
  readonly tls13Tickets: Tls13TicketControl | undefined;
  readonly sessions: SessionCache;
  /** Attaches/detaches the 'newSession' / 'resumeSession' listeners. */
  readonly wireSessions: (on: boolean) => void;
}

const states = new WeakMap<Http2SecureServer, ServerState>();

export function createHttpsServer(opts: HttpsServerOptions): Http2SecureServer {
  const first = opts.current();
  const sessions = new SessionCache();
  opts.tls13Tickets?.(tls13TicketCount(first.session));
  const server = createSecureServer({
    ...first.serverOptions,
    allowHTTP1: true,
    // A regular function: Node calls it with the TLSSocket as `this` (see client-auth.ts).
    SNICallback(this: unknown, serverName, callback) {
      const gen = opts.current();
      const context = gen.contextFor(serverName);
      if (context === null) {
        // Keep the listener's context: with ssl-reject-handshake it has no certificate, so
        // OpenSSL ends the handshake with a handshake_failure alert instead of a bare reset.
        markRejected(this);
        callback(null);
        return;
      }
      const auth = gen.clientAuthFor(serverName);
      if (auth !== null && auth.verifyClient !== 'off') requestClientCertificate(this, auth);
      callback(null, context);
    },
    ALPNCallback: ({ protocols }) => opts.current().alpn(protocols),
  });
  const wireSessions = sessionCacheWiring(server, sessions, opts.current);
  wireSessions(first.session.cache);
  states.set(server, { key: first.serverKey, tls13Tickets: opts.tls13Tickets, sessions, wireSessions });
  wireRequests(server, opts.onRequest);
  // HTTP/1.1 connections start on the direct path, which emits its requests as 'request' too
  // and hands a connection to node:http at the first request it does not take; HTTP/2 goes to
  // node's session.
  putHttp1DirectPath(
    server as unknown as Parameters<typeof putHttp1DirectPath>[0],
    'secureConnection',
    (socket) => (socket as TLSSocket).alpnProtocol !== 'h2',
  );
  if (opts.onUpgrade !== undefined) server.on('upgrade', opts.onUpgrade);
  server.on('tlsClientError', (error: Error, socket: TLSSocket) => {
    opts.onTlsError?.(classifyTlsError(error, socket, wasRejected(socket)));
  });
  return server;
}

type StreamListener = (
  stream: ServerHttp2Stream,
  headers: IncomingHttpHeaders,
  flags: number,
  rawHeaders: string[],
) => void;

/**
 * HTTP/1.1 requests arrive as 'request' (node:http objects). HTTP/2 streams skip node's compat
 * layer (http/h2-stream.ts: about a tenth of an h2 request's CPU): adding the 'request' listener
 * makes node attach its compat 'stream' listener, which is taken off again and kept only for
 * CONNECT and Expect, the requests the direct path leaves to it.
 */
function wireRequests(server: Http2SecureServer, onRequest: HttpsServerOptions['onRequest']): void {
  server.on('request', onRequest);
  const compat = server.listeners('stream') as StreamListener[];
  server.removeAllListeners('stream');
  server.on(
    'stream',
    (stream: ServerHttp2Stream, headers: IncomingHttpHeaders, flags: number, raw: string[]) => {
      if (needsCompat(headers)) {
        for (const listener of compat) listener.call(server, stream, headers, flags, raw);
        return;
      }
      const { req, res } = streamExchange(stream, headers, raw);
      onRequest(req as Http2ServerRequest, res as Http2ServerResponse);
    },
  );
}

/**
 * Call after every swap. Replaces the listener's context only when serverKey changed (protocol
 * range, ciphers, groups, default certificate, session settings); new handshakes use it, open
 * connections keep theirs. A running random ticket key survives so tickets stay valid.
 */
export function applyGeneration(server: Http2SecureServer, gen: TlsGeneration): boolean {
  const state = states.get(server);
  if (state === undefined) throw new Error('applyGeneration: server was not made by createHttpsServer');
  if (!gen.session.cache) state.sessions.clear();
  state.wireSessions(gen.session.cache);
  if (state.key === gen.serverKey) return false;
  const ticketKeys = gen.serverOptions.ticketKeys ?? server.getTicketKeys();
  state.tls13Tickets?.(tls13TicketCount(gen.session));
  server.setSecureContext({ ...gen.serverOptions, ticketKeys });
  state.key = gen.serverKey;
  return true;
}

/**
 * TLS 1.2 session-ID resumption (ssl-session-cache), read from the current generation. The
 * listeners are attached only while the cache is on: with them, Node holds every handshake for
 * a JS lookup of the ClientHello's session id and hands every new session to JS; without them
 * (ssl-session-cache: false) neither happens. Node checks at each new connection, so toggling
 * takes effect for the next handshake.
 */
function sessionCacheWiring(
  server: Http2SecureServer,
  cache: SessionCache,
  current: () => TlsGeneration,
): (on: boolean) => void {
  const onNewSession = (id: Buffer, data: Buffer, done: () => void): void => {
    const { session } = current();
    if (session.cache) cache.store(id, data, session.timeout, session.cacheSize);
    done();
  };
  const onResumeSession = (id: Buffer, done: (err: Error | null, data: Buffer | null) => void): void => {
    done(null, current().session.cache ? cache.lookup(id) : null);
  };
  let wired = false;
  return (on) => {
    if (on === wired) return;
    wired = on;
    if (on) {
      server.on('newSession', onNewSession);
      server.on('resumeSession', onResumeSession);
    } else {
      server.off('newSession', onNewSession);
      server.off('resumeSession', onResumeSession);
    }
  };
}

const rejected = Symbol('portcullis.rejectedSni');

function markRejected(socket: unknown): void {
  if (typeof socket === 'object' && socket !== null) (socket as { [rejected]?: true })[rejected] = true;
}

function wasRejected(socket: unknown): boolean {
  return (
    typeof socket === 'object' && socket !== null && (socket as { [rejected]?: true })[rejected] === true
  );
}
