/**
 * A batch's Secrets in shared memory for the inspection thread (ADR 9). Posting them as
 * messages serialized ~20 MB per cold build into freshly allocated memory, which this VM faults
 * in at ~12 µs a page: ~6% of build()'s time. One SharedArrayBuffer, kept and grown for the
 * process, takes the same bytes as a copy into pages that are already there.
 *
 * For each Secret only what inspectSecret() reads: namespace, name, and the tls.crt and tls.key
 * values that win (stringData over data, as the API server merges them), each marked as plain or
 * base64. Values go through UTF-8; one that would not come back unchanged (a lone surrogate)
 * keeps its Secret out of the batch, for build() to inspect itself.
 */
import type { Secret } from '../objects/schemas.ts';
import { TLS_CERT_KEY, TLS_PRIVATE_KEY_KEY } from './secret.ts';

/** What the worker is handed: the shared buffers and how many Secrets they hold. */
export interface InboxView {
  readonly bytes: SharedArrayBuffer;
  readonly layout: SharedArrayBuffer;
  readonly count: number;
}

/** The Secret fields inspectSecret() reads. */
export type InboxSecret = Pick<Secret, 'metadata' | 'data' | 'stringData'>;

/** Per Secret: start, byte lengths of namespace, name, tls.crt and tls.key, then the plain flags. */
const FIELDS = 6;
const CERT_PLAIN = 1;
const KEY_PLAIN = 2;

let bytes: Buffer | null = null;
let layout: Int32Array<SharedArrayBuffer> | null = null;

type Picked = readonly [namespace: string, name: string, cert: string, key: string, plain: number];

function pick(secret: Secret): Picked | null {
  const value = (key: string): [string, number] | null => {
    const plain = secret.stringData?.[key];
    if (plain !== undefined) return [plain, 1];
    const encoded = secret.data?.[key];
    return encoded === undefined ? null : [encoded, 0];
  };
  const cert = value(TLS_CERT_KEY);
  const key = value(TLS_PRIVATE_KEY_KEY);
  if (cert === null || key === null) return null;
  const { namespace, name } = secret.metadata;
  const picked = [namespace, name, cert[0], key[0], cert[1] * CERT_PLAIN + key[1] * KEY_PLAIN] as const;
  for (let i = 0; i < 4; i++) if (!(picked[i] as string).isWellFormed()) return null;
  return picked;
}

/**
 * Writes `secrets` (each with tls.crt and tls.key) into the shared buffers, growing them when
 * needed. Returns the view to post and the Secrets it holds, in order: index i is view item i.
 * The previous batch must be over (a stopped worker may still read one stale item: its result
 * goes nowhere).
 */
export function writeInbox(secrets: readonly Secret[]): { view: InboxView; held: Secret[] } {
  const held: Secret[] = [];
  const picks: Picked[] = [];
  let total = 0;
  for (const secret of secrets) {
    const picked = pick(secret);
    if (picked === null) continue;
    held.push(secret);
    picks.push(picked);
    for (let i = 0; i < 4; i++) total += Buffer.byteLength(picked[i] as string, 'utf8');
  }
  if (bytes === null || bytes.length < total) bytes = Buffer.from(new SharedArrayBuffer(grown(total)));
  if (layout === null || layout.length < picks.length * FIELDS) {
    layout = new Int32Array(new SharedArrayBuffer(4 * grown(picks.length * FIELDS)));
  }
  let at = 0;
  for (let j = 0; j < picks.length; j++) {
    const picked = picks[j] as Picked;
    const base = j * FIELDS;
    layout[base] = at;
    for (let i = 0; i < 4; i++) {
      const written = bytes.write(picked[i] as string, at, 'utf8');
      layout[base + 1 + i] = written;
      at += written;
    }
    layout[base + 5] = picked[4];
  }
  return {
    view: { bytes: bytes.buffer as SharedArrayBuffer, layout: layout.buffer, count: picks.length },
    held,
  };
}

/** Reads a view's items as the Secrets inspectSecret() needs (worker side). */
export function inboxReader(view: InboxView): (i: number) => InboxSecret {
  const shared = Buffer.from(view.bytes);
  const sizes = new Int32Array(view.layout);
  return (i) => {
    const base = i * FIELDS;
    let at = sizes[base] as number;
    const text: string[] = [];
    for (let f = 0; f < 4; f++) {
      const length = sizes[base + 1 + f] as number;
      text.push(shared.toString('utf8', at, at + length));
      at += length;
    }
    const [namespace = '', name = '', cert = '', key = ''] = text;
    const plain = sizes[base + 5] as number;
    const data: Record<string, string> = {};
    const stringData: Record<string, string> = {};
    (plain & CERT_PLAIN ? stringData : data)[TLS_CERT_KEY] = cert;
    (plain & KEY_PLAIN ? stringData : data)[TLS_PRIVATE_KEY_KEY] = key;
    return { metadata: { namespace, name }, data, stringData };
  };
}

/** Room for a quarter more, so a growing cluster does not reallocate at every batch. */
function grown(size: number): number {
  return Math.max(1024, Math.ceil(size * 1.25));
}
