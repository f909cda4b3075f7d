/**
 * A client socket's events, routed to whichever object owns the connection at the moment: the
 * ClientHello peek first, then the splice. The four listeners are shared functions attached once
 * per connection and re-targeted by swapping one property, instead of a closure and an
 * on()/off() pair per event and phase.
 */
import type { Socket } from 'node:net';

export interface ClientSink {
  onData(chunk: Buffer): void;
  /** The client's FIN. */
  onEnd(): void;
  onError(error: Error): void;
  onClose(): void;
}

const kSink = Symbol('passthrough.sink');

/** undefined: never attached; null: detached (only the error guard is left). */
type SinkSocket = Socket & { [kSink]?: ClientSink | null };

/** Routes the socket's events to `sink`, attaching the listeners the first time. */
export function attachSink(socket: Socket, sink: ClientSink): void {
  const s = socket as SinkSocket;
  if (s[kSink] === undefined) s.on('error', onError);
  if (s[kSink] == null) {
    s.on('data', onData);
    s.on('end', onEnd);
    s.on('close', onClose);
  }
  s[kSink] = sink;
}

/**
 * Stops routing events. An 'error' listener that ignores everything stays behind: an error
 * emitted on a socket without one would take the whole process down, and whoever gets the socket
 * next (e.g. tls.Server) may only listen on a wrapper.
 */
export function detachSink(socket: Socket): void {
  const s = socket as SinkSocket;
  if (s[kSink] == null) return;
  s.off('data', onData);
  s.off('end', onEnd);
  s.off('close', onClose);
  s[kSink] = null;
}

function onData(this: SinkSocket, chunk: Buffer): void {
  this[kSink]?.onData(chunk);
}

function onEnd(this: SinkSocket): void {
  this[kSink]?.onEnd();
}

function onError(this: SinkSocket, error: Error): void {
  this[kSink]?.onError(error);
}

function onClose(this: SinkSocket): void {
  this[kSink]?.onClose();
}
