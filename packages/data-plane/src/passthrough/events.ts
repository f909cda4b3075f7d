/**
 * Stable reason codes for passthrough connection events. Like config-model's diagnostic codes
 * they double as log fields and metric labels, so never rename one; add a new one instead.
 */
import type { PeekFailureKind } from './peek.ts';
import type { SpliceFailureReason, SpliceTarget } from './splice.ts';

export const PassthroughReasons = {
  /** The first bytes are not a TLS handshake record (plain HTTP, SSH, garbage). */
  NotTls: 'PassthroughNotTls',
  /** TLS-framed, but the ClientHello breaks the RFCs or exceeds the handshake cap. */
  MalformedHello: 'PassthroughMalformedHello',
  /** More raw bytes than the peek cap without a complete ClientHello. */
  HelloTooLarge: 'PassthroughHelloTooLarge',
  /** No complete ClientHello within the peek time-out. */
  HelloTimeout: 'PassthroughHelloTimeout',
  /** The client went away after sending part of a ClientHello. */
  ClientClosed: 'PassthroughClientClosed',
  /** A socket error while reading the ClientHello. */
  ClientError: 'PassthroughClientError',
  /** The lookup callback threw. */
  LookupFailed: 'PassthroughLookupFailed',
  /** The passthrough backend refused or reset the connection attempt. */
  BackendUnreachable: 'PassthroughBackendUnreachable',
  /** The passthrough backend did not accept within the connect time-out. */
  BackendTimeout: 'PassthroughBackendTimeout',
  /** An established splice ended with an error on either side. */
  StreamError: 'PassthroughStreamError',
} as const;

export type PassthroughReason = (typeof PassthroughReasons)[keyof typeof PassthroughReasons];

export interface PassthroughEvent {
  readonly reason: PassthroughReason;
  readonly remoteAddress: string;
  readonly remotePort: number | null;
  /** The SNI, once a ClientHello was parsed. */
  readonly serverName: string | null;
  /** The backend, once one was chosen. */
  readonly target: SpliceTarget | null;
  readonly message: string;
}

export function peekFailureReason(kind: PeekFailureKind): PassthroughReason {
  switch (kind) {
    case 'not-tls':
      return PassthroughReasons.NotTls;
    case 'malformed':
      return PassthroughReasons.MalformedHello;
    case 'too-large':
      return PassthroughReasons.HelloTooLarge;
    case 'timeout':
      return PassthroughReasons.HelloTimeout;
    case 'closed':
      return PassthroughReasons.ClientClosed;
    case 'error':
      return PassthroughReasons.ClientError;
  }
}

export function spliceFailureReason(reason: SpliceFailureReason): PassthroughReason {
  switch (reason) {
    case 'connect-failed':
      return PassthroughReasons.BackendUnreachable;
    case 'connect-timeout':
      return PassthroughReasons.BackendTimeout;
    case 'client-error':
    case 'target-error':
    case 'aborted':
      return PassthroughReasons.StreamError;
  }
}
