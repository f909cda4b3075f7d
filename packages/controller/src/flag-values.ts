/** Validators for flag values; each error is one line naming the flag and the value. */
import { isIP } from 'node:net';

/** A bad command line: the CLI prints the message and exits 2 (usage). */
export class UsageError extends Error {
  override name = 'UsageError';
}

function invalid(flag: string, value: string, expected: string): UsageError {
  return new UsageError(`invalid value "${value}" for --${flag}: ${expected}`);
}

/** 0 asks the OS for a free port (tests and side-by-side runs); the bound port is logged. */
export function parsePort(flag: string, value: string): number {
  if (!/^\d+$/.test(value) || Number(value) > 65535) throw invalid(flag, value, 'expected a port 0-65535');
  return Number(value);
}

export function parseBindAddress(flag: string, value: string): string {
  if (isIP(value) === 0) throw invalid(flag, value, 'expected an IPv4 or IPv6 address');
  return value;
}

// RFC 1123 labels, as Kubernetes validates namespace names (IsDNS1123Label).
const dnsLabel = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
// Secrets, ConfigMaps and Services are named by RFC 1123 subdomains (IsDNS1123Subdomain).
const dnsSubdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export function parseDnsLabel(flag: string, value: string): string {
  if (value.length > 63 || !dnsLabel.test(value)) throw invalid(flag, value, 'expected a namespace name');
  return value;
}

/** NS/NAME, as ingress-nginx's --default-ssl-certificate, --configmap, --publish-service. */
export function parseNamespacedName(flag: string, value: string): { namespace: string; name: string } {
  const parts = value.split('/');
  const [namespace, name] = parts;
  if (parts.length !== 2 || namespace === undefined || name === undefined) {
    throw invalid(flag, value, 'expected NAMESPACE/NAME');
  }
  if (namespace.length > 63 || !dnsLabel.test(namespace)) {
    throw invalid(flag, value, `"${namespace}" is not a valid namespace`);
  }
  if (name.length > 253 || !dnsSubdomain.test(name))
    throw invalid(flag, value, `"${name}" is not a valid name`);
  return { namespace, name };
}

export function parseNonEmpty(flag: string, value: string): string {
  if (value.trim() === '') throw invalid(flag, value, 'expected a non-empty value');
  return value;
}

export function parseWorkers(flag: string, value: string): number | 'auto' {
  if (value === 'auto') return 'auto';
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 1024) {
    throw invalid(flag, value, 'expected a number 1-1024 or auto');
  }
  return Number(value);
}

/** Comma-separated IPs or host names (ingress-nginx's --publish-status-address). */
export function parseAddressList(flag: string, value: string): string[] {
  if (value === '') return [];
  const items = value.split(',').map((item) => item.trim());
  for (const item of items) {
    const hostname = item.length <= 253 && dnsSubdomain.test(item.toLowerCase());
    if (isIP(item) === 0 && !hostname)
      throw invalid(flag, value, `"${item}" is not an IP address or host name`);
  }
  return items;
}

/** One of a fixed set of words. */
export function parseChoice<T extends string>(flag: string, value: string, choices: readonly T[]): T {
  if (!(choices as readonly string[]).includes(value))
    throw invalid(flag, value, `expected ${choices.join(' or ')}`);
  return value as T;
}
