/**
 * Session resumption: ssl-session-tickets / ssl-session-ticket-key, and the session-ID cache
 * behind ssl-session-cache / ssl-session-cache-size / ssl-session-timeout.
 *
 * Node disables OpenSSL's internal session cache (SSL_SESS_CACHE_NO_INTERNAL) and resumes
 * session IDs only through the server's 'newSession' / 'resumeSession' events, so the cache
 * lives here. Node's lookup is keyed by the ClientHello's legacy session_id, which a TLS 1.3
 * client fills with random bytes (RFC 8446 §4.1.2), so TLS 1.3 "stateful ticket" resumption
 * cannot work in Node: with tickets off (the default) only TLS 1.2 clients resume.
 * (OpenSSL does resume such a ticket when 'resumeSession' hands over the session whose ID is the
 * ticket, i.e. the pre_shared_key identity, RFC 8446 §4.2.11; Node's ClientHello parser does
 * not report that extension, so only a JS read of the ClientHello could supply it.)
 */
import { hkdfSync } from 'node:crypto';
import type { TlsWarning } from './warnings.ts';

/**
 * Node's ticket key is 48 bytes: 16 name, 16 HMAC-SHA256 secret, 16 AES-128-CBC key. nginx also
 * takes 80-byte keys (16 name, 32 HMAC, 32 AES-256); Node cannot encrypt tickets with AES-256,
 * so an 80-byte key keeps its name and derives the two 16-byte secrets from all 64 secret bytes
 * with HKDF-SHA256 (RFC 5869). Every replica given the same key derives the same ticket key, so
 * tickets still resume across replicas; they are just not readable by nginx.
 */
export function ticketKeyFrom(base64: string | null, warnings: TlsWarning[]): Buffer | undefined {
  if (base64 === null) return undefined;
  const raw = Buffer.from(base64, 'base64');
  if (raw.length === 48) return raw;
  if (raw.length === 80) {
    const name = raw.subarray(0, 16);
    const secrets = hkdfSync('sha256', raw.subarray(16), name, 'portcullis ticket key', 32);
    return Buffer.concat([name, Buffer.from(secrets)]);
  }
  warnings.push({
    key: 'ssl-session-ticket-key',
    message: `decodes to ${raw.length} bytes, not 48 or 80; using a random key`,
  });
  return undefined;
}

/** nginx documents about 4000 sessions per megabyte of ssl_session_cache. */
const bytesPerSession = 256;

interface Entry {
  readonly data: Buffer;
  readonly expires: number;
}

/** A bounded LRU of DER-encoded TLS 1.2 sessions keyed by session ID. */
export class SessionCache {
  readonly #entries = new Map<string, Entry>();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  get size(): number {
    return this.#entries.size;
  }

  store(id: Buffer, data: Buffer, timeoutSeconds: number, sizeBytes: number): void {
    // A TLS 1.3 session could never be found again (see above): keep the room for TLS 1.2 ones.
    if (sessionVersion(data) >= 0x0304) return;
    const key = id.toString('hex');
    this.#entries.delete(key);
    this.#entries.set(key, { data, expires: this.#now() + timeoutSeconds * 1000 });
    const capacity = Math.max(1, Math.floor(sizeBytes / bytesPerSession));
    for (const oldest of this.#entries.keys()) {
      if (this.#entries.size <= capacity) break;
      this.#entries.delete(oldest);
    }
  }

  lookup(id: Buffer): Buffer | null {
    // The common case: TLS 1.3 clients' random legacy ids against a cache of no TLS 1.2 sessions.
    if (this.#entries.size === 0) return null;
    const key = id.toString('hex');
    const entry = this.#entries.get(key);
    if (entry === undefined) return null;
    this.#entries.delete(key);
    if (entry.expires <= this.#now()) return null;
    this.#entries.set(key, entry);
    return entry.data;
  }

  clear(): void {
    this.#entries.clear();
  }
}

/**
 * The protocol version inside a DER SSL_SESSION (OpenSSL's ASN.1: SEQUENCE { INTEGER 1,
 * INTEGER ssl_version, ... }), or -1 when the bytes do not look like one.
 */
export function sessionVersion(der: Buffer): number {
  if (der[0] !== 0x30) return -1;
  let at = 1;
  const first = der[at] ?? 0;
  at += first < 0x80 ? 1 : 1 + (first & 0x7f);
  for (let field = 0; field < 2; field++) {
    if (der[at] !== 0x02) return -1;
    const length = der[at + 1] ?? 0;
    if (field === 1) return length === 2 ? der.readUInt16BE(at + 2) : -1;
    at += 2 + length;
  }
  return -1;
}
