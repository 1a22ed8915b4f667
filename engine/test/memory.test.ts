/** Memory the engine keeps per table and per memtable (issue 3: the long ingest's RSS growth). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Kind } from '../src/base/entry.ts';
import { BlockCache } from '../src/sstable/block-cache.ts';
import { Table } from '../src/sstable/reader.ts';
import { TinyFS } from '../src/sstable/test-support.ts';
import { TableWriter } from '../src/sstable/writer.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function heapUsed(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

test('an open table keeps its block index off the JS heap (< 100 B of heap per data block)', async () => {
  const fs = new TinyFS();
  const w = await TableWriter.create(fs, '/t.sst', 1, { blockBytes: 256, bloomBitsPerKey: 10, compression: 'none' });
  const N = 40_000;
  for (let i = 0; i < N; i++) {
    w.add({ key: Buffer.from(`sensor-${String(i).padStart(8, '0')}/0001`), ts: i, seq: i + 1, kind: Kind.PUT, expireAt: Number.MAX_SAFE_INTEGER, value: new Uint8Array(100) });
  }
  await w.finish();
  const before = heapUsed();
  const tables: Table[] = [];
  for (let i = 0; i < 5; i++) tables.push(await Table.open(fs, '/t.sst', i + 1, new BlockCache(0)));
  const blocks = tables.reduce((a, t) => a + t.blockCount, 0);
  const perBlock = (heapUsed() - before) / blocks;
  assert.ok(blocks > 50_000, `${blocks} blocks`);
  assert.ok(perBlock < 100, `${perBlock.toFixed(0)} B of JS heap per indexed block`);
  assert.equal(tables.length, 5);
});
