/**
 * The digest of a long list (10,000 server hashes, 10,000 certificate revisions) from memoized
 * chunk digests: a rebuild after one change rehashes one chunk and then the short list of chunk
 * digests, instead of joining and hashing every item again. Chunks end after an item the
 * `boundary` test picks (or after MAX_CHUNK items), a test of the item's content alone, so equal
 * lists give equal digests whoever builds them, and an item added or removed changes one chunk
 * instead of shifting every chunk after it. A chunk is found again by its first item.
 */
import { hash } from 'node:crypto';

const MAX_CHUNK = 1024;

interface Chunk<T> {
  readonly items: readonly T[];
  /** Ended by a boundary (or MAX_CHUNK), not by the end of the list. */
  readonly closed: boolean;
  readonly digest: string;
}

export class ChunkedDigest<T extends object> {
  readonly #text: (item: T) => string;
  readonly #boundary: (item: T) => boolean;
  #chunks = new Map<T, Chunk<T>>();

  /**
   * `text`: the item's contribution, JSON-encoded by the digest; `boundary`: whether a chunk
   * ends after the item (about one item in 64 keeps chunks short and their list short).
   */
  constructor(text: (item: T) => string, boundary: (item: T) => boolean) {
    this.#text = text;
    this.#boundary = boundary;
  }

  /** A JSON array of the chunk digests of `items`; chunks made of the same objects are reused. */
  of(items: readonly T[]): string {
    const chunks = new Map<T, Chunk<T>>();
    const digests: string[] = [];
    for (let start = 0; start < items.length; ) {
      const first = items[start] as T;
      let chunk = this.#chunks.get(first);
      // The same objects from the same start end at the same boundary: no need to test each.
      if (chunk === undefined || !this.#fits(chunk, items, start)) chunk = this.#cut(items, start);
      chunks.set(first, chunk);
      digests.push(chunk.digest);
      start += chunk.items.length;
    }
    this.#chunks = chunks;
    return JSON.stringify(digests);
  }

  #fits(chunk: Chunk<T>, items: readonly T[], start: number): boolean {
    const end = start + chunk.items.length;
    // A chunk the list's end cut short is only whole if the list still ends there.
    if (end > items.length || (!chunk.closed && end !== items.length)) return false;
    return sameRange(chunk.items, items, start, end);
  }

  #cut(items: readonly T[], start: number): Chunk<T> {
    let end = start + 1;
    while (end < items.length && end - start < MAX_CHUNK && !this.#boundary(items[end - 1] as T)) end++;
    const closed = end - start === MAX_CHUNK || this.#boundary(items[end - 1] as T);
    const slice = items.slice(start, end);
    return { items: slice, closed, digest: hash('sha256', JSON.stringify(slice.map(this.#text)), 'base64') };
  }
}

function sameRange<T>(chunk: readonly T[], items: readonly T[], start: number, end: number): boolean {
  if (chunk.length !== end - start) return false;
  for (let i = start; i < end; i++) if (chunk[i - start] !== items[i]) return false;
  return true;
}
