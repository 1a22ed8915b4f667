/**
 * DocumentStore: IndexedDB connections per database (cached, closed on
 * versionchange), schema changes serialized per database, and the write path
 * that feeds WatchDocuments.
 */
import { Code, ConnectError } from '@connectrpc/connect';
import type { StoreSchema } from '../gen/flowdb/v1/document_pb.ts';
import { shuttingDown } from '../errors.ts';
import { DocumentFeed, type NewChange } from './feed.ts';
import { notFound, toDocError } from './errors.ts';
import { applyPlan, describe, plan, planIsEmpty, type DatabaseSchemaInit } from './schema.ts';
import { committed, done, type IdbBackend, type IdbDatabase, type IdbKey, type IdbStore, type IdbTransaction, type Query } from './idb.ts';

export type WriteOp =
  | { type: 'put' | 'add'; store: string; doc: unknown; key: IdbKey | undefined; bytes: number }
  /** query null: every record (one change per key, unlike clear). */
  | { type: 'delete'; store: string; query: Query | null }
  | { type: 'clear'; store: string };

export interface WriteResult {
  results: { key?: unknown; deleted?: number }[];
  /** Last feed seq of the transaction; 0 when it changed nothing. */
  seq: number;
}

/** Sets value at a dotted key path, creating objects on the way (IndexedDB key injection). */
function inject(doc: unknown, path: string, key: unknown): unknown {
  const out = structuredClone(doc) as { [k: string]: unknown };
  const parts = path.split('.');
  let o = out;
  for (const p of parts.slice(0, -1)) o = (o[p] ??= {}) as { [k: string]: unknown };
  o[parts[parts.length - 1] as string] = key;
  return out;
}

export class DocumentStore {
  readonly backend: IdbBackend;
  readonly feed: DocumentFeed;
  #conns = new Map<string, Promise<IdbDatabase>>();
  #schemaTail: Promise<unknown> = Promise.resolve();
  #closed = false;
  readonly #durability: 'default' | 'relaxed';

  /** durability: of readwrite transactions ('relaxed': leave WAL syncing to the engine's sync mode). */
  constructor(backend: IdbBackend, feed: DocumentFeed, durability: 'default' | 'relaxed' = 'default') {
    this.backend = backend;
    this.feed = feed;
    this.#durability = durability;
  }

  get closed(): boolean {
    return this.#closed;
  }

  cmp(a: unknown, b: unknown): number {
    return this.backend.factory.cmp(a, b);
  }

  /**
   * Runs fn after every earlier schema change (one at a time across all
   * databases: schema changes are rare, and @flowdb/idb must not create two
   * databases at once, its BUG-3).
   */
  #serialize<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#schemaTail.then(fn, fn);
    this.#schemaTail = run.catch(() => undefined);
    return run;
  }

  #track(database: string, db: IdbDatabase): IdbDatabase {
    db.onversionchange = () => {
      db.close();
      this.#conns.delete(database);
    };
    return db;
  }

  /** Opens an existing database (NOT_FOUND if it does not exist) or with a new version (upgrade runs). */
  #open(database: string, version?: number, upgrade?: (db: IdbDatabase, tx: IdbTransaction) => void): Promise<IdbDatabase> {
    return new Promise((resolve, reject) => {
      const req = version === undefined ? this.backend.factory.open(database) : this.backend.factory.open(database, version);
      let failure: unknown;
      req.onupgradeneeded = () => {
        const tx = req.transaction as IdbTransaction;
        if (upgrade === undefined) {
          failure = notFound(`database "${database}"`, { database });
          tx.abort();
          return;
        }
        try {
          upgrade(req.result, tx);
        } catch (e) {
          failure = e;
          tx.abort();
        }
      };
      req.onsuccess = () => resolve(this.#track(database, req.result));
      req.onerror = (ev) => {
        ev.preventDefault();
        reject(failure ?? req.error);
      };
    });
  }

  /** The cached connection to an existing database. */
  connection(database: string): Promise<IdbDatabase> {
    if (this.#closed) return Promise.reject(shuttingDown());
    let p = this.#conns.get(database);
    if (p === undefined) {
      p = this.#open(database);
      this.#conns.set(database, p);
      p.catch(() => this.#conns.delete(database));
    }
    return p;
  }

  /** A transaction over stores that must exist; retries once when a versionchange closed the connection. */
  async transaction(database: string, stores: string[], mode: 'readonly' | 'readwrite'): Promise<IdbTransaction> {
    for (let attempt = 0; ; attempt++) {
      const db = await this.connection(database);
      for (const s of stores) if (!db.objectStoreNames.contains(s)) throw notFound(`store "${s}" of database "${database}"`, { database, store: s });
      try {
        return mode === 'readonly' ? db.transaction([...new Set(stores)], mode) : db.transaction([...new Set(stores)], mode, { durability: this.#durability });
      } catch (e) {
        if ((e as { name?: unknown }).name !== 'InvalidStateError' || attempt >= 2) throw e;
        this.#conns.delete(database);
      }
    }
  }

  /** Index lookup with a NOT_FOUND naming it. */
  static index(database: string, store: IdbStore, index: string) {
    if (!store.indexNames.contains(index)) throw notFound(`index "${index}" of store "${store.name}"`, { database, store: store.name, index });
    return store.index(index);
  }

  applySchema(database: string, stores: StoreSchema[], deleteStores: string[]): Promise<{ schema: DatabaseSchemaInit; changed: boolean }> {
    return this.#serialize(async () => {
      let db: IdbDatabase | undefined;
      try {
        db = await this.connection(database);
      } catch (e) {
        if (!(e instanceof ConnectError) || e.code !== Code.NotFound) throw e;
      }
      const p = plan(db, stores, deleteStores);
      if (db !== undefined && planIsEmpty(p)) return { schema: describe(db), changed: false };
      const version = (db?.version ?? 0) + 1;
      db?.close();
      this.#conns.delete(database);
      const next = this.#open(database, version, (ndb, tx) => applyPlan(ndb, tx, p));
      this.#conns.set(database, next);
      next.catch(() => this.#conns.delete(database));
      return { schema: describe(await next), changed: true };
    });
  }

  async listDatabases(): Promise<{ name: string; version: number }[]> {
    const all = await this.backend.factory.databases();
    return all
      .filter((d): d is { name: string; version: number } => typeof d.name === 'string')
      .map((d) => ({ name: d.name, version: d.version ?? 0 }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  deleteDatabase(database: string): Promise<void> {
    return this.#serialize(async () => {
      const cached = this.#conns.get(database);
      this.#conns.delete(database);
      if (cached !== undefined) (await cached.catch(() => undefined))?.close();
      await done(this.backend.factory.deleteDatabase(database));
    });
  }

  /**
   * Applies ops in one readwrite transaction, all or nothing, and records
   * the changes in the feed. Failures carry metadata op_index when opIndex.
   */
  async write(database: string, ops: WriteOp[], opIndex: boolean): Promise<WriteResult> {
    const tx = await this.transaction(database, ops.map((o) => o.store), 'readwrite');
    const results: WriteResult['results'] = ops.map(() => ({}));
    const changes: NewChange[][] = ops.map(() => []);
    let failed: { err: unknown; i: number } | undefined;
    const fail = (err: unknown, i: number) => (failed ??= { err, i });
    const commit = committed(tx);
    ops.forEach((op, i) => {
      if (failed !== undefined) return;
      const store = tx.objectStore(op.store);
      try {
        if (op.type === 'put' || op.type === 'add') {
          const req = op.key === undefined ? store[op.type](op.doc) : store[op.type](op.doc, op.key);
          req.onsuccess = () => {
            const key = req.result;
            results[i] = { key };
            const kp = store.keyPath;
            const doc = store.autoIncrement && typeof kp === 'string' && op.key === undefined ? inject(op.doc, kp, key) : op.doc;
            changes[i] = [{ kind: 'put', database, store: op.store, key, doc, bytes: op.bytes }];
          };
          req.onerror = () => fail(req.error, i);
        } else if (op.type === 'delete') {
          const keys = store.getAllKeys(op.query);
          keys.onsuccess = () => {
            results[i] = { deleted: keys.result.length };
            changes[i] = keys.result.map((key) => ({ kind: 'delete', database, store: op.store, key, doc: undefined, bytes: 16 }));
          };
          const del = op.query === null ? store.clear() : store.delete(op.query);
          del.onerror = () => fail(del.error, i);
        } else {
          const n = store.count();
          n.onsuccess = () => (results[i] = { deleted: n.result });
          const clr = store.clear();
          clr.onsuccess = () => (changes[i] = [{ kind: 'clear', database, store: op.store, key: undefined, doc: undefined, bytes: 16 }]);
          clr.onerror = () => fail(clr.error, i);
        }
      } catch (e) {
        fail(e, i);
        tx.abort();
      }
    });
    try {
      await commit;
    } catch (e) {
      const f = failed ?? { err: e, i: -1 };
      throw toDocError(f.err, opIndex && f.i >= 0 ? { op_index: String(f.i) } : {});
    }
    const seq = this.feed.append(changes.flat());
    return { results, seq: changes.some((c) => c.length > 0) ? seq : 0 };
  }

  /** Closes every connection; later calls fail with UNAVAILABLE (SHUTTING_DOWN). */
  async close(): Promise<void> {
    this.#closed = true;
    const conns = [...this.#conns.values()];
    this.#conns.clear();
    for (const c of conns) (await c.catch(() => undefined))?.close();
  }
}
