/**
 * https://w3c.github.io/IndexedDB/#factory-interface : open (with upgrades, versionchange and
 * blocked), deleteDatabase, databases, cmp. Requests for one database name run one at a time.
 */
import { requireArgs } from './args.ts';
import type { BatchOp, KV } from '@flowdb/engine';
import { domError, fromEngineError } from '../errors.ts';
import { IDBVersionChangeEvent, dispatchEvent } from '../events.ts';
import { compareKeys } from '../keys/compare.ts';
import { encodeKey } from '../keys/encode.ts';
import { toKey } from '../keys/key.ts';
import {
  checkKeyspaceVersion, databaseRecord, jsonBytes, listDatabases, loadDatabase, readNextDbId, storeRecord,
} from '../model/catalog.ts';
import {
  CAT_KEYGEN, CAT_STORE, KEYSPACE_VERSION, NEVER, TS, catalogKey, databaseKey, dataPrefix, nextDbIdKey, prefixEnd, versionKey,
} from '../model/keyspace.ts';
import { TxScheduler } from '../model/tx-scheduler.ts';
import { afterMicrotasks, nextTask, queueTask } from '../scheduling.ts';
import { type DatabaseEntry, type IDBDatabase, dbi } from './idb-database.ts';
import { IDBOpenDBRequest, settleRequest, setRequestTransaction } from './idb-request.ts';
import { txi } from './idb-transaction.ts';

export interface IDBFactoryOptions {
  kv: KV;
  /**
   * The engine was opened with sync 'always', so every write is fsynced: 'strict' transactions
   * then skip the extra syncWal(). Default false (strict and default durability call syncWal()).
   */
  walSyncedOnWrite?: boolean;
}

export interface IDBDatabaseInfo {
  name: string;
  version: number;
}

/** [EnforceRange] unsigned long long, and not 0. */
function toVersion(v: unknown): number {
  const n = Number(v);
  if (!Number.isFinite(n)) throw new TypeError('version must be a finite number');
  const t = Math.trunc(n);
  if (t < 1 || t > Number.MAX_SAFE_INTEGER) throw new TypeError('version must be an integer in [1, 2^53-1]');
  return t;
}

function fire(target: IDBOpenDBRequest, event: Event): void {
  dispatchEvent(event, [target]);
}

function task(fn: () => void): Promise<void> {
  return new Promise((resolve) => queueTask(() => { fn(); resolve(); }));
}

/**
 * Per-engine state: factories over one KV share open databases, request queues, transaction
 * scheduling and id allocation, so they cannot hand out one database id twice.
 */
interface SharedState {
  entries: Map<string, DatabaseEntry>;
  queues: Map<string, Promise<void>>;
  nextDbId: number | undefined;
  nextDbIdLoaded: Promise<void> | undefined;
  versionChecked: Promise<void> | undefined;
}
const SHARED = new WeakMap<KV, SharedState>();

export class IDBFactory {
  #kv: KV;
  #walSynced: boolean;
  #shared: SharedState;

  constructor(options: IDBFactoryOptions) {
    this.#kv = options.kv;
    let shared = SHARED.get(options.kv);
    if (!shared) {
      shared = { entries: new Map(), queues: new Map(), nextDbId: undefined, nextDbIdLoaded: undefined, versionChecked: undefined };
      SHARED.set(options.kv, shared);
    }
    this.#shared = shared;
    this.#walSynced = options.walSyncedOnWrite ?? false;
  }

  /** Ids are handed out one at a time, also to databases created concurrently. */
  async #allocDbId(): Promise<number> {
    this.#shared.nextDbIdLoaded ??= readNextDbId(this.#kv).then((n) => { this.#shared.nextDbId = n; });
    await this.#shared.nextDbIdLoaded;
    const id = this.#shared.nextDbId as number;
    this.#shared.nextDbId = id + 1;
    return id;
  }

  #enqueue(name: string, fn: () => Promise<void>): void {
    const prev = this.#shared.queues.get(name) ?? Promise.resolve();
    const next = prev.then(fn, fn).catch(() => undefined);
    this.#shared.queues.set(name, next);
  }

  async #entry(name: string): Promise<DatabaseEntry | undefined> {
    const cached = this.#shared.entries.get(name);
    if (cached) return cached;
    const schema = await loadDatabase(this.#kv, name);
    if (!schema) return undefined;
    const entry: DatabaseEntry = { schema, connections: new Set(), scheduler: new TxScheduler() };
    this.#shared.entries.set(name, entry);
    return entry;
  }

  #upgradeOps(entry: DatabaseEntry): BatchOp[] {
    const s = entry.schema;
    const storeDefs = catalogKey(CAT_STORE, s.id);
    const ops: BatchOp[] = [
      { type: 'delRange', start: storeDefs, end: prefixEnd(storeDefs) },
      { type: 'put', key: databaseKey(encodeKey(s.name)), ts: TS, value: databaseRecord(s), expireAt: NEVER },
      { type: 'put', key: nextDbIdKey(), ts: TS, value: jsonBytes(this.#shared.nextDbId ?? s.id + 1), expireAt: NEVER },
      { type: 'put', key: versionKey(), ts: TS, value: jsonBytes(KEYSPACE_VERSION), expireAt: NEVER },
    ];
    for (const store of s.stores.values()) {
      ops.push({ type: 'put', key: catalogKey(CAT_STORE, s.id, store.id), ts: TS, value: storeRecord(store), expireAt: NEVER });
    }
    return ops;
  }

  #connect(entry: DatabaseEntry): IDBDatabase {
    const db = dbi.create({
      kv: this.#kv, walSyncedOnWrite: this.#walSynced, entry,
      upgradeOps: () => this.#upgradeOps(entry),
      storageLost: () => this.#storageLost(),
    });
    entry.connections.add(db);
    return db;
  }

  /** The engine is unusable: every open connection is closed by force (they get a close event). */
  #storageLost(): void {
    for (const entry of this.#shared.entries.values()) {
      for (const c of [...entry.connections]) dbi.forceClose(c);
    }
  }

  /** Fires versionchange at the other connections, then blocked, then waits for them to close. */
  async #waitForOthers(entry: DatabaseEntry, self: IDBDatabase | null, request: IDBOpenDBRequest, oldVersion: number, newVersion: number | null): Promise<void> {
    const others = [...entry.connections].filter((c) => c !== self);
    for (const c of others) {
      await task(() => {
        if (!dbi.closePending(c)) dispatchEvent(new IDBVersionChangeEvent('versionchange', { oldVersion, newVersion }), [c]);
      });
    }
    if (others.some((c) => !dbi.closePending(c))) {
      await task(() => fire(request, new IDBVersionChangeEvent('blocked', { oldVersion, newVersion })));
    }
    await Promise.all(others.map((c) => dbi.closed(c)));
  }

  /** https://w3c.github.io/IndexedDB/#dom-idbfactory-open */
  open(name: string, version?: number): IDBOpenDBRequest {
    requireArgs(arguments.length, 1, 'open()');
    name = String(name);
    const requested = version === undefined ? undefined : toVersion(version);
    const request = new IDBOpenDBRequest(null, null);
    this.#enqueue(name, () => this.#open(name, requested, request).catch((err: unknown) => {
      settleRequest(request, { error: fromEngineError(err) });
      fire(request, new Event('error', { bubbles: true, cancelable: true }));
    }));
    return request;
  }

  async #open(name: string, requested: number | undefined, request: IDBOpenDBRequest): Promise<void> {
    this.#shared.versionChecked ??= checkKeyspaceVersion(this.#kv);
    await this.#shared.versionChecked;
    let entry = await this.#entry(name);
    const version = requested ?? entry?.schema.version ?? 1;
    if (entry && entry.schema.version > version) {
      return task(() => {
        settleRequest(request, { error: domError('VersionError', `the database is at version ${entry?.schema.version}, above ${version}`) });
        fire(request, new Event('error', { bubbles: true, cancelable: true }));
      });
    }
    const isNew = !entry;
    if (!entry) {
      const id = await this.#allocDbId();
      entry = { schema: { id, name, version: 0, nextObjectId: 1, stores: new Map() }, connections: new Set(), scheduler: new TxScheduler() };
      this.#shared.entries.set(name, entry);
    }
    const db = this.#connect(entry);
    const oldVersion = entry.schema.version;
    let releaseHold: (() => void) | undefined;
    if (version > oldVersion) {
      await this.#waitForOthers(entry, db, request, oldVersion, version);
      let tx!: ReturnType<typeof dbi.startUpgrade>;
      await task(() => {
        tx = dbi.startUpgrade(db, version);
        setRequestTransaction(request, tx);
        settleRequest(request, { result: db });
        const r = dispatchEvent(new IDBVersionChangeEvent('upgradeneeded', { oldVersion, newVersion: version }), [request]);
        if (r.threw) txi.abort(tx, domError('AbortError', 'an upgradeneeded listener threw'));
      });
      const outcome = await txi.outcome(tx);
      releaseHold = () => txi.releaseUpgradeHold(tx);
      // The task that fires complete/abort then sets the request's transaction to null: once the
      // handlers' microtasks have run, before any later task (a setTimeout(0) there sees null).
      await new Promise<void>((resolve) => afterMicrotasks(resolve));
      setRequestTransaction(request, null);
      await nextTask();
      if (outcome === 'aborted' || dbi.closePending(db)) {
        if (outcome === 'aborted') {
          db.close();
          if (isNew && this.#shared.entries.get(name) === entry) this.#shared.entries.delete(name);
        }
        settleRequest(request, { error: domError('AbortError', 'the upgrade was aborted or the connection closed') });
        try {
          fire(request, new Event('error', { bubbles: true, cancelable: true }));
        } finally {
          releaseHold();
        }
        return;
      }
    }
    await task(() => {
      settleRequest(request, { result: db });
      try {
        fire(request, new Event('success'));
      } finally {
        releaseHold?.();
      }
    });
  }

  /** https://w3c.github.io/IndexedDB/#dom-idbfactory-deletedatabase */
  deleteDatabase(name: string): IDBOpenDBRequest {
    requireArgs(arguments.length, 1, 'deleteDatabase()');
    name = String(name);
    const request = new IDBOpenDBRequest(null, null);
    this.#enqueue(name, () => this.#delete(name, request).catch((err: unknown) => {
      settleRequest(request, { error: fromEngineError(err) });
      fire(request, new Event('error', { bubbles: true, cancelable: true }));
    }));
    return request;
  }

  async #delete(name: string, request: IDBOpenDBRequest): Promise<void> {
    const entry = await this.#entry(name);
    const oldVersion = entry?.schema.version ?? 0;
    if (entry) {
      await this.#waitForOthers(entry, null, request, oldVersion, null);
      const id = entry.schema.id;
      const ranges = [catalogKey(CAT_STORE, id), catalogKey(CAT_KEYGEN, id), dataPrefix(id)];
      await this.#kv.write([
        { type: 'del', key: databaseKey(encodeKey(name)), ts: TS },
        ...ranges.map((p): BatchOp => ({ type: 'delRange', start: p, end: prefixEnd(p) })),
      ]);
      if (!this.#walSynced) await this.#kv.syncWal();
      this.#shared.entries.delete(name);
    }
    await task(() => {
      settleRequest(request, { result: undefined });
      fire(request, new IDBVersionChangeEvent('success', { oldVersion, newVersion: null }));
    });
  }

  /** https://w3c.github.io/IndexedDB/#dom-idbfactory-databases */
  async databases(): Promise<IDBDatabaseInfo[]> {
    return listDatabases(this.#kv);
  }

  /** https://w3c.github.io/IndexedDB/#dom-idbfactory-cmp */
  cmp(first: unknown, second: unknown): number {
    requireArgs(arguments.length, 2, 'cmp()');
    return compareKeys(toKey(first), toKey(second));
  }

  get [Symbol.toStringTag](): string {
    return 'IDBFactory';
  }
}
