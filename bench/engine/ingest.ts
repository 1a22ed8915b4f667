/**
 * Ingest child: `node bench/engine/ingest.ts <system> [records] [batch]`.
 * Writes `records` records (time-major: each batch is one step of every sensor) in batches of
 * `batch` into a fresh temp dir without fsync, closes, and prints one JSON line:
 * {system, records, seconds, recPerSec, closeSeconds, diskBytes, apparentBytes, peakRssMB, baseRssMB, verified}.
 * Runs in its own process so that peak RSS belongs to one system only.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SYSTEMS, type Store, type SystemName, openStore } from './systems.ts';
import { TS0, TS_STEP, VALUE_BYTES, ValueSource, ingestBatch, keyString } from './workload.ts';

/**
 * Peak RSS of this process (VmHWM). Not getrusage's ru_maxrss: Linux carries the parent's
 * maxrss across fork+exec, so a child spawned by a large parent would report the parent's peak.
 */
function peakRssMB(): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return m === null ? process.resourceUsage().maxRSS / 1024 : Number(m[1]) / 1024;
}

function diskUsage(dir: string): { allocated: number; apparent: number } {
  let allocated = 0;
  let apparent = 0;
  for (const e of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!e.isFile()) continue;
    const st = statSync(join(e.parentPath, e.name));
    allocated += st.blocks * 512;
    apparent += st.size;
  }
  return { allocated, apparent };
}

/** 'harness': a no-op store, to measure the ingest loop's own RSS and speed. */
const system = process.argv[2] as SystemName | 'harness';
if (system !== 'harness' && !SYSTEMS.includes(system)) {
  console.error(`usage: ingest.ts <${SYSTEMS.join('|')}|harness> [records] [batch]`);
  process.exit(2);
}
const records = Number(process.argv[3] ?? 1_000_000);
const batch = Number(process.argv[4] ?? 1000);
const steps = Math.ceil(records / batch);

const baseRss = process.memoryUsage().rss;
const dir = mkdtempSync(join(process.env['FLOWDB_BENCH_TMP'] ?? tmpdir(), `flowdb-ingest-${system}-`));
try {
  const store: Pick<Store, 'writeBatch' | 'getters' | 'close'> = system === 'harness'
    ? { writeBatch: async () => {}, getters: [], close: async () => {} }
    : await openStore(system, dir, false);
  const vs = new ValueSource();
  const t0 = performance.now();
  for (let step = 0; step < steps; step++) await store.writeBatch(ingestBatch(vs, batch, step));
  const t1 = performance.now();
  // Spot check: the last record written must be readable.
  const last = { key: Buffer.from(keyString(batch - 1, steps - 1), 'latin1'), ts: TS0 + (steps - 1) * TS_STEP, value: Buffer.alloc(VALUE_BYTES) };
  const verified = system === 'harness' || (await store.getters[0]?.get(last)) === true;
  await store.close();
  const t2 = performance.now();
  const du = diskUsage(dir);
  const seconds = (t1 - t0) / 1000;
  console.log(JSON.stringify({
    system, records: steps * batch, seconds, recPerSec: (steps * batch) / seconds, closeSeconds: (t2 - t1) / 1000,
    diskBytes: du.allocated, apparentBytes: du.apparent,
    peakRssMB: peakRssMB(), baseRssMB: baseRss / 2 ** 20, verified,
  }));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
