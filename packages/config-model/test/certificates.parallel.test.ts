/**
 * Secrets inspected on the second thread (parallel.ts, ADR 9) come back exactly as build()
 * would have inspected them itself, whichever thread gets to a Secret first.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CachedInspection } from '../src/certificates/cache.ts';
import { ParallelInspection } from '../src/certificates/parallel.ts';
import { inspectSecret } from '../src/certificates/secret.ts';
import { createBuilder, snapshotFromObjects } from '../src/index.ts';
import { type Secret, secretSchema } from '../src/objects/schemas.ts';
import { type GoldenCase, goldenCases, loadGoldenCase } from './support/golden.ts';

let cases: [string, GoldenCase][];
/** Every Secret of the golden cases: good pairs and each way a pair can be broken. */
let secrets: Secret[];
let raw: Record<string, unknown>[];

const base64 = (text: string) => Buffer.from(text).toString('base64');

before(async () => {
  cases = await Promise.all(goldenCases.map(async (file) => [file, await loadGoldenCase(file)] as const));
  raw = cases.flatMap(([, c]) => c.objects.filter((o) => o.kind === 'Secret'));
  // A good pair from the golden cases, to move between data and stringData.
  const good = raw.map((s) => secretSchema.parse(s)).find((s) => inspectSecret(s).certificate !== null);
  assert.ok(good);
  const text = (k: string) =>
    good.stringData?.[k] ?? Buffer.from(good.data?.[k] ?? '', 'base64').toString('utf8');
  const cert = text('tls.crt');
  const key = base64(text('tls.key'));
  const secret = (name: string, fields: Record<string, unknown>) => ({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace: 'extra' },
    ...fields,
  });
  raw.push(
    secret('not-base64', { data: { 'tls.crt': '***', 'tls.key': '***' } }),
    secret('garbage', { data: { 'tls.crt': base64('garbage'), 'tls.key': base64('garbage') } }),
    // stringData wins over data, key by key.
    secret('mixed', {
      stringData: { 'tls.crt': cert },
      data: { 'tls.crt': base64('garbage'), 'tls.key': key },
    }),
    // Not a valid Kubernetes name, but manifests can say anything: it is in the certificate id.
    secret('nön-ascii ✓', { stringData: { 'tls.crt': `# café\n${cert}` }, data: { 'tls.key': key } }),
    secret(ILL_FORMED, { stringData: { 'tls.crt': `\ud800${cert}`, 'tls.key': 'x' } }),
  );
  secrets = raw.map((s) => secretSchema.parse(s));
});

/** A value UTF-8 cannot carry unchanged: build() keeps this Secret for itself. */
const ILL_FORMED = 'lone-surrogate';

const hasKeyPair = (s: Secret) =>
  ['tls.crt', 'tls.key'].every((k) => s.data?.[k] !== undefined || s.stringData?.[k] !== undefined);

async function until(done: () => boolean): Promise<void> {
  for (let waited = 0; !done(); waited += 20) {
    if (waited > 20_000) throw new Error('the inspection thread did not finish in 20 s');
    await sleep(20);
  }
}

describe('Secret inspection on a second thread', () => {
  it('inspects every kind of Secret exactly as this thread does', async () => {
    const mixed = secrets.find((s) => s.metadata.name === 'mixed');
    assert.ok(
      mixed && inspectSecret(mixed).certificate !== null,
      'stringData tls.crt over a broken data one',
    );
    const broken = secrets.filter((s) => inspectSecret(s).certificate === null);
    assert.ok(broken.length >= 10, `the golden cases hold broken Secrets (${broken.length})`);
    const batch = ParallelInspection.start(secrets, 1);
    assert.ok(batch !== null);
    // Nothing is taken until the worker is done, so every result below is the worker's.
    await until(() => batch.unfinished === 0);
    for (const secret of secrets) {
      const theirs = batch.take(secret);
      if (!hasKeyPair(secret) || secret.metadata.name === ILL_FORMED) {
        assert.equal(theirs, undefined, `${secret.metadata.name} is left to build()`);
        continue;
      }
      assert.ok(theirs !== undefined, `${secret.metadata.name} was inspected`);
      assert.deepEqual(theirs, inspectSecret(secret), secret.metadata.name);
      if (theirs.certificate !== null) assert.ok(Object.isFrozen(theirs.certificate.facts.chain[0]));
    }
    batch.close();
  });

  it('shares a batch with this thread: each Secret is inspected once, by one of them', async () => {
    // Distinct objects, taken at once while the worker claims them in order: from both ends,
    // and every other one, so the two threads meet and race for the same Secrets.
    const many = Array.from({ length: 20 }, () => raw.map((s) => secretSchema.parse(s))).flat();
    const batch = ParallelInspection.start(many, 1);
    assert.ok(batch !== null);
    const order = [...many.filter((_, i) => i % 2 === 1).reverse(), ...many.filter((_, i) => i % 2 === 0)];
    for (const secret of order) {
      // undefined: this thread claimed it and inspects it itself.
      const theirs: CachedInspection = batch.take(secret) ?? inspectSecret(secret);
      assert.deepEqual(theirs, inspectSecret(secret), secret.metadata.name);
      assert.equal(batch.take(secret), undefined, 'a Secret is inspected and handed out once');
    }
    assert.equal(batch.unfinished, 0);
    // Give a worker that ignored this thread's claims time to redo those Secrets: it must not.
    await sleep(100);
    assert.equal(
      many.filter((secret) => batch.take(secret) !== undefined).length,
      0,
      'nothing is inspected a second time',
    );
    batch.close();
  });

  it('is not used below the minimum or for Secrets without a key pair', () => {
    assert.equal(ParallelInspection.start(secrets.slice(0, 3), 4), null);
    const keyless = secretSchema.parse({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'opaque', namespace: 'extra' },
      data: { 'tls.crt': base64('x') },
    });
    assert.equal(ParallelInspection.start([keyless], 1), null);
  });

  it('hands out nothing once closed, and the worker stops', async () => {
    const many = Array.from({ length: 40 }, () => secrets).flat();
    const batch = ParallelInspection.start(many, 1);
    assert.ok(batch !== null);
    batch.close();
    // What the worker had in hand when it saw the stop is finished and sent; nothing after it.
    await sleep(100);
    const left = batch.unfinished;
    await sleep(200);
    assert.ok(left > 0, 'the worker stopped before the end');
    assert.equal(batch.unfinished, left, 'no Secret is started after close');
    for (const secret of many.slice(0, 20)) assert.equal(batch.take(secret), undefined);
  });

  it('gives every golden case the same table and diagnostics as a build without it', () => {
    for (const [file, { objects, options }] of cases) {
      const { snapshot } = snapshotFromObjects(objects);
      const alone = createBuilder({ parallelInspection: false }).build(snapshot, options);
      const shared = createBuilder({ parallelInspection: 1 }).build(snapshot, options);
      assert.deepEqual(shared.table, alone.table, file);
      assert.deepEqual(shared.diagnostics, alone.diagnostics, file);
    }
  });
});
