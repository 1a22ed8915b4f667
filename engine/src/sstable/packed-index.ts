/**
 * PackedIndex: an open table's block index in three typed arrays instead of one object and two
 * key copies per data block (~500 B of JS heap per 4 KiB block, the long ingest's growth).
 * keys holds every block's first then last key back to back; keyOff[2i]..keyOff[2i+1] is
 * block i's first key, keyOff[2i+1]..keyOff[2i+2] its last. nums holds NUMS numbers per block.
 * Cost: 2 keys + 60 bytes per block, off the V8 heap.
 */
import type { IndexEntry } from './format.ts';

const NUMS = 7;
const OFFSET = 0;
const LENGTH = 1;
const FIRST_TS = 2;
const LAST_TS = 3;
const MIN_TS = 4;
const MAX_TS = 5;
const MAX_EXPIRE = 6;

export class PackedIndex {
  readonly length: number;
  readonly #keys: Uint8Array;
  readonly #keyOff: Uint32Array;
  readonly #nums: Float64Array;

  constructor(entries: readonly IndexEntry[]) {
    const n = entries.length;
    let bytes = 0;
    for (const e of entries) bytes += e.firstKey.length + e.lastKey.length;
    this.length = n;
    this.#keys = new Uint8Array(bytes);
    this.#keyOff = new Uint32Array(2 * n + 1);
    this.#nums = new Float64Array(n * NUMS);
    let at = 0;
    for (let i = 0; i < n; i++) {
      const e = entries[i] as IndexEntry;
      this.#keyOff[2 * i] = at;
      this.#keys.set(e.firstKey, at);
      at += e.firstKey.length;
      this.#keyOff[2 * i + 1] = at;
      this.#keys.set(e.lastKey, at);
      at += e.lastKey.length;
      const b = i * NUMS;
      this.#nums[b + OFFSET] = e.offset;
      this.#nums[b + LENGTH] = e.length;
      this.#nums[b + FIRST_TS] = e.firstTs;
      this.#nums[b + LAST_TS] = e.lastTs;
      this.#nums[b + MIN_TS] = e.minTs;
      this.#nums[b + MAX_TS] = e.maxTs;
      this.#nums[b + MAX_EXPIRE] = e.maxExpireAt;
    }
    this.#keyOff[2 * n] = at;
  }

  /** Bytes held (typed-array payloads). */
  get bytes(): number {
    return this.#keys.byteLength + this.#keyOff.byteLength + this.#nums.byteLength;
  }

  offset(i: number): number {
    return this.#nums[i * NUMS + OFFSET] as number;
  }

  blockLength(i: number): number {
    return this.#nums[i * NUMS + LENGTH] as number;
  }

  minTs(i: number): number {
    return this.#nums[i * NUMS + MIN_TS] as number;
  }

  maxTs(i: number): number {
    return this.#nums[i * NUMS + MAX_TS] as number;
  }

  /** Block i's first (which = 0) or last (which = 1) key compared with key, then ts with `ts` (NaN: keys only). */
  compare(i: number, which: 0 | 1, key: Uint8Array, ts: number): number {
    const k = this.#keys;
    const s = this.#keyOff[2 * i + which] as number;
    const kl = (this.#keyOff[2 * i + which + 1] as number) - s;
    const n = kl < key.length ? kl : key.length;
    for (let j = 0; j < n; j++) {
      const d = (k[s + j] as number) - (key[j] as number);
      if (d !== 0) return d < 0 ? -1 : 1;
    }
    if (kl !== key.length) return kl < key.length ? -1 : 1;
    if (ts !== ts) return 0;
    const bts = this.#nums[i * NUMS + (which === 0 ? FIRST_TS : LAST_TS)] as number;
    return bts < ts ? -1 : bts > ts ? 1 : 0;
  }

  /** Block i as an IndexEntry (keys are copies); for verify and tests, not hot paths. */
  entry(i: number): IndexEntry {
    const o = this.#keyOff;
    const b = i * NUMS;
    const nums = this.#nums;
    return {
      offset: nums[b + OFFSET] as number, length: nums[b + LENGTH] as number,
      firstKey: this.#keys.slice(o[2 * i] as number, o[2 * i + 1] as number), firstTs: nums[b + FIRST_TS] as number,
      lastKey: this.#keys.slice(o[2 * i + 1] as number, o[2 * i + 2] as number), lastTs: nums[b + LAST_TS] as number,
      minTs: nums[b + MIN_TS] as number, maxTs: nums[b + MAX_TS] as number, maxExpireAt: nums[b + MAX_EXPIRE] as number,
    };
  }
}
