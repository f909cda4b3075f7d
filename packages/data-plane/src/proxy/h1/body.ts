/**
 * The response body decoder: Content-Length, chunked (RFC 9112 section 7.1: extensions skipped,
 * trailer fields kept) or read-until-close. It is fed what the socket delivers, across as many
 * reads as it takes, and reports the data ranges and where the message ended, so that bytes of
 * a following message are never taken for body (they make the connection unusable instead).
 */
import { ProxyError } from '../errors.ts';
import type { Framing } from './head.ts';

/** Receives a range of the socket's (reused) read buffer: copy what outlives the call. */
export type DataSink = (buffer: Buffer, from: number, to: number) => void;

const SIZE = 0;
const EXT = 1;
const DATA = 2;
const DATA_CR = 3;
const DATA_LF = 4;
const TRAILER = 5;

/** A chunk size above 2^52 (13 hex digits) is refused rather than risk imprecise arithmetic. */
const MAX_SIZE_DIGITS = 13;
/** Trailer section and chunk-extension limits, like a header section's. */
const MAX_TRAILER = 16 * 1024;
const MAX_EXTENSION = 4 * 1024;

const bad = (why: string): ProxyError => new ProxyError('BadResponse', `invalid upstream body: ${why}`);

export class BodyDecoder {
  #framing: Framing = 'none';
  #remaining = 0;
  #state = SIZE;
  #digits = 0;
  #extension = 0;
  #trailer = '';
  /** Trailer lines (`name: value` CRLF ...) of a chunked body, '' when there were none. */
  trailers = '';

  /** The body ends when the upstream closes the connection. */
  get closeDelimited(): boolean {
    return this.#framing === 'close';
  }

  start(framing: Framing, length: number): void {
    this.#framing = framing;
    this.#remaining = framing === 'length' ? length : 0;
    this.#state = SIZE;
    this.#digits = 0;
    this.#extension = 0;
    this.#trailer = '';
    this.trailers = '';
  }

  /** Consumes buffer[from, to); returns the offset just past the message, or -1 when it needs more. */
  feed(buffer: Buffer, from: number, to: number, sink: DataSink): number {
    switch (this.#framing) {
      case 'none':
        return from;
      case 'close':
        if (to > from) sink(buffer, from, to);
        return -1;
      case 'length': {
        const take = Math.min(this.#remaining, to - from);
        if (take > 0) sink(buffer, from, from + take);
        this.#remaining -= take;
        return this.#remaining === 0 ? from + take : -1;
      }
      default:
        return this.#chunked(buffer, from, to, sink);
    }
  }

  #chunked(buffer: Buffer, from: number, to: number, sink: DataSink): number {
    let i = from;
    while (i < to) {
      if (this.#state === DATA) {
        const take = Math.min(this.#remaining, to - i);
        sink(buffer, i, i + take);
        i += take;
        this.#remaining -= take;
        if (this.#remaining === 0) this.#state = DATA_CR;
        continue;
      }
      const byte = buffer[i++] as number;
      switch (this.#state) {
        case SIZE:
          this.#size(byte);
          break;
        case EXT:
          this.#ext(byte);
          break;
        case DATA_CR:
          if (byte !== 13) throw bad('chunk not followed by CRLF');
          this.#state = DATA_LF;
          break;
        case DATA_LF:
          if (byte !== 10) throw bad('chunk not followed by CRLF');
          this.#state = SIZE;
          break;
        default:
          if (this.#trailerByte(byte)) return i;
      }
    }
    return -1;
  }

  #size(byte: number): void {
    const digit = hexValue(byte);
    if (digit >= 0) {
      if (++this.#digits > MAX_SIZE_DIGITS) throw bad('chunk size too large');
      this.#remaining = this.#remaining * 16 + digit;
      return;
    }
    if (this.#digits === 0) throw bad('chunk size');
    // Anything after the digits (BWS, `;name=value` extensions, the CR) up to LF is skipped.
    this.#state = EXT;
    this.#extension = 0;
    this.#ext(byte);
  }

  #ext(byte: number): void {
    if (byte === 10) {
      if ((this.#extension & 0xff) !== 13) throw bad('chunk size line not ended by CRLF');
      this.#digits = 0;
      this.#state = this.#remaining === 0 ? TRAILER : DATA;
      return;
    }
    // #extension holds the previous byte's value in its low byte and a length count above.
    const count = (this.#extension >>> 8) + 1;
    if (count > MAX_EXTENSION) throw bad('chunk extension too long');
    this.#extension = (count << 8) | byte;
  }

  /** Collects the trailer section; true once its empty line is complete. */
  #trailerByte(byte: number): boolean {
    this.#trailer += String.fromCharCode(byte);
    if (this.#trailer.length > MAX_TRAILER) throw bad('trailer section too large');
    if (byte !== 10) return false;
    if (!this.#trailer.endsWith('\r\n')) throw bad('trailer line not ended by CRLF');
    if (this.#trailer === '\r\n' || this.#trailer.endsWith('\r\n\r\n')) {
      this.trailers = this.#trailer.slice(0, -2);
      this.#trailer = '';
      return true;
    }
    return false;
  }
}

function hexValue(byte: number): number {
  if (byte >= 48 && byte <= 57) return byte - 48;
  const lower = byte | 0x20;
  if (lower >= 97 && lower <= 102) return lower - 87;
  return -1;
}
