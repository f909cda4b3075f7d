/**
 * Server-level protocol range, cipher list and key-exchange groups from the ConfigMap's ssl-*
 * keys. These MUST live on the server's own SecureContext: OpenSSL copies the version range,
 * cipher list, groups and options into the SSL object at accept (SSL_new), and the
 * SSL_set_SSL_CTX that SNICallback triggers swaps only the certificate, the verify store and the
 * session-id context. test/tls-settings.test.ts proves a cipher set on an SNI context is ignored.
 */
import { constants } from 'node:crypto';
import { createSecureContext, type SecureVersion } from 'node:tls';
import type { TlsProtocol, TlsSettings } from '@portcullis/config-model';
import { defaultSettings } from '@portcullis/config-model';
import type { TlsWarning } from './warnings.ts';

export interface ProtocolOptions {
  readonly minVersion: SecureVersion;
  readonly maxVersion: SecureVersion;
  readonly ciphers: string;
  readonly ecdhCurve: string;
  /** SSL_OP_NO_TLSv1_x for versions inside [min, max] that ssl-protocols leaves out. */
  readonly secureOptions: number;
}

const order: readonly TlsProtocol[] = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];
const noProtocol: Record<TlsProtocol, number> = {
  TLSv1: constants.SSL_OP_NO_TLSv1,
  'TLSv1.1': constants.SSL_OP_NO_TLSv1_1,
  'TLSv1.2': constants.SSL_OP_NO_TLSv1_2,
  'TLSv1.3': constants.SSL_OP_NO_TLSv1_3,
};

/** ingress-nginx's defaults, used when a configured list fails to load into OpenSSL. */
const fallbackProtocols: readonly TlsProtocol[] = ['TLSv1.2', 'TLSv1.3'];

export function protocolOptions(settings: TlsSettings, warnings: TlsWarning[]): ProtocolOptions {
  const protocols = settings.protocols.length > 0 ? settings.protocols : fallbackProtocols;
  const min = protocols[0] ?? 'TLSv1.2';
  const max = protocols[protocols.length - 1] ?? 'TLSv1.3';
  let secureOptions = 0;
  for (const p of order.slice(order.indexOf(min), order.indexOf(max) + 1)) {
    if (!protocols.includes(p)) secureOptions |= noProtocol[p];
  }
  const legacy = order.indexOf(min) < order.indexOf('TLSv1.2');
  return {
    minVersion: min,
    maxVersion: max,
    ciphers: cipherList(settings.ciphers, legacy, warnings),
    ecdhCurve: groupList(settings.ecdhCurve, warnings),
    secureOptions,
  };
}

/**
 * ssl-ciphers governs TLS <= 1.2 only, as nginx's ssl_ciphers does: TLS_* suite names are
 * dropped so Node does not turn them into the TLS 1.3 suite list (which stays OpenSSL's
 * default). With TLSv1/TLSv1.1 enabled, OpenSSL 3 refuses their MD5/SHA-1 handshake signatures
 * below security level 0, so `@SECLEVEL=0` is appended (ingress-nginx >= 1.7 makes the user add
 * it to ssl-ciphers by hand). A list OpenSSL rejects falls back to ingress-nginx's default.
 */
export function cipherList(configured: string, legacy: boolean, warnings: TlsWarning[]): string {
  const kept = configured.split(':').filter((c) => c !== '' && !c.startsWith('TLS_'));
  const withLevel = (list: string) => (legacy && !/@SECLEVEL=/i.test(list) ? `${list}:@SECLEVEL=0` : list);
  const candidate = withLevel(kept.join(':'));
  if (kept.length > 0 && loads({ ciphers: candidate })) return candidate;
  warnings.push({
    key: 'ssl-ciphers',
    message: `OpenSSL accepts no TLS <= 1.2 cipher from "${configured}"; using the default list`,
  });
  return withLevel(defaultCiphers);
}

/** ingress-nginx's default ssl-ciphers, the same list the ConfigMap parser defaults to. */
const defaultCiphers = defaultSettings.tls.ciphers;

/** True when this runtime's OpenSSL knows the ML-KEM hybrid group (OpenSSL >= 3.5). */
export const postQuantumSupported: boolean = loads({ ecdhCurve: 'X25519MLKEM768' });

/**
 * `auto`: the post-quantum hybrid X25519MLKEM768 first where OpenSSL supports it, then X25519,
 * P-256, P-384 (the order browsers offer; RFC 8446 §4.2.7 lets the server pick by its own
 * preference). Node's own `auto` would hand the choice to OpenSSL's build defaults.
 */
export const defaultGroups: string = [
  ...(postQuantumSupported ? ['X25519MLKEM768'] : []),
  'X25519',
  'P-256',
  'P-384',
].join(':');

export function groupList(configured: string, warnings: TlsWarning[]): string {
  if (configured === 'auto' || configured === '') return defaultGroups;
  if (loads({ ecdhCurve: configured })) return configured;
  warnings.push({
    key: 'ssl-ecdh-curve',
    message: `OpenSSL does not know every group in "${configured}"; using ${defaultGroups}`,
  });
  return defaultGroups;
}

function loads(options: { ciphers?: string; ecdhCurve?: string }): boolean {
  try {
    createSecureContext(options);
    return true;
  } catch {
    return false;
  }
}
