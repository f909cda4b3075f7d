import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DeadlineEntry, DeadlineList } from '../src/passthrough/deadlines.ts';
import { sleep } from './passthrough-fixtures.ts';

class Named extends DeadlineEntry {
  readonly name: string;
  constructor(name: string) {
    super();
    this.name = name;
  }
}

describe('DeadlineList', () => {
  it('expires entries in the order they were added, none before its time-out', async () => {
    const expired: Array<{ name: string; after: number }> = [];
    const started = Date.now();
    const list = new DeadlineList<Named>(60, (entry) =>
      expired.push({ name: entry.name, after: Date.now() - started }),
    );
    list.add(new Named('a'));
    await sleep(20);
    list.add(new Named('b'));
    await sleep(150);
    assert.deepEqual(
      expired.map((e) => e.name),
      ['a', 'b'],
    );
    assert.ok((expired[0]?.after ?? 0) >= 59, `a expired after ${expired[0]?.after} ms`);
    assert.ok((expired[1]?.after ?? 0) >= 79, `b expired after ${expired[1]?.after} ms`);
  });

  it('never expires a removed entry, wherever it was in the list', async () => {
    const expired: string[] = [];
    const list = new DeadlineList<Named>(40, (entry) => expired.push(entry.name));
    const [a, b, c] = [new Named('a'), new Named('b'), new Named('c')];
    list.add(a);
    list.add(b);
    list.add(c);
    list.remove(b);
    list.remove(a);
    list.remove(a); // twice is harmless
    await sleep(100);
    assert.deepEqual(expired, ['c']);
  });

  it('moves an entry between lists: only the list it is in now can expire it', async () => {
    const expired: string[] = [];
    const short = new DeadlineList<Named>(30, (entry) => expired.push(`short:${entry.name}`));
    const long = new DeadlineList<Named>(80, (entry) => expired.push(`long:${entry.name}`));
    const entry = new Named('x');
    short.add(entry);
    long.add(entry);
    short.remove(entry); // not in `short` any more: a no-op
    await sleep(50);
    assert.deepEqual(expired, []);
    await sleep(80);
    assert.deepEqual(expired, ['long:x']);
  });

  it('re-arms after a sweep for entries added while it ran, and after going empty', async () => {
    const expired: string[] = [];
    const list: DeadlineList<Named> = new DeadlineList<Named>(30, (entry) => {
      expired.push(entry.name);
      if (entry.name === 'first') list.add(new Named('added-on-expiry'));
    });
    list.add(new Named('first'));
    await sleep(120);
    assert.deepEqual(expired, ['first', 'added-on-expiry']);
    list.add(new Named('later'));
    await sleep(80);
    assert.deepEqual(expired, ['first', 'added-on-expiry', 'later']);
  });
});
