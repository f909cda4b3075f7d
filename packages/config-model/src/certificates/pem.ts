/** PEM (RFC 7468) certificate blocks in, DER out, and back. */
import { X509Certificate } from 'node:crypto';
import { isBase64 } from './base64.ts';
import { type CertificateParts, certificateParts } from './der.ts';
import { type DecodedName, decodeName } from './names.ts';
import { type StrictCertificate, strictCertificate } from './strict.ts';

const BEGIN = '-----BEGIN CERTIFICATE-----';
const END = '-----END CERTIFICATE-----';
const SPACE = /\s+/g;

/**
 * The base64 of each BEGIN/END CERTIFICATE block, whitespace removed. RFC 7468 §2: text outside
 * the blocks (openssl's "subject=" lines, comments) is ignored. A block runs to the first END
 * after its BEGIN, as the lazy /BEGIN([\s\S]*?)END/g would match it, found with indexOf: the
 * regex walks the kilobytes of every tls.crt character by character.
 */
function certificateBodies(pem: string): string[] {
  const bodies: string[] = [];
  for (let at = pem.indexOf(BEGIN); at >= 0; ) {
    const start = at + BEGIN.length;
    const end = pem.indexOf(END, start);
    if (end < 0) break;
    bodies.push(pem.slice(start, end).replace(SPACE, ''));
    at = pem.indexOf(BEGIN, end + END.length);
  }
  return bodies;
}

export interface ParsedCertificate {
  readonly der: Buffer;
  /**
   * node:crypto's certificate: native key matching, issuer checks and signature checks. Made
   * on first use for a strictly read certificate (most never need it), while parsing otherwise.
   */
  readonly x509: X509Certificate;
  /** Names, serial, SAN and key parameters, located once (der.ts). */
  readonly parts: CertificateParts;
  /** The strict reading (strict.ts), or null when node:crypto had to read the certificate. */
  readonly strict: StrictCertificate | null;
  /** Validity, ms since the epoch; NaN when unreadable (the facts then reject the pair). */
  readonly notBefore: number;
  readonly notAfter: number;
  /**
   * Computed once per certificate, not once per Secret that carries it: an intermediate is
   * parsed once for thousands of Secrets (the memo below), and so is its PEM and its names.
   */
  readonly pem: string;
  readonly subjectName: DecodedName;
  readonly issuerName: DecodedName;
}

class Parsed implements ParsedCertificate {
  readonly der: Buffer;
  readonly parts: CertificateParts;
  readonly strict: StrictCertificate | null;
  #x509: X509Certificate | undefined;
  #pem: string | undefined;
  #subjectName: DecodedName | undefined;
  #issuerName: DecodedName | undefined;

  constructor(
    der: Buffer,
    parts: CertificateParts,
    strict: StrictCertificate | null,
    x509?: X509Certificate,
  ) {
    this.der = der;
    this.parts = parts;
    this.strict = strict;
    this.#x509 = x509;
  }

  get x509(): X509Certificate {
    this.#x509 ??= new X509Certificate(this.der);
    return this.#x509;
  }

  get notBefore(): number {
    return this.strict?.notBefore ?? this.x509.validFromDate.getTime();
  }

  get notAfter(): number {
    return this.strict?.notAfter ?? this.x509.validToDate.getTime();
  }

  get pem(): string {
    this.#pem ??= toPem(this.der);
    return this.#pem;
  }

  get subjectName(): DecodedName {
    this.#subjectName ??= Object.freeze(decodeName(this.parts.subject));
    return this.#subjectName;
  }

  get issuerName(): DecodedName {
    this.#issuerName ??= Object.freeze(decodeName(this.parts.issuer));
    return this.#issuerName;
  }
}

export type PemParse =
  | { readonly ok: true; readonly certificates: ParsedCertificate[] }
  | { readonly ok: false; readonly message: string };

/** Every CERTIFICATE block must parse: a half-readable bundle is rejected, not trimmed. */
export function parseCertificates(pem: string): PemParse {
  const blocks = certificateBodies(pem);
  if (blocks.length === 0)
    return { ok: false, message: 'no PEM certificate (-----BEGIN CERTIFICATE-----) found' };
  const certificates: ParsedCertificate[] = [];
  for (const [index, body] of blocks.entries()) {
    const where = blocks.length === 1 ? 'the certificate' : `certificate ${index + 1} of ${blocks.length}`;
    // A memo hit was valid base64 when it was parsed; only new bodies need the check.
    const cert = memo.get(body) ?? (isBase64(body) ? parseBlock(body) : null);
    if (cert === null) return { ok: false, message: `${where} is not valid base64` };
    if (typeof cert === 'string') return { ok: false, message: `${where} cannot be parsed: ${cert}` };
    certificates.push(cert);
  }
  return { ok: true, certificates };
}

/**
 * Intermediates repeat across thousands of Secrets (every Let's Encrypt chain carries the same
 * one), so parsed blocks are memoized by their base64 text. The memo is a pure function cache,
 * dropped whenever it reaches MEMO_LIMIT, which bounds memory whatever the number of leaves.
 */
const MEMO_LIMIT = 1024;
const memo = new Map<string, ParsedCertificate>();

function parseBlock(body: string): ParsedCertificate | string {
  const der = Buffer.from(body, 'base64');
  let parsed: ParsedCertificate;
  try {
    parsed = parseDer(der);
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  if (memo.size >= MEMO_LIMIT) memo.clear();
  memo.set(body, parsed);
  return parsed;
}

/** Strictly when possible; otherwise node:crypto reads it first, so its error is the one reported. */
function parseDer(der: Buffer): ParsedCertificate {
  let parts: CertificateParts | null = null;
  try {
    parts = certificateParts(der);
  } catch {
    // Not readable here: node:crypto words the problem below.
  }
  const strict = parts === null ? null : strictCertificate(der, parts);
  if (parts !== null && strict !== null) return new Parsed(der, parts, strict);
  const x509 = new X509Certificate(der);
  return new Parsed(der, certificateParts(der), null, x509);
}

export function toPem(der: Uint8Array): string {
  const base64 = Buffer.from(der.buffer, der.byteOffset, der.byteLength).toString('base64');
  // RFC 7468 §2: 64 characters a line.
  let body = '';
  for (let i = 0; i < base64.length; i += 64) body += `${base64.slice(i, i + 64)}\n`;
  return `-----BEGIN CERTIFICATE-----\n${body}-----END CERTIFICATE-----\n`;
}
