/** PEM (RFC 7468) certificate blocks in, DER out, and back. */
import { X509Certificate } from 'node:crypto';
import { isBase64 } from './base64.ts';
import { type CertificateParts, certificateParts } from './der.ts';

/** RFC 7468 §2: text outside the blocks (openssl's "subject=" lines, comments) is ignored. */
const CERTIFICATE_BLOCK = /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g;

export interface ParsedCertificate {
  readonly der: Buffer;
  /** node:crypto's certificate: native key matching, issuer checks and signature checks. */
  readonly x509: X509Certificate;
  /** Names, serial, SAN and key parameters, located once (der.ts). */
  readonly parts: CertificateParts;
}

export type PemParse =
  | { readonly ok: true; readonly certificates: ParsedCertificate[] }
  | { readonly ok: false; readonly message: string };

/** Every CERTIFICATE block must parse: a half-readable bundle is rejected, not trimmed. */
export function parseCertificates(pem: string): PemParse {
  const blocks = [...pem.matchAll(CERTIFICATE_BLOCK)].map((m) => (m[1] ?? '').replace(/\s+/g, ''));
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
    parsed = { der, x509: new X509Certificate(der), parts: certificateParts(der) };
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  if (memo.size >= MEMO_LIMIT) memo.clear();
  memo.set(body, parsed);
  return parsed;
}

export function toPem(der: Uint8Array): string {
  const base64 = Buffer.from(der.buffer, der.byteOffset, der.byteLength).toString('base64');
  // RFC 7468 §2: 64 characters a line.
  let body = '';
  for (let i = 0; i < base64.length; i += 64) body += `${base64.slice(i, i + 64)}\n`;
  return `-----BEGIN CERTIFICATE-----\n${body}-----END CERTIFICATE-----\n`;
}
