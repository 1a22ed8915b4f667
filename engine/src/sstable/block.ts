/**
 * Data block payload (before compression), see docs/formats/sstable.md:
 *
 *   entry* [entryCount u32 LE]
 *   entry = [shared varint][unshared varint][key suffix][ts i64][seq i64][kind u8][expireAt i64]
 *           [valueLen varint][value]
 *
 * `shared` is the length of the prefix common with the previous key of the same block
 * (0 for the first entry). Blocks are always decoded whole, so there are no restart points.
 */
import { type Entry, Kind } from '../base/entry.ts';
import { corruption } from '../base/errors.ts';
import { ByteReader, ByteWriter, DecodeError } from './coding.ts';

export class BlockBuilder {
  #w = new ByteWriter(4096);
  #prevKey: Uint8Array = new Uint8Array(0);
  #count = 0;

  get count(): number {
    return this.#count;
  }

  /** Encoded size so far (without the count suffix). */
  get size(): number {
    return this.#w.length;
  }

  add(e: Entry): void {
    const prev = this.#prevKey;
    const max = Math.min(prev.length, e.key.length);
    let shared = 0;
    if (this.#count > 0) while (shared < max && prev[shared] === e.key[shared]) shared++;
    const w = this.#w;
    w.varint(shared);
    w.varint(e.key.length - shared);
    w.bytes(e.key.subarray(shared));
    w.i64(e.ts);
    w.i64(e.seq);
    w.u8(e.kind);
    w.i64(e.expireAt);
    w.lenBytes(e.value);
    this.#prevKey = e.key;
    this.#count++;
  }

  /** The payload; resets the builder. */
  finish(): Uint8Array {
    this.#w.u32(this.#count);
    const out = this.#w.finish();
    this.#w.reset();
    this.#count = 0;
    this.#prevKey = new Uint8Array(0);
    return out;
  }
}

/**
 * Decodes a block payload. Values (and keys stored without a shared prefix) are subarrays
 * of `payload`; consecutive entries with the same key share one key object.
 */
export function decodeBlock(payload: Uint8Array, file: string, offset: number): Entry[] {
  try {
    if (payload.length < 4) throw new DecodeError('block shorter than its count');
    const end = payload.length - 4;
    const count = new DataView(payload.buffer, payload.byteOffset + end, 4).getUint32(0, true);
    const r = new ByteReader(payload.subarray(0, end));
    const out: Entry[] = new Array<Entry>(count);
    let prev: Uint8Array = new Uint8Array(0);
    for (let i = 0; i < count; i++) {
      const shared = r.varint();
      const unshared = r.varint();
      if (shared > prev.length) throw new DecodeError(`entry ${i}: shared prefix ${shared} > ${prev.length}`);
      let key: Uint8Array;
      if (shared === 0) key = r.bytes(unshared);
      else if (unshared === 0 && shared === prev.length) key = prev;
      else {
        key = new Uint8Array(shared + unshared);
        key.set(prev.subarray(0, shared));
        key.set(r.bytes(unshared), shared);
      }
      const ts = r.i64();
      const seq = r.i64();
      const kind = r.u8();
      const expireAt = r.i64();
      const value = r.lenBytes();
      if (kind !== Kind.PUT && kind !== Kind.DELETE) throw new DecodeError(`entry ${i}: bad kind ${kind}`);
      out[i] = { key, ts, seq, kind, expireAt, value };
      prev = key;
    }
    if (r.remaining !== 0) throw new DecodeError(`${r.remaining} trailing bytes after ${count} entries`);
    return out;
  } catch (err) {
    if (err instanceof DecodeError || err instanceof RangeError) throw corruption(`bad data block: ${err.message}`, file, offset);
    throw err;
  }
}
