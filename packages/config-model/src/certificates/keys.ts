/**
 * Private keys, parsed with node:crypto (PKCS#1 `RSA PRIVATE KEY`, PKCS#8 `PRIVATE KEY`, SEC1
 * `EC PRIVATE KEY`), and the key algorithms browsers accept in a TLS server certificate.
 */
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { equalBytes, type PublicKeyInfo } from './der.ts';
import type { ParsedCertificate } from './pem.ts';
import { type EmbeddedPublicKey, embeddedPublicKey } from './private-key.ts';

export type KeyParse =
  | { readonly ok: true; readonly key: KeyObject }
  | { readonly ok: false; readonly message: string };

export type KeyTypeCheck =
  | { readonly ok: true; readonly keyType: string }
  | { readonly ok: false; readonly code: 'PrivateKeyInvalid' | 'WeakKey'; readonly message: string };

/** CA/Browser Forum Baseline Requirements §6.1.5: RSA moduli of at least 2048 bits. */
export const MIN_RSA_BITS = 2048;

/**
 * Rejects what no browser would accept before the (more expensive) key matching. Sizes and
 * curves are read from the certificate the key matches (see keyType), which is cheaper than
 * KeyObject.asymmetricKeyDetails.
 */
export function parsePrivateKey(keyPem: string): KeyParse {
  if (!keyPem.includes('-----BEGIN')) return { ok: false, message: 'the private key is not PEM encoded' };
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: keyPem, format: 'pem' });
  } catch (error) {
    return { ok: false, message: `the private key cannot be parsed: ${reason(error)}` };
  }
  switch (key.asymmetricKeyType) {
    case 'rsa':
    case 'ec':
      return { ok: true, key };
    case 'ed25519':
    case 'ed448': {
      const name = key.asymmetricKeyType === 'ed25519' ? 'Ed25519' : 'Ed448';
      return {
        ok: false,
        message: `${name} keys are not accepted: browsers do not support EdDSA in TLS server certificates; use ECDSA P-256 or RSA 2048+`,
      };
    }
    default:
      return {
        ok: false,
        message: `${String(key.asymmetricKeyType)} keys are not supported; use RSA (2048+ bits) or ECDSA (P-256, P-384, P-521)`,
      };
  }
}

/**
 * The first certificate whose public key is the one embedded in the private key, decided from
 * DER alone; undefined when that cannot be decided here, and the caller asks node:crypto
 * (parsePrivateKey, then X509Certificate.checkPrivateKey, which compares the public parts just
 * as OpenSSL's EVP_PKEY_eq does). "Cannot decide" includes every certificate that might match
 * under another encoding, so both paths pick the same leaf.
 */
export function leafForKey(
  certificates: readonly ParsedCertificate[],
  keyPem: string,
): ParsedCertificate | undefined {
  const key = embeddedPublicKey(keyPem);
  if (key === null) return undefined;
  for (const certificate of certificates) {
    const theirs = certificate.parts.publicKey;
    if (samePublicKey(theirs, key)) return certificate;
    if (!surelyDifferent(theirs, key)) return undefined;
  }
  return undefined; // no match: node:crypto words the mismatch (or the parse error)
}

function samePublicKey(cert: PublicKeyInfo, key: EmbeddedPublicKey): boolean {
  if (cert.type === 'rsa' && key.type === 'rsa')
    return equalBytes(cert.modulus, key.modulus) && equalBytes(cert.exponent, key.exponent);
  if (cert.type === 'ec' && key.type === 'ec')
    return cert.curve === key.curve && equalBytes(cert.point, key.point);
  return false;
}

/** Different bytes mean different keys only for canonical encodings (DER INTEGERs, uncompressed points). */
function surelyDifferent(cert: PublicKeyInfo, key: EmbeddedPublicKey): boolean {
  if (cert.type !== key.type) return true;
  if (cert.type === 'rsa' && key.type === 'rsa') {
    return [cert.modulus, cert.exponent, key.modulus, key.exponent].every(minimalPositive);
  }
  if (cert.type === 'ec' && key.type === 'ec') {
    if (cert.curve === null) return false;
    return cert.curve !== key.curve || (cert.point[0] === 0x04 && cert.point.length === key.point.length);
  }
  return false;
}

/** X.690 §8.3.2: no redundant leading byte; positive. */
function minimalPositive(integer: Uint8Array): boolean {
  const [first, second] = integer;
  if (first === undefined || first >= 0x80) return false;
  return !(first === 0 && second !== undefined && second < 0x80);
}

/** `RSA-2048`, `ECDSA-P-256`, ...: the key of the matched leaf certificate. */
export function keyType(publicKey: PublicKeyInfo): KeyTypeCheck {
  switch (publicKey.type) {
    case 'rsa':
      if (publicKey.bits < MIN_RSA_BITS) {
        return {
          ok: false,
          code: 'WeakKey',
          message: `the RSA key has ${publicKey.bits} bits; at least ${MIN_RSA_BITS} are required (browsers and OpenSSL security level 2 reject smaller keys)`,
        };
      }
      return { ok: true, keyType: `RSA-${publicKey.bits}` };
    case 'ec':
      if (publicKey.curve === null) {
        return {
          ok: false,
          code: 'PrivateKeyInvalid',
          message: 'the ECDSA curve is not supported; use P-256, P-384 or P-521',
        };
      }
      return { ok: true, keyType: `ECDSA-${publicKey.curve}` };
    case 'other':
      return {
        ok: false,
        code: 'PrivateKeyInvalid',
        message: 'the key algorithm is not supported; use RSA or ECDSA',
      };
  }
}

function reason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  // OpenSSL's wording for encrypted keys ("Passphrase required") does not tell the user what to do.
  if (/passphrase/i.test(message)) return 'it is encrypted; store it without a passphrase';
  return message;
}
