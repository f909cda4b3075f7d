/**
 * Messages between the primary (controller) and its data-plane workers over the cluster IPC
 * channel, with `serialization: 'advanced'` (structured clone), so a routing table travels as is.
 * Every message carries a `portcullis` tag; anything else on the channel is not ours.
 */
import type { MetricsSnapshot } from '../metrics/aggregate.ts';

export type ToWorker =
  | {
      readonly portcullis: 'init';
      readonly slot: number;
      readonly module: string;
      readonly options: unknown;
      readonly state: unknown;
      readonly shutdownTimeoutMs: number;
    }
  | { readonly portcullis: 'state'; readonly state: unknown }
  | { readonly portcullis: 'metrics'; readonly id: number }
  | { readonly portcullis: 'shutdown'; readonly timeoutMs: number }
  | { readonly portcullis: 'user'; readonly message: unknown };

export type FromWorker =
  | { readonly portcullis: 'ready' }
  | { readonly portcullis: 'failed'; readonly error: string }
  | { readonly portcullis: 'metrics'; readonly id: number; readonly snapshot: MetricsSnapshot }
  | { readonly portcullis: 'user'; readonly message: unknown };

const TO_WORKER = new Set(['init', 'state', 'metrics', 'shutdown', 'user']);
const FROM_WORKER = new Set(['ready', 'failed', 'metrics', 'user']);

export function isToWorker(message: unknown): message is ToWorker {
  return tagOf(message, TO_WORKER);
}

export function isFromWorker(message: unknown): message is FromWorker {
  return tagOf(message, FROM_WORKER);
}

function tagOf(message: unknown, tags: ReadonlySet<string>): boolean {
  if (typeof message !== 'object' || message === null) return false;
  const tag = (message as { portcullis?: unknown }).portcullis;
  return typeof tag === 'string' && tags.has(tag);
}
