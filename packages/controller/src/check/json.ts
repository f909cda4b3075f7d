/** `portcullis check --output json`: the table and diagnostics for tools (CI, diffing). */
import type { Diagnostic, RoutingTable } from '@portcullis/config-model';

/**
 * Private keys are dropped wherever they appear (served certificates, proxy-ssl client
 * certificates): check output ends up in CI logs and pull-request comments.
 */
const secretFields = new Set(['keyPem']);

export function formatJson(table: RoutingTable, diagnostics: readonly Diagnostic[]): string {
  const replacer = (key: string, value: unknown): unknown => (secretFields.has(key) ? undefined : value);
  return `${JSON.stringify({ table, diagnostics }, replacer, 2)}\n`;
}
