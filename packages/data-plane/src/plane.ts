/**
 * The data plane: HTTP listener, HTTPS listener (h2 + HTTP/1.1, SNI), the SSL passthrough front
 * on the HTTPS port, all reading the switcher's current generation. Listening sockets, upstream
 * pools and unchanged SecureContexts live as long as the process; tables come and go.
 */
import { createServer as createHttpServer, type Server as HttpServer, type IncomingMessage } from 'node:http';
import type { Http2SecureServer, Http2ServerRequest } from 'node:http2';
import { createServer as createNetServer, type Server as NetServer } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { lookupPassthrough, type RoutingTable } from '@portcullis/config-model';
import {
  applyHeaderTimeout,
  applyHttpServerSettings,
  createRequestHandler,
  type HttpServerSettings,
  httpServerOptions,
  type Log,
  putHttp1DirectPath,
} from './http/index.ts';
import type { Metrics } from './metrics/index.ts';
import { createPassthroughRouter, type PassthroughRouter } from './passthrough/listener.ts';
import { loadNativeSplicer, type NativeSplicer } from './passthrough/native.ts';
import { type ProxyOptions, UpstreamPools } from './proxy/index.ts';
import { ConnectionTracker } from './shutdown.ts';
import { type Generation, Switcher } from './switcher.ts';
import {
  applyGeneration,
  createHttpsServer,
  loadTls13TicketControl,
  type Tls13TicketControl,
  TlsContexts,
} from './tls/index.ts';

export interface DataPlaneOptions {
  /** --bind-address; undefined listens on all addresses. */
  readonly bindAddress?: string;
  readonly httpPort: number;
  readonly httpsPort: number;
  readonly enableSslPassthrough: boolean;
  /**
   * Who moves passthrough bytes: 'native' (default) the C splicer when it was built, else the
   * JavaScript relay (logged); 'javascript' always the relay (docs/adr/0006).
   */
  readonly passthroughSplicer?: PassthroughSplicerChoice;
  readonly log: Log;
  readonly metrics?: Metrics;
  readonly proxy?: Partial<ProxyOptions>;
  readonly http?: HttpServerSettings;
  /**
   * How a listener binds (workers share ports through their pool's listen); default: listen
   * here. Returns the bound port.
   */
  readonly bind?: (server: NetServer, port: number, host: string | undefined) => Promise<number>;
  /** Told about the HTTPS server when it is fed sockets by the passthrough front (worker drains). */
  readonly track?: (server: NetServer) => void;
}

export type PassthroughSplicerChoice = 'native' | 'javascript';

export interface DataPlane {
  /** Swaps in a table; returns false when it equals the current one. */
  apply(table: RoutingTable): boolean;
  /** Binds the ports (after the first apply); resolves with the bound ports. */
  listen(): Promise<{ httpPort: number; httpsPort: number }>;
  /** Stops accepting and waits for in-flight requests (at most timeoutMs), then closes pools. */
  close(timeoutMs: number): Promise<{ finished: boolean; remaining: number }>;
  /** Closes upstream pools only (when someone else drained the listeners). */
  closePools(): Promise<void>;
  /**
   * Waits up to timeoutMs for spliced passthrough connections to end, then cuts them (when
   * someone else drains the listeners); resolves with how many were cut.
   */
  drainSplices(timeoutMs: number): Promise<number>;
  readonly ready: boolean;
  current(): Generation;
}

export function createDataPlane(options: DataPlaneOptions): DataPlane {
  const { log, metrics } = options;
  const pools = new UpstreamPools(options.proxy);
  const switcher = new Switcher(new TlsContexts(), pools);
  const tracker = new ConnectionTracker();
  let servers: { http: HttpServer; https: Http2SecureServer; front: NetServer | null } | null = null;
  let httpsPortBound = options.httpsPort;

  const handlers = (scheme: 'http' | 'https') =>
    createRequestHandler({
      current: switcher.current,
      scheme,
      log,
      ...(metrics ? { metrics } : {}),
      get httpsPort() {
        return httpsPortBound;
      },
    });

  const create = () => {
    const plain = handlers('http');
    const secure = handlers('https');
    const http = createHttpServer(httpServerOptions(options.http), (req, res) => {
      tracker.request(res, true);
      plain.onRequest(req, res);
    });
    putHttp1DirectPath(http, 'connection');
    http.on('upgrade', plain.onUpgrade);
    http.on('connection', (socket) => tracker.socket(socket));
    const https = createHttpsServer({
      current: () => switcher.current().tls,
      tls13Tickets: tls13Tickets(),
      onRequest: (req, res) => {
        tracker.request(res, (req as IncomingMessage | Http2ServerRequest).httpVersionMajor < 2);
        secure.onRequest(req, res);
      },
      onUpgrade: secure.onUpgrade,
      onTlsError: (event) => {
        metrics?.observeHandshake({ protocol: null, cipher: null, result: event.result });
        log('debug', 'TLS handshake failed', {
          code: event.result,
          remote: event.remoteAddress,
          sni: event.servername,
        });
      },
    });
    https.on('secureConnection', (socket: TLSSocket) => {
      tracker.socket(socket);
      metrics?.observeHandshake({
        protocol: socket.getProtocol(),
        cipher: socket.getCipher()?.standardName ?? null,
        result: 'ok',
      });
    });
    https.on('session', (session) => tracker.session(session));
    applyHttpServerSettings(http1Side(https), options.http);
    const front = options.enableSslPassthrough ? passthroughFront(https) : null;
    const created = { http, https, front };
    applyListenerSettings(created, switcher.current().table);
    return created;
  };

  let router: PassthroughRouter | null = null;

  /** native/tickets.c: no TLS 1.3 tickets while ssl-session-tickets is off (docs/adr/0007). */
  const tls13Tickets = (): Tls13TicketControl | undefined => {
    const loaded = loadTls13TicketControl();
    if (loaded.control === null) {
      log('info', 'TLS 1.3 ticket count left to OpenSSL and its configuration', {
        code: 'Tls13TicketControlUnavailable',
        reason: loaded.reason,
      });
      return undefined;
    }
    const { control } = loaded;
    return (count) => {
      try {
        control(count);
      } catch (error) {
        log('warn', 'TLS 1.3 ticket count not applied; OpenSSL keeps its previous one', {
          code: 'Tls13TicketCountFailed',
          count,
          reason: (error as Error).message,
        });
      }
    };
  };

  const nativeSplicer = (): NativeSplicer | null => {
    if (options.passthroughSplicer === 'javascript') {
      log('info', 'passthrough bytes are relayed in JavaScript (--passthrough-splicer=javascript)', {});
      return null;
    }
    const loaded = loadNativeSplicer();
    if (loaded.splicer !== null) log('info', 'passthrough bytes are relayed by the native splicer', {});
    else {
      log('warn', 'native passthrough splicer unavailable; relaying in JavaScript', {
        code: 'NativeSplicerUnavailable',
        reason: loaded.reason,
      });
    }
    return loaded.splicer;
  };

  const passthroughFront = (https: Http2SecureServer): NetServer => {
    const route = createPassthroughRouter({
      native: nativeSplicer(),
      lookup: (serverName) => {
        const target = lookupPassthrough(switcher.current().table, serverName);
        return target === null ? null : { host: target.address, port: target.port };
      },
      routes: () => switcher.current().table.passthrough,
      tlsServer: https,
      onError: (event) => {
        metrics?.observePassthrough({ serverName: event.serverName, result: event.reason });
        log('info', 'passthrough connection closed', {
          code: event.reason,
          remote: event.remoteAddress,
          sni: event.serverName,
          reason: event.message,
        });
      },
      onSpliceClose: (conn) => {
        const { bytesIn, bytesOut, error } = conn.result;
        // A failed splice was counted by onError, under its reason code: only its bytes here.
        metrics?.observePassthrough({
          serverName: conn.serverName,
          result: 'ok',
          connections: error === null ? 1 : 0,
          bytesIn,
          bytesOut,
        });
      },
    });
    router = route;
    // Connections C accepted and closed cleanly are counted there, and read on a scrape.
    metrics?.addPassthroughSource(() => {
      const counts = route.takeCounts();
      if (counts === null) return;
      let { bytesIn, bytesOut } = counts;
      for (const [serverName, connections] of counts.connections) {
        metrics.observePassthrough({ serverName, result: 'ok', connections, bytesIn, bytesOut });
        bytesIn = bytesOut = 0;
      }
    });
    const front = createNetServer({ allowHalfOpen: true, pauseOnConnect: true }, route);
    front.on('connection', (socket) => tracker.socket(socket));
    return front;
  };

  /** The ConfigMap's listener settings: client-header-timeout on both HTTP/1 listeners. */
  const applyListenerSettings = (
    listeners: { http: HttpServer; https: Http2SecureServer },
    table: RoutingTable,
  ): void => {
    const seconds = table.http.clientHeaderTimeout;
    applyHeaderTimeout(listeners.http, seconds, options.http);
    applyHeaderTimeout(http1Side(listeners.https), seconds, options.http);
  };

  const bind = (server: HttpServer | Http2SecureServer | NetServer, port: number): Promise<number> =>
    options.bind
      ? options.bind(server as NetServer, port, options.bindAddress)
      : new Promise<number>((resolve, reject) => {
          server.once('error', reject);
          server.listen({ port, host: options.bindAddress }, () => {
            server.off('error', reject);
            const address = server.address();
            resolve(typeof address === 'object' && address !== null ? address.port : port);
          });
        });

  return {
    apply(table) {
      const next = switcher.apply(table);
      if (next === null) return false;
      for (const warning of next.tls.warnings)
        log('warn', warning.message, { code: 'TlsSettingIgnored', key: warning.key });
      if (servers !== null) {
        applyGeneration(servers.https, next.tls);
        applyListenerSettings(servers, table);
      }
      router?.refreshRoutes();
      return true;
    },
    async listen() {
      if (!switcher.ready) throw new Error('listen() before the first routing table');
      servers ??= create();
      if (servers.front !== null) options.track?.(servers.https as unknown as NetServer);
      const httpPort = await bind(servers.http, options.httpPort);
      httpsPortBound = await bind(servers.front ?? servers.https, options.httpsPort);
      // Bound by node (port 0, EADDRINUSE, SO_REUSEPORT as for any listener), accepted in C.
      if (servers.front !== null && router?.acceptNatively(servers.front)) {
        log('info', 'passthrough connections are accepted and routed in C', {});
      }
      return { httpPort, httpsPort: httpsPortBound };
    },
    async close(timeoutMs) {
      if (servers === null) return { finished: true, remaining: 0 };
      const list = [servers.http, servers.https, ...(servers.front ? [servers.front] : [])].filter(
        (s) => s.listening,
      );
      // Spliced connections get the same time as requests; the tracker cuts what is left only
      // once both are done.
      const result = await tracker.drain(list, timeoutMs, router?.drainSplices);
      await pools.close();
      return result;
    },
    closePools: () => pools.close(),
    drainSplices: async (timeoutMs) => (await router?.drainSplices(timeoutMs)) ?? 0,
    get ready() {
      return switcher.ready;
    },
    current: switcher.current,
  };
}

/**
 * The HTTPS listener's HTTP/1.1 side: node's http2 secure server serves allowHTTP1 connections
 * with node:http's connection handling, which reads its limits from these server properties
 * (absent from the http2 types).
 */
function http1Side(
  server: Http2SecureServer,
): Pick<HttpServer, 'headersTimeout' | 'requestTimeout' | 'keepAliveTimeout'> {
  return server as unknown as HttpServer;
}
