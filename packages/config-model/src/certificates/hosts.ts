/**
 * Does a certificate cover a host name? RFC 6125 §6.4 as browsers apply it: DNS SANs, a `*`
 * only as the whole left-most label, matching exactly one label (§6.4.3), case-insensitively
 * (§6.4.1), and the subject CN only when the certificate has no DNS SANs (§6.4.4).
 */
import type { CertificateFacts } from './types.ts';

/** `host` may itself be a wildcard Ingress host (`*.example.com`): only an equal SAN covers it. */
export function coversHost(facts: CertificateFacts, host: string): boolean {
  const wanted = normalize(host);
  if (wanted === '') return false;
  if (facts.ipAddresses.some((ip) => ip.toLowerCase() === wanted)) return true;
  const identifiers =
    facts.dnsNames.length > 0 ? facts.dnsNames : facts.commonName === null ? [] : [facts.commonName];
  return identifiers.some((id) => matches(normalize(id), wanted));
}

function matches(pattern: string, host: string): boolean {
  if (pattern === host) return true;
  if (!pattern.startsWith('*.') || host.startsWith('*.')) return false;
  const suffix = pattern.slice(1); // `.example.com`
  const label = host.slice(0, host.length - suffix.length);
  // Exactly one non-empty label in place of the `*`: not `example.com`, not `a.b.example.com`.
  return host.endsWith(suffix) && label.length > 0 && !label.includes('.');
}

/** Lowercase, without the root's trailing dot (`example.com.` names the same host). */
function normalize(name: string): string {
  const lower = name.trim().toLowerCase();
  return lower.endsWith('.') ? lower.slice(0, -1) : lower;
}
