/**
 * A bounds-checked reader over one TLS structure. Every length prefix is checked against the
 * bytes of its container before anything is read, so a lying length can only ever produce a
 * DecodeError, never an out-of-bounds read. The ClientHello parser turns DecodeError into a
 * `malformed` result; nothing escapes it.
 */
export class DecodeError extends Error {
  override readonly name = 'DecodeError';
}

export class Cursor {
  readonly #buf: Buffer;
  readonly #end: number;
  #pos: number;

  constructor(buf: Buffer, start = 0, end = buf.length) {
    this.#buf = buf;
    this.#pos = start;
    this.#end = end;
  }

  get remaining(): number {
    return this.#end - this.#pos;
  }

  u8(what: string): number {
    this.#need(1, what);
    const value = this.#buf[this.#pos] ?? 0;
    this.#pos += 1;
    return value;
  }

  u16(what: string): number {
    this.#need(2, what);
    const value = this.#buf.readUInt16BE(this.#pos);
    this.#pos += 2;
    return value;
  }

  skip(length: number, what: string): void {
    this.#need(length, what);
    this.#pos += length;
  }

  /** The raw bytes of the next `length` bytes (a view, not a copy). */
  bytes(length: number, what: string): Buffer {
    this.#need(length, what);
    const view = this.#buf.subarray(this.#pos, this.#pos + length);
    this.#pos += length;
    return view;
  }

  /** The next `length` bytes as a nested cursor (for a length read separately). */
  cursor(length: number, what: string): Cursor {
    return this.#vector(length, 0, what);
  }

  /** `opaque x<floor..2^8-1>`: a one-byte length, then that many bytes, as a nested cursor. */
  vector8(what: string, floor = 0): Cursor {
    return this.#vector(this.u8(what), floor, what);
  }

  /** `opaque x<floor..2^16-1>`: a two-byte length, then that many bytes, as a nested cursor. */
  vector16(what: string, floor = 0): Cursor {
    return this.#vector(this.u16(what), floor, what);
  }

  /** A structure must consume its container exactly (RFC 8446 §3: vectors are self-delimiting). */
  expectEnd(what: string): void {
    if (this.remaining !== 0) throw new DecodeError(`${what}: ${this.remaining} trailing bytes`);
  }

  #vector(length: number, floor: number, what: string): Cursor {
    if (length < floor) throw new DecodeError(`${what}: length ${length} below minimum ${floor}`);
    this.#need(length, what);
    const nested = new Cursor(this.#buf, this.#pos, this.#pos + length);
    this.#pos += length;
    return nested;
  }

  #need(length: number, what: string): void {
    if (length > this.remaining) {
      throw new DecodeError(`${what}: needs ${length} bytes, ${this.remaining} left in its container`);
    }
  }
}
