/** @flowdb/idb: the W3C IndexedDB API over @flowdb/engine. See README.md. */
import { IDBFactory, type IDBFactoryOptions } from './api/idb-factory.ts';
import { pipelineFor } from './model/commit-pipeline.ts';

export { IDBFactory, type IDBFactoryOptions, type IDBDatabaseInfo } from './api/idb-factory.ts';
export { IDBDatabase, type IDBObjectStoreParameters, type IDBTransactionOptions } from './api/idb-database.ts';
export { IDBTransaction } from './api/idb-transaction.ts';
export { IDBObjectStore, type IDBIndexParameters } from './api/idb-object-store.ts';
export { IDBIndex } from './api/idb-index.ts';
export { IDBCursor, IDBCursorWithValue } from './api/idb-cursor.ts';
export { IDBRecord } from './api/idb-record.ts';
export { IDBKeyRange } from './api/idb-key-range.ts';
export { IDBRequest, IDBOpenDBRequest } from './api/idb-request.ts';
export { IDBVersionChangeEvent, type IDBVersionChangeEventInit, setExceptionReporter } from './events.ts';
export type { StringList } from './api/string-list.ts';
export type { Key, KeyPath } from './keys/index.ts';
export { KEYSPACE_VERSION } from './model/keyspace.ts';

export interface CreateIDBFactoryOptions extends IDBFactoryOptions {
  /**
   * Commit pipelining (default false), for every factory over this engine: a readwrite
   * transaction may start as soon as an earlier overlapping one's batch is applied, while that
   * one's fsync is pending, so transactions in flight share fsyncs. A deviation from the spec's
   * scheduling: its requests' events may fire before the earlier complete event. complete still
   * means durable and fires in commit order; if the earlier commit fails, the later one fails.
   */
  commitPipelining?: boolean;
}

/** An IDBFactory over an engine the caller opened (and closes). */
export function createIDBFactory(options: CreateIDBFactoryOptions): IDBFactory {
  if (options.commitPipelining !== undefined) pipelineFor(options.kv).pipelining = options.commitPipelining;
  return new IDBFactory(options);
}
