import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Backoff } from '../src/kube/backoff.ts';

describe('Backoff', () => {
  it('doubles from 1 s, caps at 30 s, and starts over after a healthy run', () => {
    const backoff = new Backoff();
    const quick = [0, 0, 0, 0, 0, 0, 0].map(() => backoff.next(10));
    assert.deepEqual(quick, [1000, 2000, 4000, 8000, 16000, 30000, 30000]);
    assert.equal(backoff.next(60_000), 1000, 'a run of a minute counts as healthy');
    assert.equal(backoff.next(500), 2000);
  });
});
