/**
 * A transaction's view of the engine: reads at the snapshot taken when the transaction started,
 * with the transaction's own uncommitted writes (a sorted overlay, plus cleared ranges) on top.
 * At commit the overlay becomes one atomic engine batch.
 */
import type { BatchOp, KV, ScanOptions, Snapshot } from '@flowdb/engine';
import { MAX_KEY_BYTES, MAX_VALUE_BYTES } from '@flowdb/engine';
import { domError } from '../errors.ts';
import { compareBytes } from '../keys/compare.ts';
import { NEVER, TS } from './keyspace.ts';
import { SortedKeys } from './sorted-keys.ts';

export interface Bound {
  key: Uint8Array;
  open: boolean;
}

export interface Entry {
  key: Uint8Array;
  value: Uint8Array;
}

const hex = (k: Uint8Array): string => Buffer.from(k.buffer, k.byteOffset, k.byteLength).toString('latin1');

function above(k: Uint8Array, b: Bound | undefined): boolean {
  if (!b) return true;
  const c = compareBytes(k, b.key);
  return b.open ? c > 0 : c >= 0;
}
function below(k: Uint8Array, b: Bound | undefined): boolean {
  if (!b) return true;
  const c = compareBytes(k, b.key);
  return b.open ? c < 0 : c <= 0;
}

/** Keys and values past the engine's limits fail before anything is written. */
export function checkEntry(key: Uint8Array, value: Uint8Array): void {
  if (key.length > MAX_KEY_BYTES) throw domError('DataError', `the encoded key is ${key.length} bytes; the engine's limit is ${MAX_KEY_BYTES}`);
  if (value.length > MAX_VALUE_BYTES) throw domError('QuotaExceededError', `the value is ${value.length} bytes; the engine's limit is ${MAX_VALUE_BYTES}`);
}

export class TxStorage {
  readonly #kv: KV;
  readonly #snapshot: Snapshot;
  /** Overlay keys, sorted. */
  #keys = new SortedKeys();
  /** Overlay values by key; null is a delete. */
  #vals = new Map<string, Uint8Array | null>();
  /** Ranges [start, end) deleted by this transaction (before the overlay's later writes). */
  #cleared: [Uint8Array, Uint8Array][] = [];
  #version = 0;

  constructor(kv: KV) {
    this.#kv = kv;
    this.#snapshot = kv.snapshot();
  }

  release(): void {
    this.#snapshot.release();
  }

  /** Changes with every write: cached reads are valid while it stays the same. */
  get version(): number {
    return this.#version;
  }

  get empty(): boolean {
    return this.#keys.size === 0 && this.#cleared.length === 0;
  }

  #isCleared(key: Uint8Array): boolean {
    return this.#cleared.some(([s, e]) => compareBytes(key, s) >= 0 && compareBytes(key, e) < 0);
  }

  #set(key: Uint8Array, value: Uint8Array | null): void {
    this.#version++;
    const h = hex(key);
    if (!this.#vals.has(h)) this.#keys.insert(key.slice());
    this.#vals.set(h, value);
  }

  put(key: Uint8Array, value: Uint8Array): void {
    checkEntry(key, value);
    this.#set(key, value);
  }

  del(key: Uint8Array): void {
    this.#set(key, null);
  }

  delRange(start: Uint8Array, end: Uint8Array): void {
    this.#version++;
    for (const k of this.#keys.removeRange(start, end)) this.#vals.delete(hex(k));
    this.#cleared.push([start.slice(), end.slice()]);
  }

  async get(key: Uint8Array): Promise<Uint8Array | undefined> {
    const h = hex(key);
    if (this.#vals.has(h)) return this.#vals.get(h) ?? undefined;
    if (this.#isCleared(key)) return undefined;
    const rec = await this.#kv.get(key, { ts: TS, snapshot: this.#snapshot });
    return rec?.value;
  }

  #scanOptions(lower: Bound | undefined, upper: Bound | undefined, reverse: boolean, keysOnly: boolean): ScanOptions {
    const o: ScanOptions = { tsFrom: TS, tsTo: TS, reverse, keysOnly, snapshot: this.#snapshot };
    if (lower) { if (lower.open) o.gt = lower.key; else o.gte = lower.key; }
    if (upper) { if (upper.open) o.lt = upper.key; else o.lte = upper.key; }
    return o;
  }

  #overlayIn(lower: Bound | undefined, upper: Bound | undefined): Uint8Array[] {
    const out: Uint8Array[] = [];
    for (const k of this.#keys.from(lower?.key)) {
      if (!below(k, upper)) break;
      if (above(k, lower)) out.push(k);
    }
    return out;
  }

  /** Entries in [lower, upper] in key order (descending when reverse), overlay applied. */
  async *scan(lower: Bound | undefined, upper: Bound | undefined, reverse = false, keysOnly = false): AsyncGenerator<Entry> {
    const mine = this.#overlayIn(lower, upper);
    if (reverse) mine.reverse();
    const it = this.#kv.scan(this.#scanOptions(lower, upper, reverse, keysOnly));
    const cmp = (a: Uint8Array, b: Uint8Array): number => (reverse ? -compareBytes(a, b) : compareBytes(a, b));
    let m = 0;
    try {
      let e = await it.next();
      for (;;) {
        const ek = e.done ? undefined : e.value.key;
        const ok = mine[m];
        if (ek === undefined && ok === undefined) return;
        if (ok !== undefined && (ek === undefined || cmp(ok, ek) <= 0)) {
          m++;
          if (ek !== undefined && cmp(ok, ek) === 0) e = await it.next();
          const v = this.#vals.get(hex(ok));
          if (v) yield { key: ok, value: v };
          continue;
        }
        const rec = (e as IteratorYieldResult<{ key: Uint8Array; value: Uint8Array }>).value;
        e = await it.next();
        if (!this.#isCleared(rec.key)) yield { key: rec.key, value: rec.value };
      }
    } finally {
      await it.return?.();
    }
  }

  async first(lower: Bound | undefined, upper: Bound | undefined, reverse = false, keysOnly = false): Promise<Entry | undefined> {
    if (this.#untouched(lower, upper)) {
      // Nothing of ours in range: the engine's first record is the answer (no overlay merge).
      const it = this.#kv.scan({ ...this.#scanOptions(lower, upper, reverse, keysOnly), limit: 1 });
      try {
        const e = await it.next();
        return e.done ? undefined : { key: e.value.key, value: e.value.value };
      } finally {
        await it.return?.();
      }
    }
    for await (const e of this.scan(lower, upper, reverse, keysOnly)) return e;
    return undefined;
  }

  /** Neither the overlay nor a cleared range touches [lower, upper]. */
  #untouched(lower: Bound | undefined, upper: Bound | undefined): boolean {
    if (this.#keys.size === 0 && this.#cleared.length === 0) return true;
    for (const k of this.#keys.from(lower?.key)) {
      if (!below(k, upper)) break;
      if (above(k, lower)) return false;
    }
    return this.#cleared.every(([s, e]) => (upper && !below(s, upper)) || (lower && compareBytes(e, lower.key) <= 0));
  }

  async count(lower: Bound | undefined, upper: Bound | undefined): Promise<number> {
    if (this.#untouched(lower, upper)) return this.#kv.count(this.#scanOptions(lower, upper, false, true));
    let n = 0;
    for await (const _ of this.scan(lower, upper, false, true)) n++;
    return n;
  }

  /** The batch: range deletes first, then the overlay in key order. */
  ops(): BatchOp[] {
    const ops: BatchOp[] = this.#cleared.map(([start, end]) => ({ type: 'delRange', start, end }));
    for (const key of this.#keys.from(undefined)) {
      const v = this.#vals.get(hex(key));
      ops.push(v ? { type: 'put', key, ts: TS, value: v, expireAt: NEVER } : { type: 'del', key, ts: TS });
    }
    return ops;
  }
}
