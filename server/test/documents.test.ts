/** DocumentService handlers on fake-indexeddb (the reference IndexedDB implementation). */
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import type { IdbFactory, IdbKeyRangeStatic } from '../src/documents/idb.ts';
import { documentSuite } from './documents-suite.ts';

documentSuite('fake-indexeddb', async () => ({
  factory: new IDBFactory() as unknown as IdbFactory,
  keyRange: IDBKeyRange as unknown as IdbKeyRangeStatic,
}));
