/** Test helpers: an engine on MemFS, a factory over it, and promise wrappers for requests. */
import { type Engine, type OpenOptions, openEngine } from '@flowdb/engine';
import { MemFS } from '@flowdb/engine/vfs';
import { createIDBFactory, type IDBDatabase, type IDBFactory, type IDBRequest, type IDBTransaction } from '../src/index.ts';

export interface Harness {
  fs: MemFS;
  engine: Engine;
  factory: IDBFactory;
  /** Closes the engine and opens a new one (and factory) over the same MemFS. */
  reopen(): Promise<void>;
  close(): Promise<void>;
}

export async function harness(opts: OpenOptions = {}): Promise<Harness> {
  const fs = opts.fs instanceof MemFS ? opts.fs : new MemFS();
  const o: OpenOptions = { sync: { mode: 'always' }, ...opts, fs };
  const h: Harness = {
    fs,
    engine: await openEngine('/db', o),
    factory: undefined as unknown as IDBFactory,
    async reopen() {
      await h.engine.close();
      h.engine = await openEngine('/db', o);
      h.factory = createIDBFactory({ kv: h.engine, walSyncedOnWrite: true });
    },
    async close() {
      await h.engine.close();
    },
  };
  h.factory = createIDBFactory({ kv: h.engine, walSyncedOnWrite: true });
  return h;
}

export function result<T = unknown>(r: IDBRequest): Promise<T> {
  return new Promise((resolve, reject) => {
    r.addEventListener('success', () => resolve(r.result as T));
    r.addEventListener('error', (e) => { e.preventDefault(); reject(r.error); });
  });
}

export function done(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.addEventListener('complete', () => resolve());
    tx.addEventListener('abort', () => reject(tx.error ?? new Error('aborted')));
  });
}

/** Opens `name` at `version`, running `upgrade` in upgradeneeded. */
export function open(f: IDBFactory, name: string, version?: number, upgrade?: (db: IDBDatabase, tx: IDBTransaction, ev: Event) => void): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const r = version === undefined ? f.open(name) : f.open(name, version);
    r.onupgradeneeded = (ev) => upgrade?.(r.result as IDBDatabase, r.transaction as IDBTransaction, ev);
    r.onsuccess = () => resolve(r.result as IDBDatabase);
    r.onerror = () => reject(r.error);
  });
}

export function isDomError(name: string): (e: unknown) => boolean {
  return (e: unknown) => e instanceof DOMException && e.name === name;
}
