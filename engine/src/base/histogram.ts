/** LatencyHistogram: log-linear buckets (8 per power of two), µs values, O(1) record. */
import type { LatencySummary } from '../api.ts';

const SUB = 8;
const BUCKETS = 64 * SUB;

export class LatencyHistogram {
  #counts = new Float64Array(BUCKETS);
  #count = 0;
  #max = 0;

  record(micros: number): void {
    const v = micros < 1 ? 1 : micros;
    const exp = Math.floor(Math.log2(v));
    const sub = Math.floor((v / 2 ** exp - 1) * SUB);
    const i = Math.min(BUCKETS - 1, exp * SUB + sub);
    this.#counts[i] = (this.#counts[i] as number) + 1;
    this.#count++;
    if (v > this.#max) this.#max = v;
  }

  #quantile(q: number): number {
    if (this.#count === 0) return 0;
    const want = Math.ceil(q * this.#count);
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.#counts[i] as number;
      if (seen >= want) {
        const exp = Math.floor(i / SUB);
        const sub = i % SUB;
        return Math.min(this.#max, 2 ** exp * (1 + (sub + 1) / SUB));
      }
    }
    return this.#max;
  }

  summary(): LatencySummary {
    return {
      p50: this.#quantile(0.5),
      p90: this.#quantile(0.9),
      p99: this.#quantile(0.99),
      max: this.#max,
      count: this.#count,
    };
  }
}
