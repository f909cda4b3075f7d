/**
 * Certificate issuance with @peculiar/x509 over WebCrypto (globalThis.crypto). Used by tests,
 * the demo and the generated fake default certificate; never on the build() path, which stays
 * synchronous.
 */
import './reflect-shim.ts';
import { createPrivateKey, KeyObject, randomBytes, type webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

/** RSA-1024 and Ed25519 exist so tests can prove they are rejected; never serve them. */
export type IssueKeyType = 'RSA-2048' | 'RSA-1024' | 'ECDSA-P-256' | 'ECDSA-P-384' | 'Ed25519';

/** How the private key PEM is written: PKCS#8 `PRIVATE KEY`, PKCS#1 `RSA PRIVATE KEY`, SEC1 `EC PRIVATE KEY`. */
export type KeyFormat = 'pkcs8' | 'pkcs1' | 'sec1';

export interface IssueOptions {
  readonly commonName?: string;
  readonly dnsNames?: readonly string[];
  readonly ipAddresses?: readonly string[];
  readonly organization?: string;
  readonly keyType: IssueKeyType;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** Sign with this CA; omitted: self-signed. */
  readonly issuer?: { readonly certPem: string; readonly keyPem: string };
  readonly isCa?: boolean;
  /** Default `pkcs8`; `pkcs1` needs an RSA key, `sec1` an ECDSA key. */
  readonly keyFormat?: KeyFormat;
}

export interface IssuedCertificate {
  readonly certPem: string;
  readonly keyPem: string;
}

type CryptoKey = webcrypto.CryptoKey;
type Algorithm = webcrypto.Algorithm;

const crypto = globalThis.crypto;

export async function issueCertificate(options: IssueOptions): Promise<IssuedCertificate> {
  const keys = (await crypto.subtle.generateKey(keyAlgorithm(options.keyType), true, [
    'sign',
    'verify',
  ])) as webcrypto.CryptoKeyPair;
  const subject = subjectName(options);
  const issuer = options.issuer === undefined ? null : await loadIssuer(options.issuer);
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject,
    issuer: issuer === null ? subject : issuer.cert.subjectName,
    notBefore: options.notBefore,
    notAfter: options.notAfter,
    publicKey: keys.publicKey,
    signingKey: issuer === null ? keys.privateKey : issuer.key,
    signingAlgorithm: signingAlgorithm(issuer === null ? keys.privateKey : issuer.key),
    extensions: await extensions(options, keys.publicKey, issuer?.cert ?? null),
  });
  const keyPem = await exportKey(keys.privateKey, options.keyFormat ?? 'pkcs8');
  return { certPem: `${cert.toString('pem')}\n`, keyPem };
}

function keyAlgorithm(
  keyType: IssueKeyType,
): webcrypto.RsaHashedKeyGenParams | webcrypto.EcKeyGenParams | Algorithm {
  switch (keyType) {
    case 'RSA-2048':
    case 'RSA-1024':
      return {
        name: 'RSASSA-PKCS1-v1_5',
        modulusLength: keyType === 'RSA-2048' ? 2048 : 1024,
        publicExponent: new Uint8Array([1, 0, 1]),
        hash: 'SHA-256',
      };
    case 'ECDSA-P-256':
    case 'ECDSA-P-384':
      return { name: 'ECDSA', namedCurve: keyType.slice('ECDSA-'.length) };
    case 'Ed25519':
      return { name: 'Ed25519' };
  }
}

/** ECDSA signatures carry their hash; P-384 pairs with SHA-384 (RFC 5480 §4). */
function signingAlgorithm(key: CryptoKey): Algorithm | webcrypto.EcdsaParams {
  const alg = key.algorithm as webcrypto.EcKeyAlgorithm;
  if (alg.name === 'ECDSA')
    return { name: 'ECDSA', hash: alg.namedCurve === 'P-256' ? 'SHA-256' : 'SHA-384' };
  return key.algorithm;
}

/** Distinguished names are written most significant first (O before CN), as CAs do. */
function subjectName(options: IssueOptions): x509.JsonName {
  const name: x509.JsonName = [];
  if (options.organization !== undefined) name.push({ O: [options.organization] });
  if (options.commonName !== undefined) name.push({ CN: [options.commonName] });
  return name;
}

/** 16 random bytes, positive and without a leading zero byte (RFC 5280 §4.1.2.2). */
function randomSerial(): string {
  const bytes = randomBytes(16);
  bytes[0] = ((bytes[0] ?? 0) & 0x7f) | 0x40;
  return bytes.toString('hex');
}

async function extensions(
  options: IssueOptions,
  publicKey: CryptoKey,
  issuer: x509.X509Certificate | null,
): Promise<x509.Extension[]> {
  const isCa = options.isCa === true;
  const list: x509.Extension[] = [
    new x509.BasicConstraintsExtension(isCa, undefined, true),
    new x509.KeyUsagesExtension(keyUsages(isCa, publicKey), true),
    await x509.SubjectKeyIdentifierExtension.create(publicKey),
  ];
  if (issuer !== null) list.push(await x509.AuthorityKeyIdentifierExtension.create(issuer.publicKey));
  if (!isCa) {
    // clientAuth too, so the same helper issues client certificates for auth-tls tests.
    list.push(
      new x509.ExtendedKeyUsageExtension([
        x509.ExtendedKeyUsage.serverAuth,
        x509.ExtendedKeyUsage.clientAuth,
      ]),
    );
  }
  const names = [
    ...(options.dnsNames ?? []).map((value) => ({ type: 'dns' as const, value })),
    ...(options.ipAddresses ?? []).map((value) => ({ type: 'ip' as const, value })),
  ];
  if (names.length > 0) list.push(new x509.SubjectAlternativeNameExtension(names));
  return list;
}

function keyUsages(isCa: boolean, publicKey: CryptoKey): x509.KeyUsageFlags {
  if (isCa)
    return x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature;
  // RSA key exchange (TLS 1.2 RSA kx suites) needs keyEncipherment; ECDSA keys only sign.
  return publicKey.algorithm.name === 'RSASSA-PKCS1-v1_5'
    ? x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment
    : x509.KeyUsageFlags.digitalSignature;
}

async function loadIssuer(
  issuer: IssuedCertificate,
): Promise<{ cert: x509.X509Certificate; key: CryptoKey }> {
  const cert = new x509.X509Certificate(issuer.certPem);
  const keyObject = createPrivateKey(issuer.keyPem);
  const key = keyObject.toCryptoKey(importAlgorithm(keyObject), false, ['sign']);
  return { cert, key };
}

function importAlgorithm(
  key: KeyObject,
): webcrypto.RsaHashedImportParams | webcrypto.EcKeyImportParams | Algorithm {
  const details = key.asymmetricKeyDetails;
  switch (key.asymmetricKeyType) {
    case 'rsa':
      return { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
    case 'ec':
      return { name: 'ECDSA', namedCurve: details?.namedCurve === 'secp384r1' ? 'P-384' : 'P-256' };
    case 'ed25519':
      return { name: 'Ed25519' };
    default:
      throw new Error(`cannot sign with a ${String(key.asymmetricKeyType)} issuer key`);
  }
}

async function exportKey(key: CryptoKey, format: KeyFormat): Promise<string> {
  const keyObject = KeyObject.from(key);
  return keyObject.export({ format: 'pem', type: format }).toString();
}
