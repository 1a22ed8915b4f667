/**
 * The IndexedDB conformance suite (src/testing) on fake-indexeddb, the oracle: every case must
 * pass there, which is what shows the cases are right. Our implementation runs it below.
 */
import test from 'node:test';
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { runConformance } from '../src/testing/index.ts';
import type { FactoryLike, KeyRangeStatic } from '../src/testing/index.ts';

runConformance(test, 'fake-indexeddb (oracle)', async () => ({
  indexedDB: new IDBFactory() as FactoryLike,
  IDBKeyRange: IDBKeyRange as KeyRangeStatic,
  cleanup: async () => {},
}));
