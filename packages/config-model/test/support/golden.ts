/**
 * The golden cases of golden.test.ts: test/golden/NAME.yaml (input manifests plus one
 * GoldenSetup document: options and certificates to generate), loaded as objects and options.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { generateFakeCertificate } from '../../src/certificates/index.ts';
import { issueCertificate } from '../../src/certificates/issue.ts';
import { type BuildOptions, defaultOptions } from '../../src/index.ts';

export const goldenDir = new URL('../golden/', import.meta.url);
const now = new Date('2026-06-01T00:00:00Z');

interface CertSpec {
  name: string;
  commonName?: string;
  dnsNames?: string[];
  issuer?: string;
  isCa?: boolean;
  keyType?: 'RSA-2048' | 'RSA-1024' | 'ECDSA-P-256' | 'ECDSA-P-384' | 'Ed25519';
  keyFormat?: 'pkcs8' | 'pkcs1' | 'sec1';
  notBefore?: string;
  notAfter?: string;
}

interface Setup {
  options?: Record<string, unknown>;
  certificates?: CertSpec[];
}

type Issued = { certPem: string; keyPem: string; issuer: string | undefined };

async function issueAll(specs: readonly CertSpec[]): Promise<Map<string, Issued>> {
  const issued = new Map<string, Issued>();
  for (const spec of specs) {
    const issuer = spec.issuer === undefined ? undefined : issued.get(spec.issuer);
    const cert = await issueCertificate({
      ...(spec.commonName === undefined ? {} : { commonName: spec.commonName }),
      ...(spec.dnsNames === undefined ? {} : { dnsNames: spec.dnsNames }),
      ...(issuer === undefined ? {} : { issuer }),
      ...(spec.keyFormat === undefined ? {} : { keyFormat: spec.keyFormat }),
      isCa: spec.isCa ?? false,
      keyType: spec.keyType ?? 'ECDSA-P-256',
      notBefore: new Date(spec.notBefore ?? '2026-01-01T00:00:00Z'),
      notAfter: new Date(spec.notAfter ?? '2027-01-01T00:00:00Z'),
    });
    issued.set(spec.name, { ...cert, issuer: spec.issuer });
  }
  return issued;
}

/** {{cert X}} leaf only, {{chain X}} leaf..root, {{reversed X}} root..leaf, {{key X}}, {{ca X}}. */
function fill(text: string, issued: Map<string, Issued>): string {
  const chain = (name: string): string[] => {
    const cert = issued.get(name);
    if (cert === undefined) throw new Error(`golden setup has no certificate "${name}"`);
    return [cert.certPem, ...(cert.issuer === undefined ? [] : chain(cert.issuer))];
  };
  return text.replace(/\{\{(cert|chain|reversed|key|ca) ([\w-]+)\}\}/g, (_, what: string, name: string) => {
    const pem =
      what === 'key'
        ? (issued.get(name)?.keyPem ?? '')
        : what === 'cert' || what === 'ca'
          ? (chain(name)[0] ?? '')
          : what === 'chain'
            ? chain(name).join('')
            : chain(name).reverse().join('');
    return JSON.stringify(pem).slice(1, -1);
  });
}

function ref(value: unknown): { namespace: string; name: string } | null {
  if (typeof value !== 'string') return null;
  const [namespace = '', name = ''] = value.split('/');
  return { namespace, name };
}

const fake = generateFakeCertificate(now);

/** The case files, sorted: `NAME.yaml`. */
export const goldenCases = readdirSync(goldenDir)
  .filter((f) => f.endsWith('.yaml'))
  .sort();

export interface GoldenCase {
  readonly objects: Record<string, unknown>[];
  readonly options: BuildOptions;
}

/** A case's objects (certificates issued now) and build options. */
export async function loadGoldenCase(file: string): Promise<GoldenCase> {
  const source = readFileSync(new URL(file, goldenDir), 'utf8');
  const docs = parseAllDocuments(source).map((d) => d.toJS() as Record<string, unknown> | null);
  const setup = (docs.find((d) => d?.kind === 'GoldenSetup') ?? {}) as Setup;
  const issued = await issueAll(setup.certificates ?? []);
  const objects = parseAllDocuments(fill(source, issued))
    .map((d) => d.toJS() as Record<string, unknown> | null)
    .filter((d): d is Record<string, unknown> => d !== null && d.kind !== 'GoldenSetup');
  const o = setup.options ?? {};
  const options: BuildOptions = {
    ...defaultOptions,
    ...(o as Partial<BuildOptions>),
    defaultSslCertificate: ref(o.defaultSslCertificate),
    configMap: ref(o.configMap),
    fakeCertificate: await fake,
    now,
  };
  return { objects, options };
}
