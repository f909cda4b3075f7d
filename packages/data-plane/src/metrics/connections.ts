/**
 * portcullis_* connection families for what ingress-nginx has no metric for: TLS handshakes
 * (NGINX only logs them) and SSL passthrough (its Go TCP proxy exports nothing).
 */
import { Counter, type Registry } from 'prom-client';
import type { LabelBounds } from './bounds.ts';
import { HELP } from './families.ts';
import { Tally } from './tally.ts';

export interface HandshakeSample {
  /** tlsSocket.getProtocol(): `TLSv1.2`, `TLSv1.3`; null when the handshake failed. */
  readonly protocol: string | null;
  /**
   * The negotiated suite's IANA name (tlsSocket.getCipher().standardName), e.g.
   * `TLS_AES_128_GCM_SHA256`; null when the handshake failed. Exact names rather than coarse
   * groups: the server picks from its configured ssl-ciphers, so the set is already small, and
   * operators retiring a suite need to see exactly who still negotiates it.
   */
  readonly cipher: string | null;
  /** `ok`, or the failure class (tls/errors.ts TlsHandshakeFailure). */
  readonly result: string;
}

export interface PassthroughSample {
  /** The SNI the client sent (mapped to the passthrough host that matched, `_` when none). */
  readonly serverName: string | null;
  /** `ok`, or a passthrough reason code (passthrough/events.ts PassthroughReasons). */
  readonly result: string;
  /** Bytes from the client (ClientHello included) and to the client, for spliced connections. */
  readonly bytesIn?: number;
  readonly bytesOut?: number;
  /** How many connections this sample stands for (counted in C, docs/adr/0010); 1 when absent. */
  readonly connections?: number;
}

const PROTOCOLS = new Set(['SSLv3', 'TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3']);
const CIPHER_NAME = /^[A-Z0-9_]{1,80}$/;
const RESULT = /^[A-Za-z_]{1,48}$/;
/** Results come from fixed code lists; the cap only guards against a caller passing free text. */
const MAX_RESULTS = 64;

export class ConnectionFamilies {
  readonly #bounds: LabelBounds;
  readonly #results = new Set<string>(['ok', 'other']);
  readonly #handshakeTally = new Tally<'protocol' | 'cipher' | 'result'>();
  readonly #passthroughTally = new Tally<'host' | 'result'>();
  readonly #bytesTally = new Tally<'direction'>();
  readonly #passthroughSources: (() => void)[] = [];

  constructor(registry: Registry, bounds: LabelBounds) {
    this.#bounds = bounds;
    const registers = [registry];
    const handshakes = this.#handshakeTally;
    const passthrough = this.#passthroughTally;
    const bytes = this.#bytesTally;
    const pull = (): void => {
      for (const source of this.#passthroughSources) source();
    };
    // Registered with the registry, which reads them (and so flushes the tallies) on a scrape.
    new Counter({
      name: 'portcullis_tls_handshakes_total',
      help: HELP.handshakes,
      labelNames: ['protocol', 'cipher', 'result'],
      registers,
      collect() {
        handshakes.flush(this);
      },
    });
    new Counter({
      name: 'portcullis_passthrough_connections_total',
      help: HELP.passthroughConnections,
      labelNames: ['host', 'result'],
      registers,
      collect() {
        pull();
        passthrough.flush(this);
      },
    });
    new Counter({
      name: 'portcullis_passthrough_bytes_total',
      help: HELP.passthroughBytes,
      labelNames: ['direction'],
      registers,
      collect() {
        pull();
        bytes.flush(this);
      },
    });
  }

  observeHandshake(sample: HandshakeSample): void {
    const result = this.#result(sample.result);
    // Bounded values make the key: an unknown protocol or odd cipher name cannot grow the Map.
    const protocol = sample.protocol !== null && PROTOCOLS.has(sample.protocol) ? sample.protocol : '';
    const cipher = sample.cipher === null ? '' : CIPHER_NAME.test(sample.cipher) ? sample.cipher : 'other';
    this.#handshakeTally.add(`${protocol} ${cipher} ${result}`, () => ({ protocol, cipher, result }));
  }

  /**
   * `source` is called before the passthrough families are read (a scrape), to observe what
   * was counted elsewhere since its last call.
   */
  addPassthroughSource(source: () => void): void {
    this.#passthroughSources.push(source);
  }

  observePassthrough(sample: PassthroughSample): void {
    const host = this.#bounds.passthroughHost(sample.serverName);
    const result = this.#result(sample.result);
    const connections = sample.connections ?? 1;
    if (connections > 0)
      this.#passthroughTally.add(`${host} ${result}`, () => ({ host, result }), connections);
    if (isCount(sample.bytesIn)) this.#bytesTally.add('in', IN, sample.bytesIn);
    if (isCount(sample.bytesOut)) this.#bytesTally.add('out', OUT, sample.bytesOut);
  }

  #result(result: string): string {
    if (this.#results.has(result)) return result;
    if (!RESULT.test(result) || this.#results.size >= MAX_RESULTS) return 'other';
    this.#results.add(result);
    return result;
  }
}

const IN = () => ({ direction: 'in' });
const OUT = () => ({ direction: 'out' });

function isCount(value: number | undefined): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0;
}
