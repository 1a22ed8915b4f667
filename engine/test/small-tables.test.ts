/** Small tables (issue 3): time-ordered flushes far below targetFileBytes are merged, once. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type BatchOp, openEngine } from '../src/index.ts';
import { MemFS } from '../src/vfs/index.ts';
import { SMALL_RUN_MAX } from '../src/compaction/levels.ts';

const enc = (s: string) => Buffer.from(s);

async function ingest(memtableBytes: number, targetFileBytes: number, steps: number) {
  const db = await openEngine('/db', {
    fs: new MemFS(), sync: { mode: 'none' }, workerThreads: false, memtableBytes, levelBaseBytes: 4 << 20, targetFileBytes,
  });
  const SERIES = 50;
  for (let t = 0; t < steps; t++) {
    const batch: BatchOp[] = [];
    for (let s = 0; s < SERIES; s++) batch.push({ type: 'put', key: enc(`cpu.host${String(s).padStart(3, '0')}`), ts: 1_000_000 * t, value: enc(`${t}:0123456789abcdef`) });
    await db.write(batch);
  }
  await db.flush();
  await db.compactionIdle();
  const st = db.stats();
  const count = await db.count();
  await db.close();
  return { st, count, records: SERIES * steps };
}

test('many small time-ordered flushes end with a table count bounded by data size / target file size', async () => {
  const target = 512 << 10;
  const { st, count, records } = await ingest(16 << 10, target, 6000);
  assert.equal(count, records);
  // Without merging every flush (~2.6 KB) stays a table of its own (thousands). With it, a table
  // is small (< target / 4, at most SMALL_RUN_MAX - 1 per level) or the output of a merge of small ones.
  const bound = Math.ceil(st.sstableBytes / (target / 4)) + 2 * (SMALL_RUN_MAX - 1);
  console.log(`small tables: ${st.totalFlushes} flushes, ${st.sstableCount} tables (bound ${bound}), ${st.sstableBytes} B, levels ${st.tablesPerLevel}, write amp ${st.writeAmplification.toFixed(2)}`);
  assert.ok(st.totalFlushes > 300, `${st.totalFlushes} flushes`);
  assert.ok(st.sstableCount <= bound, `${st.sstableCount} tables > ${bound}`);
  // Each small table is rewritten about once (flush + one merge), not again and again.
  assert.ok(st.compactionBytesOut <= 2.5 * st.flushBytes, `rewritten ${st.compactionBytesOut} of ${st.flushBytes} flushed`);
});

test('time-ordered tables of at least a quarter target are moved, never rewritten', async () => {
  // ~15 KB flushes, small < 8 KiB.
  const { st, count, records } = await ingest(64 << 10, 32 << 10, 3000);
  assert.equal(count, records);
  console.log(`big tables: ${st.totalFlushes} flushes, ${st.sstableCount} tables, levels ${st.tablesPerLevel}, moves ${st.trivialMoves}, compaction out ${st.compactionBytesOut} B`);
  assert.ok(st.trivialMoves > 0);
  assert.equal(st.compactionBytesOut, 0);
});
