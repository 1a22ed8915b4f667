/**
 * A transaction's view of the engine: reads at the snapshot taken when the transaction started,
 * with the transaction's own uncommitted writes (an Overlay) on top; under commit pipelining,
 * earlier transactions' batches not yet applied (a flattened Overlay) sit in between.
 * At commit the own overlay becomes one atomic engine batch.
 */
import type { BatchOp, KV, ScanOptions, Snapshot } from '@flowdb/engine';
import { MAX_KEY_BYTES, MAX_VALUE_BYTES } from '@flowdb/engine';
import { domError } from '../errors.ts';
import { NEVER, TS } from './keyspace.ts';
import { type Bound, type Entry, Overlay } from './overlay.ts';

export type { Bound, Entry } from './overlay.ts';

/** Keys and values past the engine's limits fail before anything is written. */
export function checkEntry(key: Uint8Array, value: Uint8Array): void {
  if (key.length > MAX_KEY_BYTES) throw domError('DataError', `the encoded key is ${key.length} bytes; the engine's limit is ${MAX_KEY_BYTES}`);
  if (value.length > MAX_VALUE_BYTES) throw domError('QuotaExceededError', `the value is ${value.length} bytes; the engine's limit is ${MAX_VALUE_BYTES}`);
}

export class TxStorage {
  readonly #kv: KV;
  readonly #snapshot: Snapshot;
  /** This transaction's writes. */
  readonly #own = new Overlay();
  /** Earlier transactions' batches not applied when this one started, oldest first (commit pipelining). */
  readonly #inherited: readonly Overlay[];
  /** #inherited flattened into one, built at the first scan. */
  #flat: Overlay | undefined;
  #version = 0;

  constructor(kv: KV, inherited: readonly Overlay[] = []) {
    this.#kv = kv;
    this.#snapshot = kv.snapshot();
    this.#inherited = inherited.filter((o) => !o.empty);
  }

  #flattened(): Overlay | undefined {
    if (this.#inherited.length === 0) return undefined;
    if (this.#inherited.length === 1) return this.#inherited[0];
    if (this.#flat === undefined) {
      this.#flat = new Overlay();
      for (const o of this.#inherited) this.#flat.apply(o);
    }
    return this.#flat;
  }

  release(): void {
    this.#snapshot.release();
  }

  /** Changes with every write: cached reads are valid while it stays the same. */
  get version(): number {
    return this.#version;
  }

  get empty(): boolean {
    return this.#own.empty;
  }

  /** This transaction's writes (read-only once it commits). */
  get overlay(): Overlay {
    return this.#own;
  }

  put(key: Uint8Array, value: Uint8Array): void {
    checkEntry(key, value);
    this.#version++;
    this.#own.set(key, value);
  }

  del(key: Uint8Array): void {
    this.#version++;
    this.#own.set(key, null);
  }

  delRange(start: Uint8Array, end: Uint8Array): void {
    this.#version++;
    this.#own.clear(start, end);
  }

  async get(key: Uint8Array): Promise<Uint8Array | undefined> {
    let v = this.#own.lookup(key);
    for (let i = this.#inherited.length - 1; v === undefined && i >= 0; i--) v = (this.#inherited[i] as Overlay).lookup(key);
    if (v !== undefined) return v ?? undefined;
    const rec = await this.#kv.get(key, { ts: TS, snapshot: this.#snapshot });
    return rec?.value;
  }

  #scanOptions(lower: Bound | undefined, upper: Bound | undefined, reverse: boolean, keysOnly: boolean): ScanOptions {
    const o: ScanOptions = { tsFrom: TS, tsTo: TS, reverse, keysOnly, snapshot: this.#snapshot };
    if (lower) { if (lower.open) o.gt = lower.key; else o.gte = lower.key; }
    if (upper) { if (upper.open) o.lt = upper.key; else o.lte = upper.key; }
    return o;
  }

  /** Neither overlay touches [lower, upper]: the engine alone answers. */
  #untouched(lower: Bound | undefined, upper: Bound | undefined): boolean {
    return this.#own.untouched(lower, upper) && this.#inherited.every((o) => o.untouched(lower, upper));
  }

  /** Entries in [lower, upper] in key order (descending when reverse), overlays applied. */
  async *scan(lower: Bound | undefined, upper: Bound | undefined, reverse = false, keysOnly = false): AsyncGenerator<Entry> {
    const it = this.#kv.scan(this.#scanOptions(lower, upper, reverse, keysOnly));
    // Engine records carry key and value: they serve as entries as they are.
    let src: AsyncIterator<Entry> = it;
    const inherited = this.#flattened();
    if (inherited) src = inherited.over(src, lower, upper, reverse);
    const merged = this.#own.over(src, lower, upper, reverse);
    try {
      yield* merged;
    } finally {
      await merged.return(undefined);
      await it.return?.();
    }
  }

  async first(lower: Bound | undefined, upper: Bound | undefined, reverse = false, keysOnly = false): Promise<Entry | undefined> {
    if (this.#untouched(lower, upper)) {
      // Nothing of ours in range: the engine's first record is the answer (no overlay merge, no scan).
      const r = await this.#kv.first(this.#scanOptions(lower, upper, reverse, keysOnly));
      return r === undefined ? undefined : { key: r.key, value: r.value };
    }
    for await (const e of this.scan(lower, upper, reverse, keysOnly)) return e;
    return undefined;
  }

  async count(lower: Bound | undefined, upper: Bound | undefined): Promise<number> {
    if (this.#untouched(lower, upper)) return this.#kv.count(this.#scanOptions(lower, upper, false, true));
    let n = 0;
    for await (const _ of this.scan(lower, upper, false, true)) n++;
    return n;
  }

  /** The batch: range deletes first, then the overlay in key order. */
  ops(): BatchOp[] {
    const own = this.#own;
    const ops: BatchOp[] = own.cleared.map(([start, end]) => ({ type: 'delRange', start, end }));
    for (const { key, value } of own.keys.slotsFrom(undefined)) {
      ops.push(value ? { type: 'put', key, ts: TS, value, expireAt: NEVER } : { type: 'del', key, ts: TS });
    }
    return ops;
  }
}
