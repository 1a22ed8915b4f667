/** https://w3c.github.io/IndexedDB/#index-interface */
import { requireArgs } from './args.ts';
import { domError } from '../errors.ts';
import type { KeyPath } from '../keys/key-path.ts';
import type { IndexSchema } from '../model/catalog.ts';
import { type ReadKind, type ReadSource, type RecordSnapshot, countIn, readAll, readFirst } from '../model/reads.ts';
import type { StoreRef } from '../model/records.ts';
import { openCursor } from './idb-cursor.ts';
import { toKeyRange, toRequiredKeyRange } from './idb-key-range.ts';
import type { IDBObjectStore } from './idb-object-store.ts';
import type { IDBRequest } from './idb-request.ts';
import { frozenNames, txi } from './idb-transaction.ts';
import { deletedError, getAllArgs, toCount, toDirection, toGetAllOptions } from './query-args.ts';
import { IDBRecord } from './idb-record.ts';

export class IDBIndex {
  #store: IDBObjectStore;
  #schema: IndexSchema;
  #ref: StoreRef;
  #keyPathView: KeyPath;

  /** Created by IDBObjectStore.index only. */
  constructor(store: IDBObjectStore, schema: IndexSchema, ref: StoreRef) {
    this.#store = store;
    this.#schema = schema;
    this.#ref = ref;
    this.#keyPathView = Array.isArray(schema.keyPath) ? [...schema.keyPath] : schema.keyPath;
  }

  get #src(): ReadSource {
    return { ref: this.#ref, index: this.#schema };
  }

  get objectStore(): IDBObjectStore { return this.#store; }
  get keyPath(): KeyPath { return this.#keyPathView; }
  get multiEntry(): boolean { return this.#schema.multiEntry; }
  get unique(): boolean { return this.#schema.unique; }
  get name(): string { return frozenNames.get(this) ?? this.#schema.name; }
  /** https://w3c.github.io/IndexedDB/#dom-idbindex-name (rename, versionchange only) */
  set name(value: string) {
    const name = String(value);
    const tx = this.#store.transaction;
    if (tx.mode !== 'versionchange') throw domError('InvalidStateError', 'renaming needs a versionchange transaction');
    if (this.#schema.deleted || this.#ref.store.deleted) throw deletedError('index');
    txi.checkActive(tx);
    if (name === this.#schema.name) return;
    const indexes = this.#ref.store.indexes;
    if (indexes.has(name)) throw domError('ConstraintError', `an index "${name}" already exists`);
    indexes.delete(this.#schema.name);
    this.#schema.name = name;
    indexes.set(name, this.#schema);
  }

  #readable(): void {
    if (this.#schema.deleted || this.#ref.store.deleted) throw deletedError('index');
    txi.checkActive(this.#store.transaction);
  }

  get(query: unknown): IDBRequest {
    requireArgs(arguments.length, 1, 'get()');
    this.#readable();
    const range = toRequiredKeyRange(query);
    const src = this.#src;
    return txi.addRequest(this.#store.transaction, this, (s) => readFirst(s, src, range, 'value'));
  }

  getKey(query: unknown): IDBRequest {
    requireArgs(arguments.length, 1, 'getKey()');
    this.#readable();
    const range = toRequiredKeyRange(query);
    const src = this.#src;
    return txi.addRequest(this.#store.transaction, this, (s) => readFirst(s, src, range, 'primaryKey'));
  }

  getAll(queryOrOptions?: unknown, count?: number): IDBRequest {
    return this.#getAll('value', queryOrOptions, toCount(count));
  }

  getAllKeys(queryOrOptions?: unknown, count?: number): IDBRequest {
    return this.#getAll('primaryKey', queryOrOptions, toCount(count));
  }

  /** https://w3c.github.io/IndexedDB/#dom-idbindex-getallrecords : an Array of IDBRecord. */
  getAllRecords(options?: unknown): IDBRequest {
    const o = toGetAllOptions(options);
    this.#readable();
    const range = toKeyRange(o.query);
    const src = this.#src;
    return txi.addRequest(this.#store.transaction, this, async (s) => {
      const snapshots = await readAll(s, src, range, o.count, 'record', o.direction) as RecordSnapshot[];
      return snapshots.map((r) => new IDBRecord(r));
    });
  }

  /** #create-a-request-to-retrieve-multiple-items for getAll/getAllKeys (count: the converted argument). */
  #getAll(want: ReadKind, queryOrOptions: unknown, count: number): IDBRequest {
    this.#readable();
    const a = getAllArgs(queryOrOptions, count);
    const src = this.#src;
    return txi.addRequest(this.#store.transaction, this, (s) => readAll(s, src, a.range, a.count, want, a.direction));
  }

  count(query?: unknown): IDBRequest {
    this.#readable();
    const range = toKeyRange(query);
    const src = this.#src;
    return txi.addRequest(this.#store.transaction, this, (s) => countIn(s, src, range));
  }

  openCursor(query?: unknown, direction?: IDBCursorDirection): IDBRequest {
    this.#readable();
    const range = toKeyRange(query);
    const dir = toDirection(direction);
    return openCursor({ tx: this.#store.transaction, source: this, src: this.#src, range, direction: dir, keysOnly: false });
  }

  openKeyCursor(query?: unknown, direction?: IDBCursorDirection): IDBRequest {
    this.#readable();
    const range = toKeyRange(query);
    const dir = toDirection(direction);
    return openCursor({ tx: this.#store.transaction, source: this, src: this.#src, range, direction: dir, keysOnly: true });
  }

  get [Symbol.toStringTag](): string {
    return 'IDBIndex';
  }
}
