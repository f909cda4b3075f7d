/**
 * ChunkedDigest (build/digest.ts): the table hash over 10,000 servers is assembled from memoized
 * chunks. Whatever a digest saw before, equal lists must give equal digests (a rebuild and a
 * fresh build must agree) and different lists different ones.
 */
import assert from 'node:assert/strict';
import { hash } from 'node:crypto';
import { describe, it } from 'node:test';
import { ChunkedDigest } from '../src/build/digest.ts';

interface Item {
  readonly text: string;
}

const digest = () =>
  new ChunkedDigest<Item>(
    (item) => item.text,
    (item) => item.text.charCodeAt(0) === 65,
  );

const item = (i: number): Item => ({ text: hash('sha256', String(i), 'base64') });
const list = (n: number): Item[] => Array.from({ length: n }, (_, i) => item(i));
const fresh = (items: readonly Item[]) => digest().of(items.map((x) => ({ text: x.text })));

describe('ChunkedDigest', () => {
  it('gives a rebuild the digest of a fresh build, whatever changed in between', () => {
    const items = list(3000);
    const memo = digest();
    assert.equal(memo.of(items), fresh(items));
    const edits: ((xs: Item[]) => Item[])[] = [
      (xs) => xs.map((x, i) => (i === 1234 ? { text: x.text } : x)), // same content, new object
      (xs) => xs.map((x, i) => (i === 77 ? item(-1) : x)), // one item changed
      (xs) => xs.filter((_, i) => i !== 500), // one removed
      (xs) => [...xs.slice(0, 900), item(-2), ...xs.slice(900)], // one inserted
      (xs) => [...xs, item(-3)], // appended after an open last chunk
      (xs) => xs.slice(0, xs.length - 5), // truncated
      (xs) => xs.slice(10), // the head dropped
    ];
    let current = items;
    for (const edit of edits) {
      current = edit(current);
      assert.equal(memo.of(current), fresh(current));
    }
  });

  it('tells different lists apart: content, order, length', () => {
    const items = list(2000);
    const base = fresh(items);
    assert.notEqual(fresh(items.map((x, i) => (i === 1999 ? item(-1) : x))), base);
    assert.notEqual(fresh([items[1] as Item, items[0] as Item, ...items.slice(2)]), base);
    assert.notEqual(fresh(items.slice(0, 1999)), base);
    assert.notEqual(fresh([]), base);
  });

  it('cuts long lists into many chunks', () => {
    // More than one digest in the output: otherwise the test above proves little.
    assert.ok((JSON.parse(digest().of(list(3000))) as string[]).length > 10);
  });
});
