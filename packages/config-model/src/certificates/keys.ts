/**
 * Private keys, parsed with node:crypto (PKCS#1 `RSA PRIVATE KEY`, PKCS#8 `PRIVATE KEY`, SEC1
 * `EC PRIVATE KEY`), and the key algorithms browsers accept in a TLS server certificate.
 */
import { createPrivateKey, type KeyObject } from 'node:crypto';
import type { PublicKeyInfo } from './der.ts';

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
