/**
 * Engine benchmark (issue 2): one workload against @flowdb/engine, classic-level, lmdb and the
 * reference crate's napi binary, in one run, with ratios vs classic-level.
 *
 *   npm run bench:engine -- [--reps 3] [--only flowdb,classic-level] [--skip get,prefix,full,flush,ingest,durable]
 *                           [--durable-ms 2000] [--ingest 1000000] [--json out.json]
 *
 * Phases (every system in each repetition, order rotated per repetition; medians reported):
 *   write   100K records (500 sensors × 200 steps, ascending keys), batches of 100, no fsync
 *   get     100K random point gets on that data
 *   prefix  1K prefix scans of one sensor (200 records)
 *   full    one full scan
 *   ingest  1M records in batches of 1,000, in a child process per system (ingest.ts); the
 *           reference binary runs it --ref-ingest-reps times (default 1: it takes minutes)
 *   durable single-record batches with fsync, 1 and 64 concurrent writers, for --durable-ms each
 * Benchmarks are not tests: nothing here gates CI.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { SYSTEMS, type Getter, type Store, type SystemName, openStore } from './systems.ts';
import { type Rec, ValueSource, keyString, prefixString, prng, sequentialDataSet, TS0, TS_STEP } from './workload.ts';

const { values: args } = parseArgs({
  options: {
    reps: { type: 'string', default: '3' },
    only: { type: 'string' },
    skip: { type: 'string', default: '' },
    sensors: { type: 'string', default: '500' },
    steps: { type: 'string', default: '200' },
    gets: { type: 'string', default: '100000' },
    scans: { type: 'string', default: '1000' },
    ingest: { type: 'string', default: '1000000' },
    'durable-ms': { type: 'string', default: '2000' },
    /** Repetitions of the 1M ingest for the reference binary (3-5 min each here). */
    'ref-ingest-reps': { type: 'string', default: '1' },
    json: { type: 'string' },
  },
});

const REPS = Number(args.reps);
const SENSORS = Number(args.sensors);
const STEPS = Number(args.steps);
const GETS = Number(args.gets);
const SCANS = Number(args.scans);
const INGEST = Number(args.ingest);
const DURABLE_MS = Number(args['durable-ms']);
const WRITE_BATCH = 100;
const INGEST_BATCH = 1000;
const systems: SystemName[] = args.only ? (args.only.split(',') as SystemName[]) : [...SYSTEMS];
const skip = new Set(args.skip.split(',').filter(Boolean));
const tmpRoot = process.env['FLOWDB_BENCH_TMP'] ?? tmpdir();
const here = dirname(fileURLToPath(import.meta.url));
const loadAtStart = loadavg();
const git = (a: string[]) => spawnSync('git', a, { cwd: here, encoding: 'utf8' }).stdout?.trim() ?? '?';
/** HEAD when the run started, and the last commit touching engine/src (others commit while we run). */
const commitAtStart = `${git(['rev-parse', '--short', 'HEAD'])} (engine/src last changed in ${git(['log', '-1', '--format=%h', '--', '../../engine/src'])}` +
  `${git(['status', '--porcelain', '--', '../../engine/src']) !== '' ? ', with uncommitted changes' : ''})`;

function log(msg: string): void {
  process.stderr.write(`[bench] ${msg}\n`);
}

/** The systems in a different order each repetition, so no system always runs first. */
function rotated(rep: number): SystemName[] {
  const k = rep % systems.length;
  return [...systems.slice(k), ...systems.slice(0, k)];
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

// ---- results -------------------------------------------------------------------------------

interface Row {
  workload: string;
  /** A system, or 'harness' (the ingest loop with a no-op store: the harness's own RSS). */
  system: string;
  op: string;
  unit: string;
  samples: number[];
  /** Correctness check: e.g. "100000/100000 hits". */
  check?: string;
  extra?: { [k: string]: number };
}
const rows = new Map<string, Row>();

function record(workload: string, system: string, op: string, unit: string, value: number, check?: string, extra?: { [k: string]: number }): void {
  const id = `${workload}|${system}|${op}`;
  let r = rows.get(id);
  if (r === undefined) {
    r = { workload, system, op, unit, samples: [] };
    rows.set(id, r);
  }
  r.samples.push(value);
  if (check !== undefined) r.check = check;
  if (extra !== undefined) {
    r.extra ??= {};
    for (const [k, v] of Object.entries(extra)) r.extra[k] = v;
  }
}

// ---- phases --------------------------------------------------------------------------------

async function timeIt(fn: () => Promise<void>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return (performance.now() - t0) / 1000;
}

async function runGets(g: Getter, recs: Rec[], order: Uint32Array): Promise<{ rate: number; hits: number }> {
  let hits = 0;
  const n = order.length;
  const t0 = performance.now();
  if (g.inFlight === 0) {
    for (let i = 0; i < n; i++) if (g.get(recs[order[i] as number] as Rec) === true) hits++;
  } else {
    let next = 0;
    const worker = async () => {
      while (next < n) {
        const r = recs[order[next++] as number] as Rec;
        if ((await g.get(r)) === true) hits++;
      }
    };
    await Promise.all(Array.from({ length: g.inFlight }, worker));
  }
  return { rate: n / ((performance.now() - t0) / 1000), hits };
}

/** Runs `writers` concurrent loops of single-record durable writes for DURABLE_MS. */
async function runDurable(store: Store, writers: number, sensorBase: number): Promise<{ rate: number; n: number }> {
  const vs = new ValueSource();
  let n = 0;
  const t0 = performance.now();
  const end = t0 + DURABLE_MS;
  const worker = async (w: number) => {
    for (let i = 0; performance.now() < end; i++) {
      const value = vs.values(1)[0] as Buffer;
      await store.putOne({ key: Buffer.from(keyString(sensorBase + w, i), 'latin1'), ts: TS0 + i * TS_STEP, value });
      n++;
    }
  };
  await Promise.all(Array.from({ length: writers }, (_, w) => worker(w)));
  return { rate: n / ((performance.now() - t0) / 1000), n };
}

function freshDir(system: string, what: string): string {
  return mkdtempSync(join(tmpRoot, `flowdb-bench-${what}-${system}-`));
}

// The data set and the random orders, identical for every system.
const recs = sequentialDataSet(SENSORS, STEPS);
const N = recs.length;
const rnd = prng(42);
const getOrder = new Uint32Array(GETS);
for (let i = 0; i < GETS; i++) getOrder[i] = Math.floor(rnd() * N);
const scanSensors = Array.from({ length: SCANS }, () => Math.floor(rnd() * SENSORS));
const scanPrefixes = scanSensors.map((s) => Buffer.from(prefixString(s), 'latin1'));

const AFTER_FLUSH = ' [after flush()]';
/** The reference binding has no sync option: SyncMode::Always. */
const REF_FSYNC = 'reference: fsync per batch (not configurable)';

async function readPhases(open: Map<SystemName, { store: Store; dir: string }>, only: SystemName[], suffix: string): Promise<void> {
  for (let rep = 0; rep < (skip.has('get') ? 0 : REPS); rep++) {
    for (const sys of rotated(rep).filter((x) => only.includes(x))) {
      const { store } = open.get(sys)!;
      for (const g of store.getters) {
        const { rate, hits } = await runGets(g, recs, getOrder);
        record('get', sys, g.label + suffix, 'get/s', rate, `${hits}/${GETS} hits`);
        log(`get${suffix} rep ${rep} ${sys} ${g.label}: ${Math.round(rate)}/s (${hits} hits)`);
      }
    }
  }

  for (let rep = 0; rep < (skip.has('prefix') ? 0 : REPS); rep++) {
    for (const sys of rotated(rep).filter((x) => only.includes(x))) {
      const { store } = open.get(sys)!;
      let total = 0;
      const s = await timeIt(async () => {
        for (const p of scanPrefixes) total += await store.prefixScan(p);
      });
      record('prefix', sys, `prefix scans (${STEPS} rec each)${suffix}`, 'scan/s', SCANS / s, `${total}/${SCANS * STEPS} records`, {
        'rec/s': total / s,
      });
      log(`prefix${suffix} rep ${rep} ${sys}: ${Math.round(SCANS / s)} scans/s (${total} records)`);
    }
  }

  for (let rep = 0; rep < (skip.has('full') ? 0 : REPS); rep++) {
    for (const sys of rotated(rep).filter((x) => only.includes(x))) {
      const { store } = open.get(sys)!;
      let n = 0;
      const s = await timeIt(async () => {
        n = await store.fullScan();
      });
      record('full', sys, `full scan${suffix}`, 'rec/s', n / s, `${n}/${N} records`);
      log(`full${suffix} rep ${rep} ${sys}: ${Math.round(n / s)} rec/s (${n} records)`);
    }
  }
}

async function main(): Promise<void> {
  const started = new Date();
  log(`systems: ${systems.join(', ')}; reps ${REPS}; node ${process.version}; ${cpus().length} cpus`);

  // write: fresh DB per repetition; the last repetition's stores serve the read phases.
  const open = new Map<SystemName, { store: Store; dir: string }>();
  if (!skip.has('write')) {
    for (let rep = 0; rep < REPS; rep++) {
      for (const sys of rotated(rep)) {
        const dir = freshDir(sys, 'rw');
        const store = await openStore(sys, dir, false);
        const s = await timeIt(async () => {
          for (let i = 0; i < N; i += WRITE_BATCH) await store.writeBatch(recs.slice(i, i + WRITE_BATCH));
        });
        record('write', sys, `batched writes (${WRITE_BATCH}/batch, no fsync)`, 'rec/s', N / s, sys === 'reference' ? REF_FSYNC : undefined);
        log(`write rep ${rep} ${sys}: ${Math.round(N / s)} rec/s`);
        if (rep < REPS - 1) {
          await store.close();
          rmSync(dir, { recursive: true, force: true });
        } else {
          open.set(sys, { store, dir });
        }
      }
    }

    await readPhases(open, [...open.keys()], '');
    // flowdb again after flush(): 100K records fit in its 64 MiB memtable, so the rows above
    // read the memtable only; these read SSTables (block cache warm after the first repetition).
    const f = open.get('flowdb');
    if (f?.store.flush !== undefined && !skip.has('flush')) {
      await f.store.flush();
      await readPhases(open, ['flowdb'], AFTER_FLUSH);
    }

    for (const { store, dir } of open.values()) {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }

  if (!skip.has('ingest')) {
    for (let rep = 0; rep < REPS; rep++) {
      for (const sys of [...rotated(rep), 'harness']) {
        if (sys === 'reference' && rep >= Number(args['ref-ingest-reps'])) continue;
        const child = spawnSync(process.execPath, [join(here, 'ingest.ts'), sys, String(INGEST), String(INGEST_BATCH)], {
          encoding: 'utf8',
          maxBuffer: 1 << 20,
        });
        const line = child.stdout.trim().split('\n').pop() ?? '';
        if (child.status !== 0 || !line.startsWith('{')) {
          log(`ingest rep ${rep} ${sys} FAILED (status ${child.status}): ${child.stderr.slice(-2000)}`);
          continue;
        }
        const r = JSON.parse(line) as {
          recPerSec: number; diskBytes: number; apparentBytes: number; peakRssMB: number; baseRssMB: number; closeSeconds: number; verified: boolean;
        };
        const note = (r.verified ? 'last record read back' : 'LAST RECORD MISSING') + (sys === 'reference' ? `; ${REF_FSYNC}` : '');
        record('ingest', sys, `1M ingest (${INGEST_BATCH}/batch, no fsync)`, 'rec/s', r.recPerSec, note, {
          diskMB: r.diskBytes / 2 ** 20, peakRssMB: r.peakRssMB, baseRssMB: r.baseRssMB, closeSeconds: r.closeSeconds,
        });
        const x = rows.get(`ingest|${sys}|1M ingest (${INGEST_BATCH}/batch, no fsync)`)!;
        x.extra![`diskMB#${rep}`] = r.diskBytes / 2 ** 20;
        x.extra![`peakRssMB#${rep}`] = r.peakRssMB;
        log(`ingest rep ${rep} ${sys}: ${Math.round(r.recPerSec)} rec/s, disk ${(r.diskBytes / 2 ** 20).toFixed(1)} MB, peak RSS ${r.peakRssMB.toFixed(0)} MB`);
      }
    }
  }

  if (!skip.has('durable')) {
    for (let rep = 0; rep < REPS; rep++) {
      for (const sys of rotated(rep)) {
        const dir = freshDir(sys, 'durable');
        const store = await openStore(sys, dir, true);
        try {
          let single = 0;
          for (const writers of [1, 64]) {
            const { rate, n } = await runDurable(store, writers, writers === 1 ? 0 : 100);
            if (writers === 1) single = rate;
            record('durable', sys, `durable writes, ${writers} writer${writers > 1 ? 's' : ''}`, 'write/s', rate, `${n} writes (last rep)`,
              writers === 1 ? undefined : { [`ratio#${rep}`]: rate / single });
            log(`durable rep ${rep} ${sys} ${writers} writers: ${Math.round(rate)}/s`);
          }
        } finally {
          await store.close();
          rmSync(dir, { recursive: true, force: true });
        }
      }
    }
  }

  report(started);
}

// ---- report --------------------------------------------------------------------------------

/** The classic-level row each workload is compared against. */
function baselineOp(r: Row): string | undefined {
  if (r.workload === 'get') return 'get(key) async, 16 in flight';
  const op = r.op.replace(AFTER_FLUSH, '');
  return [...rows.values()].find((x) => x.workload === r.workload && x.system === 'classic-level' && x.op === op)?.op;
}

function fmt(x: number): string {
  if (x >= 100_000) return `${(x / 1000).toFixed(0)}K`;
  if (x >= 10_000) return `${(x / 1000).toFixed(1)}K`;
  if (x >= 1000) return `${(x / 1000).toFixed(2)}K`;
  return x.toFixed(x >= 100 ? 0 : 1);
}

function report(started: Date): void {
  const out: string[] = [];
  const order = ['write', 'get', 'prefix', 'full', 'ingest', 'durable'];
  const all = [...rows.values()].sort((a, b) => order.indexOf(a.workload) - order.indexOf(b.workload));
  out.push(`flowdb engine benchmark — ${started.toISOString()} — node ${process.version}, ${availableParallelism()} cpus (${cpus()[0]?.model ?? '?'})`);
  out.push(`commit ${commitAtStart}; load average at start ${loadAtStart.map((x) => x.toFixed(1)).join(' ')}, at end ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
  out.push(`reps ${REPS}; figures are medians [min–max]; "vs CL" = median ÷ classic-level's median in this run`);
  out.push('');
  out.push('| workload | system | operation | median | unit | [min–max] | vs CL | check |');
  out.push('|---|---|---|---:|---|---|---:|---|');
  for (const r of all) {
    const m = median(r.samples);
    const bop = baselineOp(r);
    const base = bop === undefined ? undefined : rows.get(`${r.workload}|classic-level|${bop}`);
    const ratio = base === undefined || r.system === 'harness' ? '' : `${(m / median(base.samples)).toFixed(2)}×`;
    const range = `${fmt(Math.min(...r.samples))}–${fmt(Math.max(...r.samples))}`;
    out.push(`| ${r.workload} | ${r.system} | ${r.op} | ${fmt(m)} | ${r.unit} | ${range} | ${ratio} | ${r.check ?? ''} |`);
  }
  const ingest = all.filter((r) => r.workload === 'ingest');
  if (ingest.length > 0) {
    out.push('');
    out.push('| ingest | rec/s | vs CL | disk MB (median) | peak RSS MB (median) | process base RSS MB | close s |');
    out.push('|---|---:|---:|---:|---:|---:|---:|');
    const base = ingest.find((r) => r.system === 'classic-level');
    for (const r of ingest) {
      const e = r.extra ?? {};
      const per = (k: string) => median(Object.entries(e).filter(([n]) => n.startsWith(`${k}#`)).map(([, v]) => v));
      const ratio = base === undefined || r.system === 'harness' ? '' : `${(median(r.samples) / median(base.samples)).toFixed(2)}×`;
      out.push(`| ${r.system} | ${fmt(median(r.samples))} | ${ratio} | ${per('diskMB').toFixed(1)} | ${per('peakRssMB').toFixed(0)} | ${(e['baseRssMB'] ?? 0).toFixed(0)} | ${(e['closeSeconds'] ?? 0).toFixed(2)} |`);
    }
  }
  const durable = all.filter((r) => r.workload === 'durable');
  if (durable.length > 0) {
    out.push('');
    out.push('| durable | 1 writer/s | 64 writers/s | 64 ÷ 1 (medians) | 64 ÷ 1 per rep (same DB, back to back) |');
    out.push('|---|---:|---:|---:|---|');
    for (const sys of systems) {
      const one = rows.get(`durable|${sys}|durable writes, 1 writer`);
      const many = rows.get(`durable|${sys}|durable writes, 64 writers`);
      if (one === undefined || many === undefined) continue;
      const per = Object.entries(many.extra ?? {}).filter(([k]) => k.startsWith('ratio#')).map(([, v]) => `${v.toFixed(1)}×`);
      out.push(`| ${sys} | ${fmt(median(one.samples))} | ${fmt(median(many.samples))} | ${(median(many.samples) / median(one.samples)).toFixed(1)}× | ${per.join(', ')} |`);
    }
  }
  out.push('');
  out.push(...targets());
  console.log(out.join('\n'));
  if (args.json !== undefined) {
    writeFileSync(args.json, JSON.stringify({ started, reps: REPS, rows: all }, null, 2));
  }
}

function targets(): string[] {
  const m = (w: string, s: SystemName, op: string) => {
    const r = rows.get(`${w}|${s}|${op}`);
    return r === undefined ? undefined : median(r.samples);
  };
  const lines = ['Targets (issue 2), flowdb vs classic-level in this run:'];
  const check = (name: string, got: number | undefined, want: number, extra = '') => {
    if (got === undefined || Number.isNaN(got)) return;
    lines.push(`- ${name}: ${got.toFixed(2)}× (target ≥ ${want}×) ${got >= want ? 'MET' : 'MISSED'}${extra}`);
  };
  const w = `batched writes (${WRITE_BATCH}/batch, no fsync)`;
  check('batched writes', ratio(m('write', 'flowdb', w), m('write', 'classic-level', w)), 1.5);
  const cl = m('get', 'classic-level', 'get(key) async, 16 in flight');
  check('point gets, latest get(key), vs CL async 16', ratio(m('get', 'flowdb', 'get latest get(key), 16 in flight'), cl), 2);
  check('point gets, exact get(key,{ts}), vs CL async 16', ratio(m('get', 'flowdb', 'get exact get(key,{ts}), 16 in flight'), cl), 2);
  const p = `prefix scans (${STEPS} rec each)`;
  check('prefix scans', ratio(m('prefix', 'flowdb', p), m('prefix', 'classic-level', p)), 2);
  const i = `1M ingest (${INGEST_BATCH}/batch, no fsync)`;
  const ir = rows.get(`ingest|flowdb|${i}`);
  const rss = ir === undefined ? undefined : median(Object.entries(ir.extra ?? {}).filter(([k]) => k.startsWith('peakRssMB#')).map(([, v]) => v));
  check('1M ingest', ratio(m('ingest', 'flowdb', i), m('ingest', 'classic-level', i)), 1.5,
    rss === undefined ? '' : `; peak RSS ${rss.toFixed(0)} MB (target ≤ 300 MB) ${rss <= 300 ? 'MET' : 'MISSED'}`);
  check('durable, 64 writers ÷ 1 writer', ratio(m('durable', 'flowdb', 'durable writes, 64 writers'), m('durable', 'flowdb', 'durable writes, 1 writer')), 8);
  return lines;
}

function ratio(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined || b === undefined ? undefined : a / b;
}

await main();
