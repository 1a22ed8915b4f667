/**
 * Memory probe (not in CI): ingests time-major records into one engine and prints, every
 * `--every` records, process.memoryUsage(), VmRSS and the table count, as JSON lines.
 * `node bench/engine/mem-probe.ts --records 2000000 --memtable 262144 --workers false`
 * `--final-compact true` samples the peaks during a compact() of everything at the end.
 * `--gc true` runs global.gc() before each sample (needs --expose-gc) to separate garbage from leaks.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { getHeapSpaceStatistics } from 'node:v8';
import { openEngine } from '@flowdb/engine';
import { workerPool } from '../../engine/src/flush/pool.ts';
import { ValueSource, ingestBatch } from './workload.ts';

const { values: a } = parseArgs({
  options: {
    records: { type: 'string', default: '2000000' },
    every: { type: 'string', default: '250000' },
    memtable: { type: 'string', default: String(16 << 20) },
    workers: { type: 'string', default: 'true' },
    compaction: { type: 'string', default: 'true' },
    'level-base': { type: 'string', default: String(64 << 20) },
    gc: { type: 'string', default: 'false' },
    'final-compact': { type: 'string', default: 'false' },
    /** With --final-compact: a memory sample every 2 s of the compaction. */
    timeline: { type: 'string', default: 'false' },
    /** Adds the main thread's V8 heap spaces (size MB) to each sample. */
    spaces: { type: 'string', default: 'false' },
  },
});

const mb = (n: number) => Math.round(n / 2 ** 20);
function vm(field: string): number {
  const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync('/proc/self/status', 'utf8'));
  return m === null ? 0 : Number(m[1]) * 1024;
}

const dir = mkdtempSync(join(process.env['FLOWDB_BENCH_TMP'] ?? tmpdir(), 'flowdb-memprobe-'));
const db = await openEngine(dir, {
  sync: { mode: 'none' },
  memtableBytes: Number(a.memtable),
  workerThreads: a.workers === 'true',
  autoCompaction: a.compaction === 'true',
  levelBaseBytes: Number(a['level-base']),
});
const vs = new ValueSource();
const records = Number(a.records);
const every = Number(a.every);
const gc = (globalThis as { gc?: () => void }).gc;
const t0 = performance.now();
for (let step = 0; step * 1000 < records; step++) {
  await db.write(ingestBatch(vs, 1000, step).map((r) => ({ type: 'put' as const, key: r.key, ts: r.ts, value: r.value })));
  if (((step + 1) * 1000) % every === 0) {
    if (a.gc === 'true' && gc !== undefined) gc();
    const m = process.memoryUsage();
    const s = db.stats();
    const wh = await workerPool.heapBytes();
    console.log(JSON.stringify({ workerHeap: mb(wh.total),
      records: (step + 1) * 1000, s: Math.round((performance.now() - t0) / 100) / 10, rss: mb(m.rss), hwm: mb(vm('VmHWM')),
      heapUsed: mb(m.heapUsed), heapTotal: mb(m.heapTotal), external: mb(m.external), arrayBuffers: mb(m.arrayBuffers),
      tables: s.sstableCount, perLevel: s.tablesPerLevel.join('/'), sstMB: mb(s.sstableBytes), memtableMB: mb(s.memtableBytes),
      frozen: s.frozenMemtableCount, cacheMB: mb(s.blockCacheBytes), tableMetaMB: mb(s.tableMetaBytes), poolMB: mb(s.memtablePoolBytes),
      ...(a.spaces === 'true' ? { spaces: Object.fromEntries(getHeapSpaceStatistics().map((x) => [x.space_name, mb(x.space_size)])) } : {}),
    }));
  }
}
if (a['final-compact'] === 'true') {
  // The same samples while compact() merges everything down (its memory is part of the peak).
  const t1 = performance.now();
  const peak = { rss: 0, heapUsed: 0, heapTotal: 0, external: 0, arrayBuffers: 0, workerHeapUsed: 0, workerHeapTotal: 0 };
  let ticks = 0;
  const timer = setInterval(() => {
    const m = process.memoryUsage();
    for (const k of ['rss', 'heapUsed', 'heapTotal', 'external', 'arrayBuffers'] as const) peak[k] = Math.max(peak[k], mb(m[k]));
    void workerPool.heapBytes().then((h) => {
      peak.workerHeapUsed = Math.max(peak.workerHeapUsed, mb(h.used));
      peak.workerHeapTotal = Math.max(peak.workerHeapTotal, mb(h.total));
      if (a.timeline === 'true' && ++ticks % 20 === 0) {
        console.log(JSON.stringify({ s: Math.round((performance.now() - t1) / 100) / 10, rss: mb(m.rss), heapTotal: mb(m.heapTotal),
          external: mb(m.external), workerHeap: mb(h.total), tableMetaMB: mb(db.stats().tableMetaBytes) }));
      }
    });
  }, 100);
  await db.compact?.();
  clearInterval(timer);
  const s = db.stats();
  console.log(JSON.stringify({ compact: true, s: Math.round((performance.now() - t1) / 100) / 10, peak, hwm: mb(vm('VmHWM')),
    tables: s.sstableCount, perLevel: s.tablesPerLevel.join('/'), tableMetaMB: mb(s.tableMetaBytes), poolMB: mb(s.memtablePoolBytes) }));
}
await db.close();
rmSync(dir, { recursive: true, force: true });
