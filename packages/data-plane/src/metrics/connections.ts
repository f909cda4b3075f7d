/**
 * portcullis_* connection families for what ingress-nginx has no metric for: TLS handshakes
 * (NGINX only logs them) and SSL passthrough (its Go TCP proxy exports nothing).
 */
import { Counter, type Registry } from 'prom-client';
import type { LabelBounds } from './bounds.ts';
import { HELP } from './families.ts';

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
}

const PROTOCOLS = new Set(['SSLv3', 'TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3']);
const CIPHER_NAME = /^[A-Z0-9_]{1,80}$/;
const RESULT = /^[A-Za-z_]{1,48}$/;
/** Results come from fixed code lists; the cap only guards against a caller passing free text. */
const MAX_RESULTS = 64;

export class ConnectionFamilies {
  readonly #bounds: LabelBounds;
  readonly #handshakes: Counter<'protocol' | 'cipher' | 'result'>;
  readonly #passthrough: Counter<'host' | 'result'>;
  readonly #passthroughBytes: Counter<'direction'>;
  readonly #results = new Set<string>(['ok', 'other']);

  constructor(registry: Registry, bounds: LabelBounds) {
    this.#bounds = bounds;
    const registers = [registry];
    this.#handshakes = new Counter({
      name: 'portcullis_tls_handshakes_total',
      help: HELP.handshakes,
      labelNames: ['protocol', 'cipher', 'result'],
      registers,
    });
    this.#passthrough = new Counter({
      name: 'portcullis_passthrough_connections_total',
      help: HELP.passthroughConnections,
      labelNames: ['host', 'result'],
      registers,
    });
    this.#passthroughBytes = new Counter({
      name: 'portcullis_passthrough_bytes_total',
      help: HELP.passthroughBytes,
      labelNames: ['direction'],
      registers,
    });
  }

  observeHandshake(sample: HandshakeSample): void {
    this.#handshakes.inc({
      protocol: sample.protocol !== null && PROTOCOLS.has(sample.protocol) ? sample.protocol : '',
      cipher: sample.cipher === null ? '' : CIPHER_NAME.test(sample.cipher) ? sample.cipher : 'other',
      result: this.#result(sample.result),
    });
  }

  observePassthrough(sample: PassthroughSample): void {
    this.#passthrough.inc({
      host: this.#bounds.passthroughHost(sample.serverName),
      result: this.#result(sample.result),
    });
    if (isCount(sample.bytesIn)) this.#passthroughBytes.inc({ direction: 'in' }, sample.bytesIn);
    if (isCount(sample.bytesOut)) this.#passthroughBytes.inc({ direction: 'out' }, sample.bytesOut);
  }

  #result(result: string): string {
    if (this.#results.has(result)) return result;
    if (!RESULT.test(result) || this.#results.size >= MAX_RESULTS) return 'other';
    this.#results.add(result);
    return result;
  }
}

function isCount(value: number | undefined): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0;
}
