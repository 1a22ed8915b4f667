/** https://w3c.github.io/IndexedDB/#object-store-interface */
import { requireArgs } from './args.ts';
import { domError } from '../errors.ts';
import { type Key, toKeyOrInvalid } from '../keys/key.ts';
import { type KeyPath, NOT_A_KEY, NO_VALUE, canInjectKey, extractKey, toKeyPath } from '../keys/key-path.ts';
import type { IndexSchema, StoreSchema } from '../model/catalog.ts';
import { type ReadKind, type ReadSource, type RecordSnapshot, countIn, readAll, readFirst } from '../model/reads.ts';
import { type StoreRef, backfillIndex, clearStore, deleteRecords, dropIndex, storeRecord } from '../model/records.ts';
import { cloneForStorage } from '../values/clone.ts';
import { openCursor } from './idb-cursor.ts';
import { IDBIndex } from './idb-index.ts';
import { toKeyRange, toRequiredKeyRange } from './idb-key-range.ts';
import type { IDBRequest } from './idb-request.ts';
import { type IDBTransaction, frozenNames, txi } from './idb-transaction.ts';
import { deletedError, getAllArgs, toCount, toDirection, toGetAllOptions } from './query-args.ts';
import { IDBRecord } from './idb-record.ts';
import { type StringList, stringList } from './string-list.ts';

export interface IDBIndexParameters {
  unique?: boolean;
  multiEntry?: boolean;
}

export class IDBObjectStore {
  #tx: IDBTransaction;
  #schema: StoreSchema;
  #indexes = new Map<IndexSchema, IDBIndex>();
  #keyPathView: KeyPath | null;

  /** Created by IDBTransaction.objectStore only. */
  constructor(tx: IDBTransaction, schema: StoreSchema) {
    this.#tx = tx;
    this.#schema = schema;
    this.#keyPathView = Array.isArray(schema.keyPath) ? [...schema.keyPath] : schema.keyPath;
  }

  get #ref(): StoreRef {
    return { dbId: txi.host(this.#tx).schema.id, store: this.#schema };
  }
  /** For a write request: the indexes as they are now (see StoreRef.indexes). */
  get #writeRef(): StoreRef {
    return { dbId: txi.host(this.#tx).schema.id, store: this.#schema, indexes: [...this.#schema.indexes.values()] };
  }
  get #src(): ReadSource {
    return { ref: this.#ref, index: undefined };
  }

  get name(): string { return frozenNames.get(this) ?? this.#schema.name; }
  /** https://w3c.github.io/IndexedDB/#dom-idbobjectstore-name (rename, versionchange only) */
  set name(value: string) {
    const name = String(value);
    if (this.#tx.mode !== 'versionchange') throw domError('InvalidStateError', 'renaming needs a versionchange transaction');
    if (this.#schema.deleted) throw deletedError('object store');
    txi.checkActive(this.#tx);
    if (name === this.#schema.name) return;
    const stores = txi.host(this.#tx).schema.stores;
    if (stores.has(name)) throw domError('ConstraintError', `an object store "${name}" already exists`);
    stores.delete(this.#schema.name);
    this.#schema.name = name;
    stores.set(name, this.#schema);
  }
  get keyPath(): KeyPath | null { return this.#keyPathView; }
  get indexNames(): StringList { return stringList(this.#schema.indexes.keys()); }
  get transaction(): IDBTransaction { return this.#tx; }
  get autoIncrement(): boolean { return this.#schema.autoIncrement; }

  #readable(): void {
    if (this.#schema.deleted) throw deletedError('object store');
    txi.checkActive(this.#tx);
  }

  #writable(): void {
    this.#readable();
    if (this.#tx.mode === 'readonly') throw domError('ReadOnlyError', 'the transaction is read-only');
  }

  /** #add-or-put */
  #addOrPut(value: unknown, key: unknown, noOverwrite: boolean): IDBRequest {
    this.#writable();
    const s = this.#schema;
    if (s.keyPath !== null && key !== undefined) throw domError('DataError', 'the store uses in-line keys; no key argument is allowed');
    if (s.keyPath === null && !s.autoIncrement && key === undefined) throw domError('DataError', 'the store uses out-of-line keys and has no key generator: a key is required');
    let k: Key | undefined;
    if (key !== undefined) {
      k = toKeyOrInvalid(key);
      if (k === undefined) throw domError('DataError', 'the key is not a valid key');
    }
    const stored = txi.whileInactive(this.#tx, () => cloneForStorage(value));
    const clone = stored.clone;
    if (s.keyPath !== null) {
      const kpk = extractKey(clone, s.keyPath);
      if (kpk === NOT_A_KEY) throw domError('DataError', 'the key path yields an invalid key');
      if (kpk === NO_VALUE) {
        if (!s.autoIncrement) throw domError('DataError', 'the key path yields no value');
        if (!canInjectKey(clone, s.keyPath as string)) throw domError('DataError', 'the generated key cannot be injected into the value');
      } else k = kpk;
    }
    const ref = this.#writeRef;
    return txi.addRequest(this.#tx, this, (st) => storeRecord(st, ref, stored, k, noOverwrite));
  }

  put(value: unknown, key?: unknown): IDBRequest {
    requireArgs(arguments.length, 1, 'put()');
    return this.#addOrPut(value, key, false);
  }

  add(value: unknown, key?: unknown): IDBRequest {
    requireArgs(arguments.length, 1, 'add()');
    return this.#addOrPut(value, key, true);
  }

  delete(query: unknown): IDBRequest {
    requireArgs(arguments.length, 1, 'delete()');
    this.#writable();
    const range = toRequiredKeyRange(query);
    const ref = this.#writeRef;
    return txi.addRequest(this.#tx, this, async (st) => { await deleteRecords(st, ref, range); return undefined; });
  }

  clear(): IDBRequest {
    this.#writable();
    const ref = this.#writeRef;
    return txi.addRequest(this.#tx, this, async (st) => { clearStore(st, ref); return undefined; });
  }

  get(query: unknown): IDBRequest {
    requireArgs(arguments.length, 1, 'get()');
    this.#readable();
    const range = toRequiredKeyRange(query);
    const src = this.#src;
    return txi.addRequest(this.#tx, this, (st) => readFirst(st, src, range, 'value'));
  }

  getKey(query: unknown): IDBRequest {
    requireArgs(arguments.length, 1, 'getKey()');
    this.#readable();
    const range = toRequiredKeyRange(query);
    const src = this.#src;
    return txi.addRequest(this.#tx, this, (st) => readFirst(st, src, range, 'primaryKey'));
  }

  getAll(queryOrOptions?: unknown, count?: number): IDBRequest {
    return this.#getAll('value', queryOrOptions, toCount(count));
  }

  getAllKeys(queryOrOptions?: unknown, count?: number): IDBRequest {
    return this.#getAll('primaryKey', queryOrOptions, toCount(count));
  }

  /** https://w3c.github.io/IndexedDB/#dom-idbobjectstore-getallrecords : an Array of IDBRecord. */
  getAllRecords(options?: unknown): IDBRequest {
    const o = toGetAllOptions(options);
    this.#readable();
    const range = toKeyRange(o.query);
    const src = this.#src;
    return txi.addRequest(this.#tx, this, async (st) => {
      const snapshots = await readAll(st, src, range, o.count, 'record', o.direction) as RecordSnapshot[];
      return snapshots.map((r) => new IDBRecord(r));
    });
  }

  /** #create-a-request-to-retrieve-multiple-items for getAll/getAllKeys (count: the converted argument). */
  #getAll(want: ReadKind, queryOrOptions: unknown, count: number): IDBRequest {
    this.#readable();
    const a = getAllArgs(queryOrOptions, count);
    const src = this.#src;
    return txi.addRequest(this.#tx, this, (st) => readAll(st, src, a.range, a.count, want, a.direction));
  }

  count(query?: unknown): IDBRequest {
    this.#readable();
    const range = toKeyRange(query);
    const src = this.#src;
    return txi.addRequest(this.#tx, this, (st) => countIn(st, src, range));
  }

  openCursor(query?: unknown, direction?: IDBCursorDirection): IDBRequest {
    this.#readable();
    const range = toKeyRange(query);
    const dir = toDirection(direction);
    return openCursor({ tx: this.#tx, source: this, src: this.#src, range, direction: dir, keysOnly: false });
  }

  openKeyCursor(query?: unknown, direction?: IDBCursorDirection): IDBRequest {
    this.#readable();
    const range = toKeyRange(query);
    const dir = toDirection(direction);
    return openCursor({ tx: this.#tx, source: this, src: this.#src, range, direction: dir, keysOnly: true });
  }

  /** https://w3c.github.io/IndexedDB/#dom-idbobjectstore-index */
  index(name: string): IDBIndex {
    requireArgs(arguments.length, 1, 'index()');
    if (this.#schema.deleted) throw deletedError('object store');
    if (txi.isFinished(this.#tx)) throw domError('InvalidStateError', 'the transaction has finished');
    const schema = this.#schema.indexes.get(String(name));
    if (!schema) throw domError('NotFoundError', `no index "${String(name)}"`);
    let index = this.#indexes.get(schema);
    if (!index) {
      index = new IDBIndex(this, schema, this.#src.ref);
      this.#indexes.set(schema, index);
      txi.noteHandle(this.#tx, index, schema);
    }
    return index;
  }

  /** https://w3c.github.io/IndexedDB/#dom-idbobjectstore-createindex */
  createIndex(name: string, keyPath: string | string[], options: IDBIndexParameters = {}): IDBIndex {
    requireArgs(arguments.length, 2, 'createIndex()');
    name = String(name);
    if (this.#tx.mode !== 'versionchange') throw domError('InvalidStateError', 'createIndex needs a versionchange transaction');
    if (this.#schema.deleted) throw deletedError('object store');
    txi.checkActive(this.#tx);
    if (this.#schema.indexes.has(name)) throw domError('ConstraintError', `an index "${name}" already exists`);
    const kp = toKeyPath(keyPath);
    if (kp === null) throw domError('SyntaxError', 'invalid key path');
    const unique = Boolean(options.unique);
    const multiEntry = Boolean(options.multiEntry);
    if (Array.isArray(kp) && multiEntry) throw domError('InvalidAccessError', 'a multiEntry index cannot have an array key path');
    const db = txi.host(this.#tx).schema;
    const schema: IndexSchema = { id: db.nextObjectId++, name, keyPath: kp, unique, multiEntry, deleted: false };
    this.#schema.indexes.set(name, schema);
    const ref = this.#ref;
    txi.addInternalOp(this.#tx, (st) => backfillIndex(st, ref, schema));
    return this.index(name);
  }

  /** https://w3c.github.io/IndexedDB/#dom-idbobjectstore-deleteindex */
  deleteIndex(name: string): void {
    requireArgs(arguments.length, 1, 'deleteIndex()');
    name = String(name);
    if (this.#tx.mode !== 'versionchange') throw domError('InvalidStateError', 'deleteIndex needs a versionchange transaction');
    if (this.#schema.deleted) throw deletedError('object store');
    txi.checkActive(this.#tx);
    const schema = this.#schema.indexes.get(name);
    if (!schema) throw domError('NotFoundError', `no index "${name}"`);
    this.#schema.indexes.delete(name);
    schema.deleted = true;
    this.#indexes.delete(schema);
    const dbId = this.#ref.dbId;
    txi.addInternalOp(this.#tx, async (st) => { dropIndex(st, dbId, schema); });
  }

  get [Symbol.toStringTag](): string {
    return 'IDBObjectStore';
  }
}
