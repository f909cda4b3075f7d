/**
 * IP address and CIDR validation without node:net (config-model stays pure). Accepts what
 * nginx's set_real_ip_from accepts for addresses: an IPv4 or IPv6 address, optionally with a
 * prefix length. Like Go's net.ParseIP (Go >= 1.17), IPv4 octets with leading zeros are refused,
 * because they are ambiguous (octal in some parsers).
 */

const octet = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const ipv4Pattern = new RegExp(`^${octet}(?:\\.${octet}){3}$`);

export function isIPv4(s: string): boolean {
  return ipv4Pattern.test(s);
}

/** RFC 4291 §2.2 text forms: eight groups, one `::` run, optional dotted IPv4 tail. No zone. */
export function isIPv6(s: string): boolean {
  const halves = s.split('::');
  if (halves.length > 2) return false;
  const groups = halves.map((half) => (half === '' ? [] : half.split(':')));
  const all = groups.flat();
  let count = 0;
  for (const [i, group] of all.entries()) {
    const isLast = i === all.length - 1;
    if (isLast && group.includes('.')) {
      // The IPv4 tail must end the address, so it may not come before a trailing '::'.
      if (!isIPv4(group) || (halves.length === 2 && halves[1] === '')) return false;
      count += 2;
    } else if (/^[0-9A-Fa-f]{1,4}$/.test(group)) {
      count += 1;
    } else {
      return false;
    }
  }
  return halves.length === 2 ? count <= 7 : count === 8;
}

/** An IPv4/IPv6 address, or one followed by `/prefix` (0-32 or 0-128). */
export function isIpOrCidr(s: string): boolean {
  const slash = s.indexOf('/');
  if (slash === -1) return isIPv4(s) || isIPv6(s);
  const address = s.slice(0, slash);
  const prefix = s.slice(slash + 1);
  if (!/^(?:0|[1-9]\d{0,2})$/.test(prefix)) return false;
  const bits = Number(prefix);
  if (isIPv4(address)) return bits <= 32;
  if (isIPv6(address)) return bits <= 128;
  return false;
}
