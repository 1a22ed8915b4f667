/**
 * Opens the document store: its own engine under <dataDir>/documents (same
 * sync mode as the KV engine, so documents never appear in KV scans) with
 * @flowdb/idb's IndexedDB on top.
 */
import { join } from 'node:path';
import { openEngine, type KV } from '@flowdb/engine';
import { createIDBFactory, IDBKeyRange } from '@flowdb/idb';
import { type Config, engineOptions } from '../config.ts';
import { DocumentFeed } from './feed.ts';
import { DocumentStore } from './store.ts';
import type { IdbFactory, IdbKeyRangeStatic } from './idb.ts';

export interface Documents {
  readonly store: DocumentStore;
  readonly engine: KV;
  /** Serving documents: open, and the engine is not read-only after a background error. */
  ready(): boolean;
  /** Closes connections, syncs the WAL, closes the engine. */
  close(): Promise<void>;
}

export async function openDocuments(config: Config): Promise<Documents> {
  const engine = await openEngine(join(config.dataDir, 'documents'), engineOptions(config));
  const always = config.sync.mode === 'always';
  const factory = createIDBFactory({ kv: engine, walSyncedOnWrite: always });
  const store = new DocumentStore(
    { factory: factory as unknown as IdbFactory, keyRange: IDBKeyRange as unknown as IdbKeyRangeStatic },
    new DocumentFeed(config.changeRetention),
    // 'relaxed' skips the per-transaction WAL sync: the engine's sync mode decides, as for KV writes.
    always ? 'default' : 'relaxed',
  );
  let closing: Promise<void> | undefined;
  return {
    store,
    engine,
    ready: () => {
      if (store.closed) return false;
      try {
        return !engine.stats().readOnly;
      } catch {
        return false; // closed under us
      }
    },
    close: () => (closing ??= (async () => {
      await store.close();
      try {
        await engine.syncWal();
      } finally {
        await engine.close();
      }
    })()),
  };
}
