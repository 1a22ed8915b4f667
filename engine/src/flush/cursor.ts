/**
 * LayoutCursor: walks a frozen SkipList's shared layout (skiplist.ts) in order, yielding
 * entries whose key and value are views of the arena (valid while the memtable lives).
 * Used by the flush worker and by the in-thread fallback.
 */
import type { Entry, Kind } from '../base/entry.ts';
import type { ListLayout } from '../memtable/skiplist.ts';

export class LayoutCursor {
  readonly #l: ListLayout;
  #n: number;

  constructor(l: ListLayout) {
    this.#l = l;
    this.#n = l.links[0] as number;
  }

  next(): Entry | undefined {
    const n = this.#n;
    if (n === 0) return undefined;
    const { ints, nums, bytes, links, chunks } = this.#l;
    const b = n * 6;
    const c = chunks[ints[b] as number] as Uint8Array;
    const o = ints[b + 1] as number;
    const kl = ints[b + 2] as number;
    const vl = ints[b + 3] as number;
    this.#n = links[ints[b + 5] as number] as number;
    return {
      key: c.subarray(o, o + kl), ts: nums[n * 3] as number, seq: nums[n * 3 + 1] as number,
      kind: bytes[n * 2] as Kind, expireAt: nums[n * 3 + 2] as number, value: c.subarray(o + kl, o + kl + vl),
    };
  }
}
