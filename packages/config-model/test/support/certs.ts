/**
 * Certificates for tests, generated at test time with issueCertificate and memoized for the
 * process (RSA key generation is the slow part), so any test file can ask freely.
 * Validity windows are relative to NOW, which tests pass as build()'s clock.
 */
import { type IssuedCertificate, type IssueOptions, issueCertificate } from '../../src/certificates/index.ts';
import type { Secret } from '../../src/objects/schemas.ts';

export type Pair = IssuedCertificate;

const DAY = 24 * 60 * 60 * 1000;
/** The clock tests hand to inspection; certificates are valid from NOW - 1 day to NOW + 90 days. */
export const NOW = new Date(Math.floor(Date.now() / 1000) * 1000);
export const at = (days: number): Date => new Date(NOW.getTime() + days * DAY);

export const GARBAGE_PEM =
  '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n';
export const NOT_PEM = 'this is not a certificate';

const memo = new Map<string, Promise<Pair>>();

function once(key: string, make: () => Promise<Pair>): Promise<Pair> {
  let pair = memo.get(key);
  if (pair === undefined) {
    pair = make();
    memo.set(key, pair);
  }
  return pair;
}

/** Root CA: ECDSA P-384, self-signed. */
export function rootCa(): Promise<Pair> {
  return once('root', () =>
    issueCertificate({
      commonName: 'Portcullis Test Root CA',
      organization: 'Portcullis Tests',
      keyType: 'ECDSA-P-384',
      notBefore: at(-1),
      notAfter: at(3650),
      isCa: true,
    }),
  );
}

/** Intermediate CA: ECDSA P-256, signed by rootCa(). */
export function intermediateCa(): Promise<Pair> {
  return once('intermediate', async () =>
    issueCertificate({
      commonName: 'Portcullis Test Intermediate CA',
      organization: 'Portcullis Tests',
      keyType: 'ECDSA-P-256',
      notBefore: at(-1),
      notAfter: at(1825),
      isCa: true,
      issuer: await rootCa(),
    }),
  );
}

export interface LeafOptions extends Partial<Omit<IssueOptions, 'dnsNames' | 'issuer'>> {
  /** Sign with this instead of intermediateCa(); `self` for a self-signed leaf. */
  readonly issuer?: Pair | 'self';
  /** Cache discriminator for callers that want distinct keys for otherwise equal options. */
  readonly variant?: string;
}

/** A server certificate for `dnsNames` (CN = the first name), RSA-2048 by default, signed by the intermediate. */
export function leafCert(dnsNames: readonly string[], options: LeafOptions = {}): Promise<Pair> {
  const { issuer, variant, ...rest } = options;
  const key = JSON.stringify([
    dnsNames,
    rest,
    issuer === undefined || issuer === 'self' ? (issuer ?? 'intermediate') : issuer.certPem,
    variant,
  ]);
  return once(key, async () =>
    issueCertificate({
      commonName: dnsNames[0] ?? 'portcullis test',
      dnsNames,
      keyType: 'RSA-2048',
      notBefore: at(-1),
      notAfter: at(90),
      ...rest,
      ...(issuer === 'self' ? {} : { issuer: issuer ?? (await intermediateCa()) }),
    }),
  );
}

/** PEM bundle of the given certificates, in the given order. */
export function bundle(...pairs: readonly Pair[]): string {
  return pairs.map((p) => p.certPem).join('');
}

export interface Fixtures {
  readonly root: Pair;
  readonly intermediate: Pair;
  /** example.com + *.example.com, RSA-2048, signed by the intermediate. */
  readonly leaf: Pair;
  /** leaf -> intermediate -> root, correctly ordered. */
  readonly chain: string;
  /** root -> intermediate -> leaf. */
  readonly reversedChain: string;
  readonly ecdsaLeaf: Pair;
  readonly expired: Pair;
  readonly notYetValid: Pair;
  /** A key of another certificate: does not match `leaf`. */
  readonly wrongKey: string;
  readonly weakRsa: Pair;
  readonly ed25519: Pair;
  /** Self-signed, not from the test CAs. */
  readonly stranger: Pair;
}

let fixtures: Promise<Fixtures> | undefined;

export function certFixtures(): Promise<Fixtures> {
  fixtures ??= makeFixtures();
  return fixtures;
}

async function makeFixtures(): Promise<Fixtures> {
  const [root, intermediate, leaf, ecdsaLeaf, expired, notYetValid, other, weakRsa, ed25519, stranger] =
    await Promise.all([
      rootCa(),
      intermediateCa(),
      leafCert(['example.com', '*.example.com']),
      leafCert(['ecdsa.example.com'], { keyType: 'ECDSA-P-256' }),
      leafCert(['expired.example.com'], { notBefore: at(-60), notAfter: at(-1) }),
      leafCert(['future.example.com'], { notBefore: at(1), notAfter: at(90) }),
      leafCert(['other.example.com']),
      leafCert(['weak.example.com'], { keyType: 'RSA-1024', issuer: 'self' }),
      leafCert(['ed25519.example.com'], { keyType: 'Ed25519', issuer: 'self' }),
      leafCert(['stranger.example.org'], { keyType: 'ECDSA-P-256', issuer: 'self' }),
    ]);
  return {
    root,
    intermediate,
    leaf,
    chain: bundle(leaf, intermediate, root),
    reversedChain: bundle(root, intermediate, leaf),
    ecdsaLeaf,
    expired,
    notYetValid,
    wrongKey: other.keyPem,
    weakRsa,
    ed25519,
    stranger,
  };
}

/** A TLS Secret as the API server returns it (base64 `data`). */
export function tlsSecret(
  namespace: string,
  name: string,
  certPem: string,
  keyPem: string,
  metadata: Partial<Secret['metadata']> = {},
): Secret {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'kubernetes.io/tls',
    metadata: { namespace, name, ...metadata },
    data: { 'tls.crt': base64(certPem), 'tls.key': base64(keyPem) },
  };
}

export function base64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
}
