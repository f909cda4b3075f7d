/**
 * Responses portcullis writes itself. The bodies follow nginx's built-in special pages, which is
 * what ingress-nginx's clients see for `return 404;` (the internal default backend), `return 503;`
 * (denied location, no endpoints), ngx.redirect() and 400s; only the footer names portcullis.
 */
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { HttpResponse } from './types.ts';

export interface LocalReply {
  readonly status: number;
  readonly location?: string;
  /**
   * nginx drops keep-alive after the errors that leave the connection state doubtful
   * (ngx_http_special_response_handler: 400, 413, 414, 495, 496, 497, 500, 501).
   */
  readonly close?: boolean;
}

const closingStatuses = new Set([400, 413, 414, 500, 501]);

export function reply(status: number, location?: string): LocalReply {
  const close = closingStatuses.has(status);
  return { status, ...(location === undefined ? {} : { location }), ...(close ? { close } : {}) };
}

/** Where nginx's page titles differ from node's reason phrases (ngx_http_error_pages). */
const nginxTitles: Readonly<Record<number, string>> = { 503: 'Service Temporarily Unavailable' };

export function pageFor(status: number): string {
  const title = `${status} ${nginxTitles[status] ?? STATUS_CODES[status] ?? ''}`.trim();
  return `<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n<center><h1>${title}</h1></center>\r\n<hr><center>portcullis</center>\r\n</body>\r\n</html>\r\n`;
}

/** Writes a local reply through node's response object (HTTP/1.1 or the HTTP/2 compat API). */
export function sendReply(
  res: HttpResponse,
  local: LocalReply,
  headOnly: boolean,
  hsts: string | null,
): void {
  const body = pageFor(local.status);
  res.statusCode = local.status;
  res.setHeader('content-type', 'text/html');
  res.setHeader('content-length', Buffer.byteLength(body));
  if (local.location !== undefined) res.setHeader('location', local.location);
  if (hsts !== null) res.setHeader('strict-transport-security', hsts);
  // Connection is a connection-specific field HTTP/2 forbids (RFC 9113 §8.2.2).
  if (local.close === true && !('stream' in res)) res.setHeader('connection', 'close');
  if (headOnly) res.end();
  else res.end(body);
}

/** The same reply written raw on an upgrade socket (no ServerResponse exists there), then closed. */
export function sendReplyOnSocket(socket: Duplex, local: LocalReply, hsts: string | null): void {
  const body = pageFor(local.status);
  const lines = [
    `HTTP/1.1 ${local.status} ${STATUS_CODES[local.status] ?? ''}`,
    'content-type: text/html',
    `content-length: ${Buffer.byteLength(body)}`,
    'connection: close',
  ];
  if (local.location !== undefined) lines.push(`location: ${local.location}`);
  if (hsts !== null) lines.push(`strict-transport-security: ${hsts}`);
  socket.end(`${lines.join('\r\n')}\r\n\r\n${body}`);
}
