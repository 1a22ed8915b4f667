/** maxOpenFiles on a real directory: descriptors on table files stay bounded through reads and compactions. */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readlink, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { type BatchOp, openEngine } from '../src/index.ts';

const key = (i: number) => Buffer.from(`k${String(i).padStart(6, '0')}`);

/** Descriptors of this process open on .sst files under `dir`. */
async function sstFds(dir: string): Promise<number> {
  let n = 0;
  for (const fd of await readdir('/proc/self/fd')) {
    const target = await readlink(`/proc/self/fd/${fd}`).catch(() => '');
    if (target.startsWith(dir) && target.endsWith('.sst')) n++;
  }
  return n;
}

test('with maxOpenFiles 16 and ~60 tables: reads, scans and a compaction stay within 16 table descriptors', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'flowdb-open-files-'));
  try {
    const MAX = 16;
    const opts = { sync: { mode: 'none' as const }, memtableBytes: 16 << 10, autoCompaction: false, maxOpenFiles: MAX, blockCacheBytes: 0, l0SlowdownTables: 500, l0StopTables: 1000 };
    let db = await openEngine(dir, opts);
    const N = 6_000;
    for (let b = 0; b < N / 100; b++) {
      const ops: BatchOp[] = [];
      // Interleaved keys: every table spans the whole key range.
      for (let i = 0; i < 100; i++) ops.push({ type: 'put', key: key(i * 60 + b), ts: 0, value: Buffer.alloc(100, b) });
      await db.write(ops);
      await db.flush();
    }
    const tables = db.stats().sstableCount;
    assert.ok(tables >= 50, `tables ${tables}`);
    assert.ok((await sstFds(dir)) <= MAX, `after the flushes: ${await sstFds(dir)}`);
    await db.close();
    db = await openEngine(dir, opts);
    assert.ok((await sstFds(dir)) <= MAX, `after recovery: ${await sstFds(dir)}`);
    for (let i = 0; i < N; i += 7) assert.equal((await db.get(key(i)))?.value[0], i % 60, `key ${i}`);
    assert.ok((await sstFds(dir)) <= MAX, `after gets: ${await sstFds(dir)}`);
    assert.equal(await db.count(), N);
    let peak = 0;
    const timer = setInterval(() => void sstFds(dir).then((n) => (peak = Math.max(peak, n))), 5);
    await db.compact();
    clearInterval(timer);
    const st = db.stats();
    assert.ok(st.tableFileReopens > 0, 'evicted files were reopened');
    assert.ok(st.tableFilesOpen <= MAX, `stat ${st.tableFilesOpen}`);
    // A merge's reads hold at most one handle per input at a time, plus its open output.
    assert.ok(peak <= MAX + 4, `peak during compact(): ${peak}`);
    assert.equal(await db.count(), N);
    for (let i = 0; i < N; i += 13) assert.equal((await db.get(key(i)))?.value[0], i % 60);
    console.log(`open files: ${tables} tables, maxOpenFiles ${MAX}, peak during compact ${peak}, reopens ${st.tableFileReopens}, after ${st.sstableCount} tables`);
    await db.close();
    assert.equal(await sstFds(dir), 0);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
