/** @flowdb/idb: the W3C IndexedDB API over @flowdb/engine. See README.md. */
import { IDBFactory, type IDBFactoryOptions } from './api/idb-factory.ts';

export { IDBFactory, type IDBFactoryOptions, type IDBDatabaseInfo } from './api/idb-factory.ts';
export { IDBDatabase, type IDBObjectStoreParameters, type IDBTransactionOptions } from './api/idb-database.ts';
export { IDBTransaction } from './api/idb-transaction.ts';
export { IDBObjectStore, type IDBIndexParameters } from './api/idb-object-store.ts';
export { IDBIndex } from './api/idb-index.ts';
export { IDBCursor, IDBCursorWithValue } from './api/idb-cursor.ts';
export { IDBKeyRange } from './api/idb-key-range.ts';
export { IDBRequest, IDBOpenDBRequest } from './api/idb-request.ts';
export { IDBVersionChangeEvent, type IDBVersionChangeEventInit, setExceptionReporter } from './events.ts';
export type { StringList } from './api/string-list.ts';
export type { Key, KeyPath } from './keys/index.ts';
export { KEYSPACE_VERSION } from './model/keyspace.ts';

/** An IDBFactory over an engine the caller opened (and closes). */
export function createIDBFactory(options: IDBFactoryOptions): IDBFactory {
  return new IDBFactory(options);
}
