/**
 * `import '@flowdb/idb/auto'`: installs globalThis.indexedDB and the IDB* interfaces, backed by
 * an engine on a fresh temporary directory (FLOWDB_IDB_DIR overrides it; that directory is kept).
 * The engine is closed at beforeExit; a temporary directory is removed at exit.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openEngine } from '@flowdb/engine';
import * as idb from './index.ts';

const given = process.env.FLOWDB_IDB_DIR || undefined;
const dir = given ?? mkdtempSync(join(tmpdir(), 'flowdb-idb-'));
// A throwaway directory needs no fsync; a chosen one gets sync 'always'.
const engine = await openEngine(dir, { sync: given ? { mode: 'always' } : { mode: 'none' } });
const factory = idb.createIDBFactory({ kv: engine, walSyncedOnWrite: true });

const globals: Record<string, unknown> = {
  indexedDB: factory,
  IDBFactory: idb.IDBFactory,
  IDBDatabase: idb.IDBDatabase,
  IDBTransaction: idb.IDBTransaction,
  IDBObjectStore: idb.IDBObjectStore,
  IDBIndex: idb.IDBIndex,
  IDBCursor: idb.IDBCursor,
  IDBCursorWithValue: idb.IDBCursorWithValue,
  IDBRecord: idb.IDBRecord,
  IDBKeyRange: idb.IDBKeyRange,
  IDBRequest: idb.IDBRequest,
  IDBOpenDBRequest: idb.IDBOpenDBRequest,
  IDBVersionChangeEvent: idb.IDBVersionChangeEvent,
};
for (const [name, value] of Object.entries(globals)) {
  Object.defineProperty(globalThis, name, { value, writable: true, configurable: true, enumerable: false });
}

// process.exit() skips beforeExit: the temporary directory is still removed.
if (!given) process.once('exit', () => rmSync(dir, { recursive: true, force: true }));

let closing = false;
process.once('beforeExit', () => {
  if (closing) return;
  closing = true;
  void engine.close().finally(() => {
    if (!given) rmSync(dir, { recursive: true, force: true });
  });
});
