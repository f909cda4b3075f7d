/** How `portcullis check` describes a certificate: what an operator checks before a rollout. */
import type { Certificate, RoutingTable } from '@portcullis/config-model';

/** Where a certificate comes from: "Secret ns/name", or "fake" for the generated one. */
export function certificateSource(table: RoutingTable, id: string): string {
  const certificate = table.certificates[id];
  if (certificate === undefined) return `unknown certificate ${id}`;
  const secret = certificate.secret;
  return secret === undefined ? 'fake' : `Secret ${secret.namespace}/${secret.name}`;
}

/** "Secret ns/name", "default certificate (fake)" or "default certificate (Secret ns/name)". */
export function certificateLabel(table: RoutingTable, id: string): string {
  const source = certificateSource(table, id);
  return id === table.defaultCertificate ? `default certificate (${source})` : source;
}

/** Indented lines with subject, SANs, issuer, validity, key type and the chain as served. */
export function certificateDetails(certificate: Certificate | undefined, indent: string): string[] {
  if (certificate === undefined) return [];
  const facts = certificate.facts;
  const names = [...facts.dnsNames, ...facts.ipAddresses];
  const chain = facts.chain.map((link) => link.subject).join(' <- ');
  return [
    `subject    ${facts.subject}`,
    `SANs       ${names.length === 0 ? '(none)' : names.join(', ')}`,
    `issuer     ${facts.issuer}`,
    `valid      ${facts.notBefore} to ${facts.notAfter}`,
    `key        ${facts.keyType}`,
    `chain      ${chain}${chainNote(certificate)}`,
    `sha256     ${facts.fingerprint}`,
  ].map((line) => `${indent}${line}`);
}

/** Says when the served chain stops short of a self-signed root (the usual, correct case). */
function chainNote(certificate: Certificate): string {
  const count = certificate.facts.chain.length;
  const last = certificate.facts.chain[count - 1];
  const selfSigned = last !== undefined && last.subject === last.issuer;
  return ` (${count} certificate${count === 1 ? '' : 's'}${selfSigned ? ', ends at a self-signed certificate' : ''})`;
}
