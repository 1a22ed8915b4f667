/** DocumentService handlers on @flowdb/idb over a real engine (what the server ships). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Code } from '@connectrpc/connect';
import { openEngine } from '@flowdb/engine';
import { createIDBFactory, IDBKeyRange } from '@flowdb/idb';
import type { IdbFactory, IdbKeyRangeStatic } from '../src/documents/idb.ts';
import { documentSuite } from './documents-suite.ts';
import { openDocuments } from '../src/documents/open.ts';
import { loadConfig } from '../src/config.ts';

documentSuite('@flowdb/idb', async (dir) => {
  const kv = await openEngine(dir, { sync: { mode: 'none' } });
  return {
    factory: createIDBFactory({ kv }) as unknown as IdbFactory,
    keyRange: IDBKeyRange as unknown as IdbKeyRangeStatic,
    close: () => kv.close(),
  };
});

test('openDocuments: its own engine under <data-dir>/documents, ready until closed', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'flowdb-docs-open-'));
  try {
    const docs = await openDocuments(loadConfig([`--data-dir=${dir}`, '--sync=none'], {}));
    assert.equal(docs.ready(), true);
    await docs.store.applySchema('d', [], []);
    assert.ok(readdirSync(join(dir, 'documents')).includes('CURRENT'));
    await docs.close();
    assert.equal(docs.ready(), false);
    await assert.rejects(docs.store.connection('d'), (e: { code?: unknown }) => e.code === Code.Unavailable);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
