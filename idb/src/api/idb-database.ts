/** https://w3c.github.io/IndexedDB/#database-interface : a connection. */
import { requireArgs } from './args.ts';
import type { BatchOp, KV } from '@flowdb/engine';
import { domError } from '../errors.ts';
import { IDBEventTarget, dispatchEvent } from '../events.ts';
import { queueTask } from '../scheduling.ts';
import { toKeyPath } from '../keys/key-path.ts';
import type { DatabaseSchema, StoreSchema } from '../model/catalog.ts';
import { dropStore } from '../model/records.ts';
import type { TxScheduler } from '../model/tx-scheduler.ts';
import type { IDBObjectStore } from './idb-object-store.ts';
import { type IDBTransaction, type TxHost, txi } from './idb-transaction.ts';
import { type StringList, stringList } from './string-list.ts';

/** State shared by every connection to one database (owned by the factory). */
export interface DatabaseEntry {
  schema: DatabaseSchema;
  connections: Set<IDBDatabase>;
  scheduler: TxScheduler;
}

export interface ConnectionHost {
  readonly kv: KV;
  readonly walSyncedOnWrite: boolean;
  readonly entry: DatabaseEntry;
  upgradeOps(): BatchOp[];
  storageLost(err: unknown): void;
}

export interface IDBObjectStoreParameters {
  keyPath?: string | string[] | null;
  autoIncrement?: boolean;
}

export interface IDBTransactionOptions {
  durability?: IDBTransactionDurability;
}

export interface DatabaseInternals {
  create(host: ConnectionHost): IDBDatabase;
  /** Creates the versionchange transaction and moves the connection to the new version. */
  startUpgrade(db: IDBDatabase, version: number): IDBTransaction;
  closePending(db: IDBDatabase): boolean;
  /** Resolves once the connection is closed and its transactions have finished. */
  closed(db: IDBDatabase): Promise<void>;
  /** #close-a-database-connection with forced: abort its transactions, then fire close. */
  forceClose(db: IDBDatabase): void;
}
export let dbi: DatabaseInternals;

/** The IDL enum (checked when the argument is converted) and the modes transaction() accepts. */
const MODE_ENUM: readonly string[] = ['readonly', 'readwrite', 'versionchange'];
const MODES: readonly string[] = ['readonly', 'readwrite'];
const DURABILITIES: readonly string[] = ['default', 'strict', 'relaxed'];

export class IDBDatabase extends IDBEventTarget {
  #host: ConnectionHost;
  #version: number;
  #closePending = false;
  #forced = false;
  #closedNames: string[] | undefined;
  #txs = new Set<IDBTransaction>();
  #upgradeTx: IDBTransaction | null = null;
  #closed: Promise<void>;
  #resolveClosed!: () => void;
  #txHost: TxHost;

  static {
    dbi = {
      create: (host) => new IDBDatabase(host),
      startUpgrade: (db, version) => {
        const tx = txi.create(db, db.#txHost, [], 'versionchange', 'default');
        db.#host.entry.schema.version = version;
        db.#version = version;
        db.#upgradeTx = tx;
        db.#txs.add(tx);
        return tx;
      },
      closePending: (db) => db.#closePending,
      closed: (db) => db.#closed,
      forceClose: (db) => {
        if (db.#forced) return;
        db.#forced = true;
        db.close();
        for (const tx of db.#txs) if (!txi.isFinished(tx)) txi.abort(tx, domError('AbortError', 'the connection was closed by force'));
        void db.#closed.then(() => queueTask(() => dispatchEvent(new Event('close'), [db])));
      },
    };
  }

  private constructor(host: ConnectionHost) {
    super();
    this.#host = host;
    this.#version = host.entry.schema.version;
    this.#closed = new Promise((resolve) => { this.#resolveClosed = resolve; });
    const entry = host.entry;
    this.#txHost = {
      kv: host.kv,
      schema: entry.schema,
      scheduler: entry.scheduler,
      walSyncedOnWrite: host.walSyncedOnWrite,
      upgradeOps: () => host.upgradeOps(),
      storageLost: (err) => host.storageLost(err),
      upgradeAborted: (v) => { this.#version = v; },
      // #commit-a-transaction / #abort-a-transaction: the task that fires complete or abort
      // first sets the database's upgrade transaction to null.
      settling: (tx) => {
        if (tx === this.#upgradeTx) this.#upgradeTx = null;
      },
      finished: (tx) => {
        this.#txs.delete(tx);
        if (tx === this.#upgradeTx) this.#upgradeTx = null;
        this.#checkClosed();
      },
    };
  }

  get name(): string { return this.#host.entry.schema.name; }
  get version(): number { return this.#version; }
  get objectStoreNames(): StringList {
    return stringList(this.#closedNames ?? this.#host.entry.schema.stores.keys());
  }
  get onabort(): ((ev: Event) => unknown) | null { return this.getHandler('abort'); }
  set onabort(fn: ((ev: Event) => unknown) | null) { this.setHandler('abort', fn); }
  get onclose(): ((ev: Event) => unknown) | null { return this.getHandler('close'); }
  set onclose(fn: ((ev: Event) => unknown) | null) { this.setHandler('close', fn); }
  get onerror(): ((ev: Event) => unknown) | null { return this.getHandler('error'); }
  set onerror(fn: ((ev: Event) => unknown) | null) { this.setHandler('error', fn); }
  get onversionchange(): ((ev: Event) => unknown) | null { return this.getHandler('versionchange'); }
  set onversionchange(fn: ((ev: Event) => unknown) | null) { this.setHandler('versionchange', fn); }

  /** The upgrade transaction: set until its complete/abort task runs, even once aborted (inactive). */
  #upgrade(): IDBTransaction {
    const tx = this.#upgradeTx;
    if (!tx) throw domError('InvalidStateError', 'this needs a running versionchange transaction');
    return tx;
  }

  /** https://w3c.github.io/IndexedDB/#dom-idbdatabase-createobjectstore */
  createObjectStore(name: string, options: IDBObjectStoreParameters = {}): IDBObjectStore {
    requireArgs(arguments.length, 1, 'createObjectStore()');
    name = String(name);
    const tx = this.#upgrade();
    txi.checkActive(tx);
    const keyPath = toKeyPath(options.keyPath);
    const schema = this.#host.entry.schema;
    if (schema.stores.has(name)) throw domError('ConstraintError', `an object store "${name}" already exists`);
    const autoIncrement = Boolean(options.autoIncrement);
    if (autoIncrement && (keyPath === '' || Array.isArray(keyPath))) {
      throw domError('InvalidAccessError', 'autoIncrement needs a non-empty, non-array key path or none');
    }
    const store: StoreSchema = { id: schema.nextObjectId++, name, keyPath, autoIncrement, indexes: new Map(), deleted: false };
    schema.stores.set(name, store);
    return tx.objectStore(name);
  }

  /** https://w3c.github.io/IndexedDB/#dom-idbdatabase-deleteobjectstore */
  deleteObjectStore(name: string): void {
    requireArgs(arguments.length, 1, 'deleteObjectStore()');
    name = String(name);
    const tx = this.#upgrade();
    txi.checkActive(tx);
    const schema = this.#host.entry.schema;
    const store = schema.stores.get(name);
    if (!store) throw domError('NotFoundError', `no object store "${name}"`);
    schema.stores.delete(name);
    store.deleted = true;
    const indexes = [...store.indexes.values()];
    for (const i of indexes) i.deleted = true;
    txi.forgetStore(tx, store);
    const ref = { dbId: schema.id, store };
    txi.addInternalOp(tx, async (s) => { dropStore(s, ref, indexes); });
  }

  /** https://w3c.github.io/IndexedDB/#dom-idbdatabase-transaction */
  transaction(storeNames: string | Iterable<string>, mode: IDBTransactionMode = 'readonly', options: IDBTransactionOptions = {}): IDBTransaction {
    requireArgs(arguments.length, 1, 'transaction()');
    if (!MODE_ENUM.includes(String(mode))) throw new TypeError(`invalid transaction mode "${String(mode)}"`);
    const durability = options.durability ?? 'default';
    if (!DURABILITIES.includes(String(durability))) throw new TypeError(`invalid durability "${String(durability)}"`);
    if (this.#upgradeTx && !txi.isFinished(this.#upgradeTx)) throw domError('InvalidStateError', 'a versionchange transaction is running');
    if (this.#closePending) throw domError('InvalidStateError', 'the connection is closing');
    const names = typeof storeNames === 'string' ? [storeNames] : [...new Set(Array.from(storeNames, String))];
    for (const n of names) {
      if (!this.#host.entry.schema.stores.has(n)) throw domError('NotFoundError', `no object store "${n}"`);
    }
    if (names.length === 0) throw domError('InvalidAccessError', 'the scope is empty');
    if (!MODES.includes(mode)) throw new TypeError(`a transaction cannot be opened in mode "${mode}"`);
    const tx = txi.create(this, this.#txHost, [...new Set(names)], mode, durability);
    this.#txs.add(tx);
    return tx;
  }

  /** https://w3c.github.io/IndexedDB/#dom-idbdatabase-close */
  close(): void {
    if (this.#closePending) return;
    this.#closePending = true;
    this.#closedNames = [...this.#host.entry.schema.stores.keys()];
    this.#checkClosed();
  }

  #checkClosed(): void {
    if (!this.#closePending || this.#txs.size > 0) return;
    this.#host.entry.connections.delete(this);
    this.#resolveClosed();
  }

  get [Symbol.toStringTag](): string {
    return 'IDBDatabase';
  }
}
