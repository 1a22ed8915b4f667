/** Wakes stream handlers parked on a feed: wait() until the next notify(), an abort, or a timeout. */
export class Waiters {
  #waiters = new Set<() => void>();

  notify(): void {
    for (const w of this.#waiters) w();
    this.#waiters.clear();
  }

  /** Resolves at the next notify(), or when the signal aborts / ms pass. */
  wait(signal: AbortSignal, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        this.#waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener('abort', done, { once: true });
      this.#waiters.add(done);
    });
  }
}
