/**
 * Reading API failures. client-node throws ApiException (`code` = HTTP status) from typed calls,
 * and the watch hands its done-callback an Error with `statusCode`; network failures carry a
 * Node error code (ECONNREFUSED) and often a `cause`.
 */

/** The HTTP status of a failed API call, or undefined for network-level failures. */
export function statusOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, statusCode } = error as { code?: unknown; statusCode?: unknown };
  if (typeof statusCode === 'number') return statusCode;
  if (typeof code === 'number') return code;
  return undefined;
}

/** One line for a log field: the status, the API server's message, or the network cause. */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const status = statusOf(error);
  const apiMessage = messageOfBody((error as { body?: unknown }).body);
  const cause = (error as { cause?: unknown }).cause;
  const causeText = cause instanceof Error ? `: ${cause.message}` : '';
  if (status !== undefined) return `HTTP ${status}${apiMessage === undefined ? '' : `: ${apiMessage}`}`;
  return `${error.message}${causeText}`;
}

/** ApiException bodies are the API server's Status object, sometimes still a JSON string. */
function messageOfBody(body: unknown): string | undefined {
  let value = body;
  if (typeof body === 'string') {
    try {
      value = JSON.parse(body);
    } catch {
      return body === '' ? undefined : body.slice(0, 200);
    }
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const message = (value as { message?: unknown }).message;
  return typeof message === 'string' ? message : undefined;
}

export const isConflict = (error: unknown): boolean => statusOf(error) === 409;
export const isNotFound = (error: unknown): boolean => statusOf(error) === 404;
