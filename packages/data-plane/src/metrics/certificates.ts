/**
 * ssl_expire_time_seconds and ssl_certificate_info label values, derived the way ingress-nginx's
 * Controller.SetSSLExpireTime / SetSSLInfo derive them from Go's x509.Certificate.
 */
import type { Certificate, RoutingTable } from '@portcullis/config-model';
import { CATCH_ALL_HOST } from './bounds.ts';

export interface CertificateUse {
  /** The server name (`_` for the catch-all, which serves the default certificate). */
  readonly host: string;
  readonly certificate: Certificate;
}

/** Every host that terminates TLS, with the certificate it serves. */
export function certificateUses(table: RoutingTable): CertificateUse[] {
  const uses: CertificateUse[] = [];
  const fallback = table.certificates[table.defaultCertificate];
  // ingress-nginx lists the default server `_` with the default (or fake) certificate.
  if (fallback !== undefined) uses.push({ host: CATCH_ALL_HOST, certificate: fallback });
  for (const server of Object.values(table.servers)) {
    if (server.tls === null) continue;
    const certificate = table.certificates[server.tls.certificate];
    if (certificate !== undefined) uses.push({ host: server.host, certificate });
  }
  return uses;
}

/** Unix seconds of notAfter, or null when unparseable (SetSSLExpireTime skips ExpireTime <= 0). */
export function expirySeconds(certificate: Certificate): number | null {
  const ms = Date.parse(certificate.facts.notAfter);
  return Number.isFinite(ms) && ms > 0 ? Math.floor(ms / 1000) : null;
}

export interface CertificateInfo {
  readonly identifier: string;
  readonly issuer_organization: string;
  readonly issuer_common_name: string;
  readonly serial_number: string;
  readonly public_key_algorithm: string;
}

/** Null when the certificate has no serial number (SetSSLInfo skips those). */
export function certificateInfo(certificate: Certificate): CertificateInfo | null {
  const serial = decimalSerial(certificate.facts.serial);
  if (serial === null) return null;
  const issuer = certificate.facts.issuer;
  return {
    // SSLCert.Identifier(): "<issuer serialNumber attribute>-<serial>", usually "-<serial>".
    identifier: `${nameAttribute(issuer, ['serialNumber', '2.5.4.5'])}-${serial}`,
    issuer_organization: nameAttribute(issuer, ['O', '2.5.4.10']),
    issuer_common_name: nameAttribute(issuer, ['CN', '2.5.4.3']),
    serial_number: serial,
    public_key_algorithm: publicKeyAlgorithm(certificate.facts.keyType),
  };
}

/** Go's big.Int.String(): decimal. The facts hold lowercase hex. */
function decimalSerial(hex: string): string | null {
  if (!/^[0-9a-f]+$/i.test(hex)) return null;
  return BigInt(`0x${hex}`).toString(10);
}

/** Go's x509.PublicKeyAlgorithm.String(): RSA, DSA, ECDSA, Ed25519. */
function publicKeyAlgorithm(keyType: string): string {
  const family = keyType.split('-')[0] ?? '';
  if (/^ed25519$/i.test(family)) return 'Ed25519';
  return family.toUpperCase();
}

/**
 * The first value of an attribute in an RFC 4514 string (Go's pkix.Name fields take the first
 * Organization; CommonName is the last CN, but names with two CNs do not occur in practice).
 */
function nameAttribute(name: string, types: readonly string[]): string {
  for (const part of splitRdns(name)) {
    const eq = part.indexOf('=');
    if (eq > 0 && types.includes(part.slice(0, eq).trim())) return unescapeValue(part.slice(eq + 1));
  }
  return '';
}

/** Splits on unescaped `,` and `+` (RFC 4514 §2.2, §2.4). */
function splitRdns(name: string): string[] {
  const parts: string[] = [];
  let current = '';
  for (let i = 0; i < name.length; i++) {
    const c = name[i];
    if (c === '\\' && i + 1 < name.length) {
      current += c + name[++i];
    } else if (c === ',' || c === '+') {
      parts.push(current.trim());
      current = '';
    } else {
      current += c;
    }
  }
  parts.push(current.trim());
  return parts;
}

function unescapeValue(value: string): string {
  return value.replace(/\\([0-9a-fA-F]{2}|.)/g, (_, c: string) =>
    c.length === 2 ? String.fromCharCode(Number.parseInt(c, 16)) : c,
  );
}
