/**
 * The character-set validators ingress-nginx (>= v1.9, internal/ingress/annotations/parser/
 * validators.go) runs on annotation values before parsing them, and the host-name rules
 * portcullis itself needs. Where a validator fails, ingress-nginx's parser decides whether that
 * rejects the Ingress or falls back; see the table in parse.ts.
 */

// alphaNumericChars = `\-\.\_\~a-zA-Z0-9\/:`
const alphaNumeric = String.raw`\-._~a-zA-Z0-9/:`;

/** BasicCharsRegex: Secret references (`namespace/name`). */
const basicChars = new RegExp(`^[${alphaNumeric}]*$`);

/** URLIsValidRegex: redirect URLs; alphanumerics plus `,:?&=` (no `%`, `#`, `@`, spaces). */
const urlChars = new RegExp(`^[${alphaNumeric},?&=]*$`);

/** IsValidRegex: server names, which nginx allows to be regular expressions. */
const serverNameChars = new RegExp(String.raw`^[${alphaNumeric}\^$\[\](){}*+?|&=\\]*$`);

/** MaliciousRegex: CR or LF could inject nginx directives. */
const malicious = /\r|\n/;

/** parser.ValidateRegex(BasicCharsRegex, removeSpace=true). */
export function isBasicChars(value: string): boolean {
  const s = value.replaceAll(' ', '');
  return basicChars.test(s) && !malicious.test(s);
}

/** parser.ValidateRegex(URLIsValidRegex, removeSpace=false). */
export function isUrlChars(value: string): boolean {
  return urlChars.test(value) && !malicious.test(value);
}

/** parser.ValidateServerName: the trimmed value uses only server-name (regex) characters. */
export function isServerNameChars(value: string): boolean {
  return serverNameChars.test(value.trim());
}

/** parser.ValidateArrayOfServerName: every comma-separated item passes ValidateServerName. */
export function isServerNameListChars(value: string): boolean {
  return value.split(',').every(isServerNameChars);
}

const label = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';
const dnsName = new RegExp(`^(?:\\*\\.)?${label}(?:\\.${label})*$`);

/**
 * A lowercase DNS-1123 host name, optionally `*.`-prefixed: what an Ingress rule host may be,
 * hence what portcullis can match an alias or a backend name against.
 */
export function isHostName(value: string): boolean {
  return value.length <= 253 && dnsName.test(value);
}

/** Kubernetes namespace: a DNS-1123 label. */
export function isNamespaceName(value: string): boolean {
  return value.length <= 63 && new RegExp(`^${label}$`).test(value);
}

/** Kubernetes Secret name: a DNS-1123 subdomain. */
export function isSecretName(value: string): boolean {
  return value.length <= 253 && new RegExp(`^${label}(?:\\.${label})*$`).test(value);
}

/** Absolute http(s) URL with a host, as a Location header for a cross-site redirect needs. */
export function isAbsoluteHttpUrl(value: string): boolean {
  return /^https?:\/\/[^/?#]+/i.test(value);
}

/** parser.normalizeString: trim every line (values are single-line after validation). */
export function normalize(value: string): string {
  return value
    .split('\n')
    .map((line) => line.trim())
    .join('\n');
}
