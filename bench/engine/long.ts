/**
 * The long ingest benchmark (not in CI): `npm run bench:engine:long -- [--records 10000000]
 * [--only flowdb,classic-level] [--keys time|random|both] [--node-flags=--max-semi-space-size=4]`.
 * --node-flags go to every child's node command line (V8 heap sizing is the application's choice).
 * Each system ingests the same records (batches of 1,000, no fsync) in its own child process
 * (`long.ts --child <system> <records> <keys>`), one system after the other. Reported per system:
 * records/s for each million, event-loop delay p99/max during the ingest
 * (perf_hooks.monitorEventLoopDelay, 1 ms resolution), peak RSS (VmHWM) after the ingest and at the end,
 * and disk use after a final full compaction and close vs the live data (key + value bytes).
 * keys=time: 1,000 sensors, each batch one step of every sensor (keys sensor-NNNN/SSSSSSSS).
 * keys=random: 20-byte keys from a seeded PRNG, each batch 1,000 of them in random order.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { KEY_BYTES, TS0, TS_STEP, VALUE_BYTES, ValueSource, ingestBatch, prng, type Rec } from './workload.ts';

const BATCH = 1000;
const MILLION = 1_000_000;

interface Sink {
  write(recs: Rec[]): Promise<void>;
  compactAll(): Promise<void>;
  close(): Promise<void>;
}

async function open(system: string, dir: string): Promise<Sink> {
  if (system === 'flowdb') {
    const { openEngine } = await import('@flowdb/engine');
    const db = await openEngine(dir, { sync: { mode: 'none' } });
    return {
      async write(recs) {
        await db.write(recs.map((r) => ({ type: 'put' as const, key: r.key, ts: r.ts, value: r.value })));
      },
      compactAll: () => db.compact(),
      close: () => db.close(),
    };
  }
  if (system === 'classic-level') {
    const { ClassicLevel } = await import('classic-level');
    const db = new ClassicLevel<Buffer, Buffer>(dir, { keyEncoding: 'buffer', valueEncoding: 'buffer' });
    await db.open();
    return {
      async write(recs) {
        await db.batch(recs.map((r) => ({ type: 'put' as const, key: r.key, value: r.value })));
      },
      compactAll: () => db.compactRange(Buffer.alloc(0), Buffer.alloc(64, 0xff)),
      close: () => db.close(),
    };
  }
  throw new Error(`unknown system ${system}`);
}

function peakRssMB(): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return m === null ? process.resourceUsage().maxRSS / 1024 : Number(m[1]) / 1024;
}

function diskBytes(dir: string): number {
  let n = 0;
  for (const e of readdirSync(dir, { recursive: true, withFileTypes: true })) if (e.isFile()) n += statSync(join(e.parentPath, e.name)).blocks * 512;
  return n;
}

function randomBatch(vs: ValueSource, rnd: () => number, step: number): Rec[] {
  const vals = vs.values(BATCH);
  const keys = Buffer.allocUnsafeSlow(BATCH * KEY_BYTES);
  const out: Rec[] = new Array(BATCH);
  for (let i = 0; i < BATCH; i++) {
    const off = i * KEY_BYTES;
    for (let j = 0; j < KEY_BYTES; j += 4) keys.writeUInt32BE(Math.floor(rnd() * 2 ** 32), off + j);
    out[i] = { key: keys.subarray(off, off + KEY_BYTES), ts: TS0 + step * TS_STEP, value: vals[i] as Buffer };
  }
  return out;
}

async function child(system: string, records: number, keys: string): Promise<void> {
  const dir = mkdtempSync(join(process.env['FLOWDB_BENCH_TMP'] ?? tmpdir(), `flowdb-long-${system}-`));
  try {
    const db = await open(system, dir);
    const vs = new ValueSource();
    const rnd = prng(42);
    const steps = Math.ceil(records / BATCH);
    const perMillion: number[] = [];
    const rssMB: number[] = [];
    const h = monitorEventLoopDelay({ resolution: 1 });
    h.enable();
    const t0 = performance.now();
    let tm = t0;
    for (let step = 0; step < steps; step++) {
      await db.write(keys === 'random' ? randomBatch(vs, rnd, step) : ingestBatch(vs, BATCH, step));
      if (((step + 1) * BATCH) % MILLION === 0) {
        const now = performance.now();
        perMillion.push(MILLION / ((now - tm) / 1000));
        rssMB.push(process.memoryUsage().rss / 2 ** 20);
        tm = now;
      }
    }
    const seconds = (performance.now() - t0) / 1000;
    const ingestPeakRssMB = peakRssMB();
    h.disable();
    const c0 = performance.now();
    await db.compactAll();
    await db.close();
    const compactSeconds = (performance.now() - c0) / 1000;
    const disk = diskBytes(dir);
    const live = steps * BATCH * (KEY_BYTES + VALUE_BYTES);
    console.log(JSON.stringify({
      system, keys, records: steps * BATCH, seconds, recPerSec: (steps * BATCH) / seconds, perMillion, rssMB,
      loopP99Ms: h.percentile(99) / 1e6, loopMaxMs: h.max / 1e6, loopMeanMs: h.mean / 1e6,
      ingestPeakRssMB, peakRssMB: peakRssMB(), diskMB: disk / 2 ** 20, liveMB: live / 2 ** 20, spaceAmp: disk / live, compactSeconds,
    }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const k = (n: number) => (n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : `${(n / 1e3).toFixed(0)}K`);

async function parent(): Promise<void> {
  const { values: a } = parseArgs({
    options: { 'node-flags': { type: 'string', default: '' }, records: { type: 'string', default: '10000000' }, only: { type: 'string', default: 'flowdb,classic-level' }, keys: { type: 'string', default: 'time' } },
  });
  const systems = (a.only ?? '').split(',');
  const modes = a.keys === 'both' ? ['time', 'random'] : [a.keys ?? 'time'];
  const rows: { system: string; keys: string; recPerSec: number; perMillion: number[]; loopP99Ms: number; loopMaxMs: number; ingestPeakRssMB?: number; peakRssMB: number; diskMB: number; spaceAmp: number; compactSeconds: number }[] = [];
  for (const keys of modes) {
    for (const sys of systems) {
      const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
      const flags = (a['node-flags'] ?? '').split(' ').filter((f) => f !== '');
      console.error(`${new Date().toISOString()} ${sys} ${keys} ${a.records} records, load ${load}${flags.length > 0 ? `, flags ${flags.join(' ')}` : ''}`);
      const r = spawnSync(process.execPath, [...flags, import.meta.filename, '--child', sys, a.records ?? '', keys], { encoding: 'utf8', maxBuffer: 1 << 24 });
      if (r.status !== 0) {
        console.error(`${sys} failed: ${r.stderr.slice(-2000)}`);
        continue;
      }
      const row = JSON.parse(r.stdout.trim().split('\n').pop() as string);
      console.error(JSON.stringify(row));
      rows.push(row);
    }
  }
  console.log('| keys | system | rec/s | vs CL | 1st M | last M | last/1st | loop p99 ms | loop max ms | ingest peak RSS MB | peak RSS MB | disk MB | space amp | compact s |');
  console.log('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    const cl = rows.find((x) => x.system === 'classic-level' && x.keys === r.keys);
    const first = r.perMillion[0] ?? 0;
    const last = r.perMillion[r.perMillion.length - 1] ?? 0;
    console.log(`| ${r.keys} | ${r.system} | ${k(r.recPerSec)} | ${cl ? (r.recPerSec / cl.recPerSec).toFixed(2) + '×' : ''} | ${k(first)} | ${k(last)} | ${(last / first).toFixed(2)} | ${r.loopP99Ms.toFixed(1)} | ${r.loopMaxMs.toFixed(0)} | ${r.ingestPeakRssMB?.toFixed(0) ?? ''} | ${r.peakRssMB.toFixed(0)} | ${r.diskMB.toFixed(0)} | ${r.spaceAmp.toFixed(2)} | ${r.compactSeconds.toFixed(1)} |`);
  }
  for (const r of rows) console.log(`${r.keys} ${r.system} per million: ${r.perMillion.map(k).join(', ')}`);
}

if (process.argv[2] === '--child') await child(process.argv[3] as string, Number(process.argv[4]), process.argv[5] as string);
else await parent();
