/**
 * Event-loop timing, in one place (transaction auto-commit depends on it).
 * - queueTask: a new macrotask (setImmediate), as the spec's "queue a task".
 * - afterMicrotasks: runs once the current microtask queue has drained, the point where a
 *   browser's microtask checkpoint runs "cleanup Indexed Database transactions". A microtask
 *   schedules a nextTick, and Node runs nextTicks only after the microtask queue is empty, so
 *   promise continuations of an event handler still see the transaction active.
 */
export function queueTask(fn: () => void): void {
  setImmediate(fn);
}

export function afterMicrotasks(fn: () => void): void {
  queueMicrotask(() => process.nextTick(fn));
}

/** Resolves in a later task. */
export function nextTask(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Throws err as an uncaught exception on the next tick (how Node's EventTarget reports listener errors). */
export function throwLater(err: unknown): void {
  process.nextTick(() => { throw err; });
}
