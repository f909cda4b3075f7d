/**
 * A copy of `items` with no spare capacity. V8 grows an array by push() to room for 17 items at
 * the first push, and a cold build keeps tens of thousands of short lists (a server's routes, a
 * certificate's names, each memo's dependencies): copied exactly, the table is about a tenth
 * smaller and the garbage collector has that much less to move while the build runs.
 */
export function exact<T>(items: readonly T[]): T[] {
  return items.slice();
}
