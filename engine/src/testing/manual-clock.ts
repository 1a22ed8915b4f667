/** ManualClock: a Clock that moves only when told to (TTL tests). */
import type { Clock } from '../api.ts';

export class ManualClock implements Clock {
  #now: number;
  constructor(startMicros = 1_700_000_000_000_000) {
    this.#now = startMicros;
  }
  nowMicros(): number {
    return this.#now;
  }
  advance(micros: number): void {
    this.#now += micros;
  }
}
