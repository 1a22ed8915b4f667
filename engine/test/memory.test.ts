/** Memory the engine keeps per table and per memtable (issue 3: the long ingest's RSS growth). */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Kind } from '../src/base/entry.ts';
import { openEngine } from '../src/index.ts';
import { Memtable } from '../src/memtable/memtable.ts';
import { ArenaPool } from '../src/memtable/skiplist.ts';
import { BlockCache } from '../src/sstable/block-cache.ts';
import { Table } from '../src/sstable/reader.ts';
import { TinyFS } from '../src/sstable/test-support.ts';
import { TableWriter } from '../src/sstable/writer.ts';
import { MemFS } from '../src/vfs/index.ts';

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

test('a flushed memtable hands its arena to the next memtable; a retained one keeps it until released', () => {
  const pool = new ArenaPool(1);
  const put = (mt: Memtable, i: number): void =>
    mt.add({ key: Buffer.from(`k${String(i).padStart(6, '0')}`), ts: i, seq: i + 1, kind: Kind.PUT, expireAt: Number.MAX_SAFE_INTEGER, value: new Uint8Array(500).fill(i & 0xff) });
  const a = new Memtable(1, pool);
  for (let i = 0; i < 20_000; i++) put(a, i);
  const chunksA = new Set(a.list.layout().chunks.map((c) => c.buffer));
  a.retain();
  a.retire(pool);
  assert.equal(pool.size, 0, 'held by a reader: not pooled');
  assert.equal(a.get(Buffer.from('k000123'), 123, 1e9)?.value[0], 123);
  a.release();
  assert.equal(pool.size, 1);
  const b = new Memtable(2, pool);
  assert.equal(pool.size, 0);
  for (let i = 0; i < 20_000; i++) put(b, i);
  const reused = b.list.layout().chunks.filter((c) => chunksA.has(c.buffer)).length;
  assert.ok(reused >= chunksA.size - 12, `${reused} of ${chunksA.size} chunks reused`);
  assert.equal(b.records, 20_000);
  assert.equal(b.get(Buffer.from('k019999'), 19_999, 1e9)?.value[0], 19_999 & 0xff);
});

test('a scan open across flushes reads its memtable intact while later memtables reuse arenas', async () => {
  const db = await openEngine('/db', { fs: new MemFS(), sync: { mode: 'none' }, workerThreads: false, autoCompaction: false });
  const val = (tag: string, i: number) => Buffer.from(`${tag}-${i}-`.repeat(20));
  const batch = (tag: string) => Array.from({ length: 5000 }, (_, i) => ({ type: 'put' as const, key: Buffer.from(`${tag}${String(i).padStart(5, '0')}`), ts: 1, value: val(tag, i) }));
  await db.write(batch('a'));
  const it = db.scan({ prefix: Buffer.from('a') })[Symbol.asyncIterator]();
  const got: string[] = [];
  for (let i = 0; i < 10; i++) got.push(Buffer.from(((await it.next()).value as { value: Uint8Array }).value).toString());
  await db.flush();
  for (const tag of ['b', 'c', 'd']) {
    await db.write(batch(tag));
    await db.flush();
  }
  for (let r = await it.next(); r.done !== true; r = await it.next()) got.push(Buffer.from(r.value.value).toString());
  assert.equal(got.length, 5000);
  for (let i = 0; i < 5000; i++) assert.equal(got[i], val('a', i).toString());
  assert.equal(Buffer.from((await db.get(Buffer.from('d04999')))?.value ?? []).toString(), val('d', 4999).toString());
  await db.close();
});

test('a memtable on reused buffers counts the same bytes as a fresh one (flush points do not depend on reuse)', () => {
  const pool = new ArenaPool(1);
  const fill = (mt: Memtable, sizes: number[]): number[] => {
    for (let i = 0; i < 30_000; i++) {
      mt.add({ key: Buffer.from(`k${String(i).padStart(6, '0')}`), ts: i, seq: i + 1, kind: Kind.PUT, expireAt: Number.MAX_SAFE_INTEGER, value: new Uint8Array((i * 7919) % 700) });
      if (i % 997 === 0) sizes.push(mt.bytes);
    }
    return sizes;
  };
  const first = new Memtable(1, pool);
  const fresh = fill(first, []);
  first.retire(pool);
  assert.equal(pool.size, 1);
  const reused = fill(new Memtable(2, pool), []);
  assert.equal(pool.size, 0);
  assert.deepEqual(reused, fresh);
  assert.deepEqual(fill(new Memtable(3), []), fresh);
});

test('engineWorkerHeap() answers when nothing else keeps the event loop alive', () => {
  // A child process: the test runner itself would keep this process's loop alive.
  const index = new URL('../src/index.ts', import.meta.url).href;
  const script = `
    const { engineWorkerHeap, warmEngineWorkers } = await import(${JSON.stringify(index)});
    warmEngineWorkers();
    for (let i = 0; i < 250 && (await engineWorkerHeap()).total === 0; i++) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setImmediate(r));
    console.log(JSON.stringify(await engineWorkerHeap()));`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.status, 0, r.stderr);
  const h = JSON.parse(r.stdout) as { used: number; total: number; threads: number };
  assert.ok(h.threads >= 1 && h.total > 0 && h.used > 0 && h.used <= h.total, r.stdout);
});
