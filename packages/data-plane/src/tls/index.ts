export {
  type ClientCertificateStatus,
  clientCertificateStatus,
} from './client-auth.ts';
export { TlsContexts, type TlsGeneration } from './contexts.ts';
export type { TlsErrorEvent, TlsHandshakeFailure } from './errors.ts';
export type { SessionSettings, TlsServerOptions } from './options.ts';
export { defaultGroups, postQuantumSupported } from './protocols.ts';
export { applyGeneration, createHttpsServer, type HttpsServerOptions } from './server.ts';
export { loadTls13TicketControl, type Tls13TicketControl } from './tickets.ts';
export type { TlsWarning } from './warnings.ts';
