/** Facts about a served certificate, read with @peculiar/x509; shown by `portcullis check`,
 * exported as metrics (ssl_expire_time_seconds, ssl_certificate_info). */
export interface CertificateFacts {
  /** RFC 4514 form of the leaf's subject, e.g. `CN=example.com, O=Acme`. */
  readonly subject: string;
  readonly commonName: string | null;
  /** DNS subjectAltNames of the leaf, lowercase, in certificate order. */
  readonly dnsNames: readonly string[];
  readonly ipAddresses: readonly string[];
  readonly issuer: string;
  /** Hex, lowercase, no separators. */
  readonly serial: string;
  /** ISO 8601. */
  readonly notBefore: string;
  readonly notAfter: string;
  /** e.g. `RSA-2048`, `ECDSA-P-256`. */
  readonly keyType: string;
  /** sha256 of the leaf DER, hex lowercase. */
  readonly fingerprint: string;
  /** The chain as served, leaf first: subject and issuer of each certificate. */
  readonly chain: readonly { readonly subject: string; readonly issuer: string }[];
}
