/**
 * Time-outs for many connections at once: one list per duration, one timer per list.
 *
 * Every connection through the passthrough port needs a ClientHello time-out, then a connect
 * time-out, and nearly all of them finish long before either fires. A setTimeout per connection
 * and phase costs a timer object, a list insert and a clearTimeout each time; here, because all
 * entries of one list share a duration, appending keeps the list sorted by deadline, so adding
 * and removing are pointer updates on the entry itself, and the single timer is only re-armed
 * when it fires (about once per duration under load, never when the list is empty).
 * Deadlines use the monotonic clock, as timers do: a wall-clock step must not expire them.
 */

interface Owner {
  remove(entry: DeadlineEntry): void;
}

/** An intrusive list node: the connection object is the entry, so nothing is allocated. */
export class DeadlineEntry {
  deadline = 0;
  prev: DeadlineEntry | null = null;
  next: DeadlineEntry | null = null;
  list: Owner | null = null;
}

export class DeadlineList<T extends DeadlineEntry> implements Owner {
  readonly timeoutMs: number;
  readonly #onExpire: (entry: T) => void;
  #head: DeadlineEntry | null = null;
  #tail: DeadlineEntry | null = null;
  #timer: NodeJS.Timeout | null = null;

  constructor(timeoutMs: number, onExpire: (entry: T) => void) {
    this.timeoutMs = timeoutMs;
    this.#onExpire = onExpire;
  }

  /** Starts the entry's clock (taking it out of any list it is in); it expires in timeoutMs. */
  add(entry: T): void {
    if (entry.list !== null) entry.list.remove(entry);
    entry.deadline = performance.now() + this.timeoutMs;
    entry.list = this;
    entry.prev = this.#tail;
    entry.next = null;
    if (this.#tail === null) this.#head = entry;
    else this.#tail.next = entry;
    this.#tail = entry;
    if (this.#timer === null) this.#arm(this.timeoutMs);
  }

  /** Stops the entry's clock; a no-op when it is not in this list. */
  remove(entry: DeadlineEntry): void {
    if (entry.list !== this) return;
    if (entry.prev === null) this.#head = entry.next;
    else entry.prev.next = entry.next;
    if (entry.next === null) this.#tail = entry.prev;
    else entry.next.prev = entry.prev;
    entry.prev = null;
    entry.next = null;
    entry.list = null;
  }

  /**
   * Unref'd: a pending time-out alone must not keep a stopping process alive; the connection it
   * guards is a live handle and keeps the loop running for as long as it matters.
   */
  #arm(delayMs: number): void {
    this.#timer = setTimeout(() => this.#sweep(), Math.max(1, delayMs));
    this.#timer.unref();
  }

  #sweep(): void {
    this.#timer = null;
    const now = performance.now();
    for (let head = this.#head; head !== null && head.deadline <= now; head = this.#head) {
      this.remove(head);
      this.#onExpire(head as T);
    }
    if (this.#head !== null && this.#timer === null) this.#arm(this.#head.deadline - now);
  }
}

/** How often waitFor() looks again. */
const POLL_MS = 50;

/** Resolves once done() is true or timeoutMs has passed (shutdown drains; not per connection). */
export async function waitFor(done: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done() && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, Math.min(POLL_MS, deadline - Date.now())));
  }
}
