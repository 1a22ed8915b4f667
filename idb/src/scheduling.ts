/**
 * Event-loop timing, in one place (transaction auto-commit depends on it).
 * - queueTask: a new macrotask (setImmediate), as the spec's "queue a task".
 * - afterMicrotasks: runs once the current microtask queue has drained, the point where a
 *   browser's microtask checkpoint runs "cleanup Indexed Database transactions". A microtask
 *   schedules a nextTick, and Node runs nextTicks only after the microtask queue is empty, so
 *   promise continuations of an event handler still see the transaction active.
 * - queueEventTask: a request's success/error event. It runs after the microtask queue has
 *   drained (so it is asynchronous, and every earlier handler's promise continuations have run,
 *   as between two browser tasks) but without a full event-loop turn per request, which costs
 *   several µs each; after SLICE_MS of such events in one macrotask it falls back to
 *   setImmediate so timers and I/O are not starved.
 */
export function queueTask(fn: () => void): void {
  setImmediate(fn);
}

export function afterMicrotasks(fn: () => void): void {
  queueMicrotask(() => process.nextTick(fn));
}

const SLICE_MS = 4;
/** When the current run of microtask-scheduled events began; -1 once the event loop turned. */
let sliceStart = -1;
const endSlice = (): void => { sliceStart = -1; };

export function queueEventTask(fn: () => void): void {
  const now = performance.now();
  if (sliceStart < 0) {
    sliceStart = now;
    setImmediate(endSlice);
  } else if (now - sliceStart > SLICE_MS) {
    setImmediate(fn);
    return;
  }
  afterMicrotasks(fn);
}

/** Resolves in a later task. */
export function nextTask(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Throws err as an uncaught exception on the next tick (how Node's EventTarget reports listener errors). */
export function throwLater(err: unknown): void {
  process.nextTick(() => { throw err; });
}
