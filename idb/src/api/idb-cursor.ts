/** https://w3c.github.io/IndexedDB/#cursor : engine scans re-seeked from the current position. */
import { requireArgs } from './args.ts';
import { domError } from '../errors.ts';
import { compareBytes, compareKeys } from '../keys/compare.ts';
import { encodeKey } from '../keys/encode.ts';
import { type Key, toKey } from '../keys/key.ts';
import { NOT_A_KEY, NO_VALUE, extractKey } from '../keys/key-path.ts';
import { AFTER_KEY, concat } from '../model/keyspace.ts';
import { type ReadSource, hitOf, prefixOf, sourceBounds, valueOf } from '../model/reads.ts';
import { type KeyBounds, deleteRecords, storeRecord } from '../model/records.ts';
import type { Bound, TxStorage } from '../model/tx-storage.ts';
import { Prefetch } from '../model/prefetch.ts';
import { cloneForStorage } from '../values/clone.ts';
import type { IDBIndex } from './idb-index.ts';
import type { IDBObjectStore } from './idb-object-store.ts';
import type { IDBRequest } from './idb-request.ts';
import { type IDBTransaction, txi } from './idb-transaction.ts';

const FF = new Uint8Array([AFTER_KEY]);

function maxLower(a: Bound, b: Bound): Bound {
  const c = compareBytes(a.key, b.key);
  return c > 0 ? a : c < 0 ? b : { key: a.key, open: a.open || b.open };
}
function minUpper(a: Bound, b: Bound): Bound {
  const c = compareBytes(a.key, b.key);
  return c < 0 ? a : c > 0 ? b : { key: a.key, open: a.open || b.open };
}

interface Target {
  key?: Key;
  primaryKey?: Key;
  count: number;
}

export interface CursorInit {
  tx: IDBTransaction;
  source: IDBObjectStore | IDBIndex;
  src: ReadSource;
  range: KeyBounds | null;
  direction: IDBCursorDirection;
  keysOnly: boolean;
}

export let openCursor: (init: CursorInit) => IDBRequest;

export class IDBCursor {
  #init: CursorInit;
  #request: IDBRequest | undefined;
  #gotValue = false;
  #prefetch = new Prefetch();
  #pos: Uint8Array | undefined;
  #key: Key | undefined;
  #primaryKey: Key | undefined;
  protected cursorValue: unknown;

  static {
    openCursor = (init) => {
      const cursor = init.keysOnly ? new IDBCursor(init) : new IDBCursorWithValue(init);
      cursor.#request = txi.addRequest(init.tx, init.source, (s) => cursor.#iterate(s, { count: 1 }));
      return cursor.#request;
    };
  }

  protected constructor(init: CursorInit) {
    this.#init = init;
  }

  get source(): IDBObjectStore | IDBIndex { return this.#init.source; }
  get direction(): IDBCursorDirection { return this.#init.direction; }
  get key(): Key | undefined { return this.#key; }
  get primaryKey(): Key | undefined { return this.#primaryKey; }
  get request(): IDBRequest { return this.#request as IDBRequest; }

  #forward(): boolean {
    return this.#init.direction === 'next' || this.#init.direction === 'nextunique';
  }

  #unique(): boolean {
    return this.#init.direction === 'nextunique' || this.#init.direction === 'prevunique';
  }

  /** #iterate-a-cursor */
  async #iterate(s: TxStorage, target: Target): Promise<IDBCursor | null> {
    const { src } = this.#init;
    const prefix = prefixOf(src);
    const [lo, hi] = sourceBounds(src, this.#init.range);
    const forward = this.#forward();
    const keysOnly = this.#init.keysOnly && !src.index;
    for (let i = 0; i < target.count; i++) {
      let l = lo;
      let h = hi;
      if (this.#pos && this.#key !== undefined) {
        if (forward) {
          l = maxLower(l, this.#unique() && src.index ? { key: concat(prefix, encodeKey(this.#key), FF), open: false } : { key: this.#pos, open: true });
        } else {
          h = minUpper(h, this.#unique() && src.index ? { key: concat(prefix, encodeKey(this.#key)), open: true } : { key: this.#pos, open: true });
        }
      }
      if (target.key !== undefined) {
        const k = concat(prefix, encodeKey(target.key));
        if (target.primaryKey !== undefined) {
          const kp = concat(k, encodeKey(target.primaryKey));
          if (forward) l = maxLower(l, { key: kp, open: false });
          else h = minUpper(h, { key: kp, open: false });
        } else if (forward) l = maxLower(l, { key: k, open: false });
        else h = minUpper(h, src.index ? { key: concat(k, FF), open: true } : { key: k, open: false });
      }
      let e = await this.#prefetch.first(s, l, h, !forward, keysOnly);
      if (e && !forward && this.#unique() && src.index) {
        // prevunique yields the first (lowest primary key) entry of each index key.
        const ik = hitOf(src, e.key).key;
        e = await s.first(maxLower(lo, { key: concat(prefix, encodeKey(ik)), open: false }), h, false, keysOnly);
      }
      if (!e) {
        this.#pos = undefined;
        this.#key = undefined;
        this.#primaryKey = undefined;
        this.cursorValue = undefined;
        return null;
      }
      this.#pos = e.key;
      const hit = hitOf(src, e.key);
      this.#key = hit.key;
      this.#primaryKey = hit.primaryKey;
      if (i === target.count - 1 && !this.#init.keysOnly) this.cursorValue = await valueOf(s, src, hit, e.value);
    }
    this.#gotValue = true;
    return this;
  }

  #checkUsable(): void {
    txi.checkActive(this.#init.tx);
    if (this.#init.src.ref.store.deleted || this.#init.src.index?.deleted) throw domError('InvalidStateError', 'the source was deleted');
  }

  #requeue(target: Target): void {
    this.#gotValue = false;
    txi.addRequest(this.#init.tx, this.#init.source, (s) => this.#iterate(s, target), this.#request);
  }

  /** https://w3c.github.io/IndexedDB/#dom-idbcursor-advance */
  advance(count: number): void {
    requireArgs(arguments.length, 1, 'advance()');
    const n = Number(count);
    if (!Number.isFinite(n) || Math.trunc(n) < 1 || Math.trunc(n) > 0xffffffff) throw new TypeError('count must be a positive integer');
    this.#checkUsable();
    if (!this.#gotValue) throw domError('InvalidStateError', 'the cursor is being iterated or has reached its end');
    this.#requeue({ count: Math.trunc(n) });
  }

  /** https://w3c.github.io/IndexedDB/#dom-idbcursor-continue */
  continue(key?: unknown): void {
    this.#checkUsable();
    if (!this.#gotValue) throw domError('InvalidStateError', 'the cursor is being iterated or has reached its end');
    if (key === undefined) { this.#requeue({ count: 1 }); return; }
    const k = toKey(key);
    const c = compareKeys(k, this.#key as Key);
    if (this.#forward() ? c <= 0 : c >= 0) throw domError('DataError', 'the key does not move the cursor in its direction');
    this.#requeue({ key: k, count: 1 });
  }

  /** https://w3c.github.io/IndexedDB/#dom-idbcursor-continueprimarykey */
  continuePrimaryKey(key: unknown, primaryKey: unknown): void {
    requireArgs(arguments.length, 2, 'continuePrimaryKey()');
    this.#checkUsable();
    if (!this.#init.src.index) throw domError('InvalidAccessError', 'continuePrimaryKey needs an index cursor');
    if (this.#unique()) throw domError('InvalidAccessError', 'continuePrimaryKey needs direction next or prev');
    if (!this.#gotValue) throw domError('InvalidStateError', 'the cursor is being iterated or has reached its end');
    const k = toKey(key);
    const pk = toKey(primaryKey, 'primary key');
    const c = compareKeys(k, this.#key as Key);
    const cp = compareKeys(pk, this.#primaryKey as Key);
    if (this.#forward() ? c < 0 || (c === 0 && cp <= 0) : c > 0 || (c === 0 && cp >= 0)) {
      throw domError('DataError', 'the key does not move the cursor in its direction');
    }
    this.#requeue({ key: k, primaryKey: pk, count: 1 });
  }

  #checkWritable(): void {
    txi.checkActive(this.#init.tx);
    if (this.#init.tx.mode === 'readonly') throw domError('ReadOnlyError', 'the transaction is read-only');
    if (this.#init.src.ref.store.deleted || this.#init.src.index?.deleted) throw domError('InvalidStateError', 'the source was deleted');
    if (!this.#gotValue || this.#init.keysOnly) throw domError('InvalidStateError', 'the cursor has no value');
  }

  /** https://w3c.github.io/IndexedDB/#dom-idbcursor-update */
  update(value: unknown): IDBRequest {
    requireArgs(arguments.length, 1, 'update()');
    this.#checkWritable();
    const tx = this.#init.tx;
    const stored = txi.whileInactive(tx, () => cloneForStorage(value));
    const clone = stored.clone;
    const ref = this.#init.src.ref;
    const pk = this.#primaryKey as Key;
    if (ref.store.keyPath !== null) {
      const k = extractKey(clone, ref.store.keyPath);
      if (k === NO_VALUE || k === NOT_A_KEY || compareKeys(k, pk) !== 0) throw domError('DataError', "the value's key does not match the cursor's primary key");
    }
    return txi.addRequest(tx, this, (s) => storeRecord(s, ref, stored, pk, false));
  }

  /** https://w3c.github.io/IndexedDB/#dom-idbcursor-delete */
  delete(): IDBRequest {
    this.#checkWritable();
    const pk = this.#primaryKey as Key;
    const ref = this.#init.src.ref;
    return txi.addRequest(this.#init.tx, this, async (s) => {
      await deleteRecords(s, ref, { lower: pk, upper: pk, lowerOpen: false, upperOpen: false });
      return undefined;
    });
  }

  get [Symbol.toStringTag](): string {
    return 'IDBCursor';
  }
}

export class IDBCursorWithValue extends IDBCursor {
  get value(): unknown {
    return this.cursorValue;
  }

  override get [Symbol.toStringTag](): string {
    return 'IDBCursorWithValue';
  }
}
