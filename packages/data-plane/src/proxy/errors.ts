/**
 * Upstream failure catalog. The codes are stable: they are log fields and metric labels. Status
 * mapping follows nginx: 502 when the upstream fails or answers garbage, 503 when the backend has
 * no endpoints (ingress-nginx's "no live upstreams"), 504 on proxy-*-timeout, 499 (nginx's own
 * code) when the client went away first.
 */
export const UpstreamErrorCodes = {
  NoEndpoints: 503,
  ConnectRefused: 502,
  ConnectTimeout: 504,
  DnsFailed: 502,
  TlsFailed: 502,
  ConnectionReset: 502,
  BadResponse: 502,
  ReadTimeout: 504,
  SendTimeout: 504,
  ClientAborted: 499,
  UpstreamError: 502,
} as const;

export type UpstreamErrorCode = keyof typeof UpstreamErrorCodes;

export interface ClassifiedError {
  readonly code: UpstreamErrorCode;
  readonly status: number;
  /** True when the connection was never set up: the request did not reach the upstream. */
  readonly connectPhase: boolean;
}

/** Raised by forward() itself (client gone, send stall), recognisable by `code`. */
export class ProxyError extends Error {
  readonly code: UpstreamErrorCode;
  constructor(code: UpstreamErrorCode, message: string) {
    super(message);
    this.name = 'ProxyError';
    this.code = code;
  }
}

const CONNECT_CODES: Readonly<Record<string, UpstreamErrorCode>> = {
  ECONNREFUSED: 'ConnectRefused',
  EHOSTUNREACH: 'ConnectRefused',
  ENETUNREACH: 'ConnectRefused',
  EADDRNOTAVAIL: 'ConnectRefused',
  UND_ERR_CONNECT_TIMEOUT: 'ConnectTimeout',
  ETIMEDOUT: 'ConnectTimeout',
  ENOTFOUND: 'DnsFailed',
  EAI_AGAIN: 'DnsFailed',
};

const LATER_CODES: Readonly<Record<string, UpstreamErrorCode>> = {
  UND_ERR_HEADERS_TIMEOUT: 'ReadTimeout',
  UND_ERR_BODY_TIMEOUT: 'ReadTimeout',
  ECONNRESET: 'ConnectionReset',
  EPIPE: 'ConnectionReset',
  UND_ERR_SOCKET: 'ConnectionReset',
  UND_ERR_CLOSED: 'ConnectionReset',
  UND_ERR_DESTROYED: 'ConnectionReset',
  UND_ERR_INFO: 'BadResponse',
  UND_ERR_RES_CONTENT_LENGTH_MISMATCH: 'BadResponse',
  UND_ERR_HEADERS_OVERFLOW: 'BadResponse',
  ERR_HTTP2_STREAM_ERROR: 'ConnectionReset',
  ERR_HTTP2_SESSION_ERROR: 'ConnectionReset',
  ERR_HTTP2_GOAWAY_SESSION: 'ConnectionReset',
};

/** Certificate verification and handshake failures (node:tls / OpenSSL codes). */
function isTlsError(code: string): boolean {
  return (
    code.startsWith('ERR_TLS_') ||
    code.startsWith('ERR_SSL_') ||
    code.includes('CERT') ||
    code === 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' ||
    code === 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY'
  );
}

export function classifyError(error: unknown): ClassifiedError {
  const code = errorCode(error);
  // The HTTP/1.1 client raises ConnectTimeout itself; like a refused connection it is retried.
  if (error instanceof ProxyError) return make(error.code, error.code === 'ConnectTimeout');
  const connect = CONNECT_CODES[code];
  if (connect !== undefined) return make(connect, true);
  if (isTlsError(code)) return make('TlsFailed', true);
  const later = LATER_CODES[code];
  if (later !== undefined) return make(later, false);
  // llhttp parse errors (HPE_*) surface as HTTPParserError without a code.
  if (code.startsWith('HPE_') || (error instanceof Error && error.name === 'HTTPParserError')) {
    return make('BadResponse', false);
  }
  return make('UpstreamError', false);
}

function make(code: UpstreamErrorCode, connectPhase: boolean): ClassifiedError {
  return { code, status: UpstreamErrorCodes[code], connectPhase };
}

function errorCode(error: unknown): string {
  if (typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string') {
    return error.code;
  }
  return '';
}

const REASONS: Readonly<Record<number, string>> = {
  502: 'Bad Gateway',
  503: 'Service Temporarily Unavailable',
  504: 'Gateway Timeout',
};

/** The small plain-text body of an error page; ingress-nginx's reason phrases. */
export function errorBody(status: number): string {
  return `${status} ${REASONS[status] ?? 'Error'}\n`;
}
