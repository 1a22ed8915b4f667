/** DocumentService handlers on @flowdb/idb over a real engine (what the server ships). */
import { openEngine } from '@flowdb/engine';
import { createIDBFactory, IDBKeyRange } from '@flowdb/idb';
import type { IdbFactory, IdbKeyRangeStatic } from '../src/documents/idb.ts';
import { documentSuite } from './documents-suite.ts';

documentSuite('@flowdb/idb', async (dir) => {
  const kv = await openEngine(dir, { sync: { mode: 'none' } });
  return {
    factory: createIDBFactory({ kv }) as unknown as IdbFactory,
    keyRange: IDBKeyRange as unknown as IdbKeyRangeStatic,
    close: () => kv.close(),
  };
});
