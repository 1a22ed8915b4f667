/**
 * IndexedDB benchmark: @flowdb/idb durable and relaxed vs fake-indexeddb, in one process, with
 * ratios vs fake-indexeddb and vs the reference crate's published JsonDB figures (its README,
 * SyncMode::Always, Apple M; flowdb-reference.md §6.2).
 *
 *   npm run bench:idb -- [--reps 3] [--only flowdb-durable,fake-indexeddb] [--docs 20000]
 *                        [--singles 2000] [--reads 20000] [--ms 5000] [--json out.json]
 *
 * Phases per system and repetition (order of systems rotated per repetition; medians reported):
 *   single  one add() per readwrite transaction, each awaited to "complete" (at most --singles or --ms)
 *   single-64  one add() per readwrite transaction, 64 transactions in flight (--singles × 4 or --ms)
 *   batch   100 add()s per transaction, --docs documents (or --ms)
 *   get     --reads point get(id) of random ids, 1 per readonly transaction and 100 per transaction
 *   index   --reads equality get(email) on a unique index, 100 per readonly transaction
 *   cursor  one openCursor() walk over every document
 * "CPU µs/op" is process CPU time (every thread) per operation: steadier than rates on a loaded
 * machine, though it leaves out fsync waits.
 * Benchmarks are not tests: nothing here gates CI.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { parseArgs } from 'node:util';
import { DESCRIPTIONS, SYSTEMS, type SystemName, openSystem } from './systems.ts';
import { cursorWalk, indexLookups, openBenchDb, pointReads, randomIds, writeBatches, writeSingles, writeSinglesConcurrent } from './workload.ts';

const { values: args } = parseArgs({
  options: {
    reps: { type: 'string', default: '3' },
    only: { type: 'string' },
    docs: { type: 'string', default: '20000' },
    singles: { type: 'string', default: '2000' },
    reads: { type: 'string', default: '20000' },
    ms: { type: 'string', default: '5000' },
    json: { type: 'string' },
  },
});
const REPS = Number(args.reps);
const DOCS = Number(args.docs);
const SINGLES = Number(args.singles);
const READS = Number(args.reads);
const MS = Number(args.ms);
const systems: SystemName[] = args.only !== undefined ? (args.only.split(',') as SystemName[]) : [...SYSTEMS];
const tmpRoot = process.env['FLOWDB_BENCH_TMP'] ?? tmpdir();
const loadAtStart = loadavg();
const git = (a: string[]): string => spawnSync('git', a, { encoding: 'utf8' }).stdout?.trim() ?? '?';
const commit = `${git(['rev-parse', '--short', 'HEAD'])} (idb/src last changed in ${git(['log', '-1', '--format=%h', '--', 'idb/src'])})`;

/** The reference crate's published JsonDB figures (§6.2), per row id. */
const REFERENCE: Partial<Record<string, number>> = { single: 121, 'single-64': 121, batch: 7057, 'get-1': 244_741, 'get-100': 244_741, index: 9402 };

interface Row {
  id: string;
  what: string;
  unit: string;
  check?: string;
}
const ROWS: Row[] = [
  { id: 'single', what: 'write, 1 doc per transaction', unit: 'docs/s' },
  { id: 'single-64', what: 'write, 1 doc per transaction, 64 in flight', unit: 'docs/s' },
  { id: 'batch', what: 'write, 100 docs per transaction', unit: 'docs/s' },
  { id: 'get-1', what: 'point get, 1 per transaction', unit: 'gets/s' },
  { id: 'get-100', what: 'point get, 100 per transaction', unit: 'gets/s' },
  { id: 'index', what: 'unique index equality get, 100 per transaction', unit: 'lookups/s' },
  { id: 'cursor', what: 'cursor walk over all docs', unit: 'records/s' },
];

/** results[system][row] = rates of each repetition; cpu[system][row] = process CPU µs per op; checks: last check string. */
const results = new Map<SystemName, Map<string, number[]>>();
const cpu = new Map<SystemName, Map<string, number[]>>();
const checks = new Map<SystemName, Map<string, string>>();
/** Process CPU time (all threads) of the last timed() phase, µs. */
let lastCpuMicros = 0;
function push(into: Map<SystemName, Map<string, number[]>>, sys: SystemName, row: string, x: number): void {
  const m = into.get(sys) ?? new Map<string, number[]>();
  into.set(sys, m);
  const list = m.get(row) ?? [];
  list.push(x);
  m.set(row, list);
}
function record(sys: SystemName, row: string, count: number, ms: number, check?: string): void {
  push(results, sys, row, (count / ms) * 1000);
  push(cpu, sys, row, lastCpuMicros / count);
  if (check !== undefined) {
    const c = checks.get(sys) ?? new Map<string, string>();
    checks.set(sys, c);
    c.set(row, check);
  }
}

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const out = await fn();
  const c = process.cpuUsage(c0);
  lastCpuMicros = c.user + c.system;
  return [out, performance.now() - t0];
}

async function runSystem(name: SystemName, rep: number): Promise<void> {
  const sys = await openSystem(name, tmpRoot);
  try {
    const db = await openBenchDb(sys.indexedDB);
    const [singles, ms1] = await timed(() => writeSingles(db, sys.durability, 10_000_000, SINGLES, MS));
    record(name, 'single', singles, ms1);
    const [concurrent, msC] = await timed(() => writeSinglesConcurrent(db, sys.durability, 20_000_000, SINGLES * 4, 64, MS));
    record(name, 'single-64', concurrent, msC);
    const [batched, ms2] = await timed(() => writeBatches(db, sys.durability, 0, DOCS, 100, MS * 4));
    record(name, 'batch', batched, ms2);
    const ids = randomIds(READS, batched, 7 + rep);
    const [hits1, ms3] = await timed(() => pointReads(db, ids.slice(0, Math.min(READS, 5000)), 1));
    record(name, 'get-1', Math.min(READS, 5000), ms3, `${hits1}/${Math.min(READS, 5000)} hits`);
    const [hits100, ms4] = await timed(() => pointReads(db, ids, 100));
    record(name, 'get-100', READS, ms4, `${hits100}/${READS} hits`);
    const [hitsIx, ms5] = await timed(() => indexLookups(db, ids, 100));
    record(name, 'index', READS, ms5, `${hitsIx}/${READS} hits`);
    const [walked, ms6] = await timed(() => cursorWalk(db));
    record(name, 'cursor', walked, ms6, `${walked}/${batched + singles + concurrent} records`);
    db.close();
  } finally {
    await sys.close();
  }
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};
function fmt(x: number): string {
  if (x >= 1e6) return `${(x / 1e6).toFixed(2)}M`;
  if (x >= 1e4) return `${(x / 1e3).toFixed(0)}K`;
  if (x >= 1e3) return `${(x / 1e3).toFixed(1)}K`;
  return x.toFixed(0);
}
const ratio = (a: number | undefined, b: number | undefined): string => (a === undefined || b === undefined || b === 0 ? '' : `${(a / b).toFixed(2)}×`);

for (let rep = 0; rep < REPS; rep++) {
  const order = systems.map((_, i) => systems[(i + rep) % systems.length] as SystemName);
  for (const name of order) {
    process.stderr.write(`rep ${rep + 1}/${REPS}: ${name}\n`);
    await runSystem(name, rep);
  }
}

const out: string[] = [];
out.push(`commit ${commit}; ${cpus().length} × ${cpus()[0]?.model ?? '?'}; Node ${process.version}`);
out.push(`load average at start ${loadAtStart.map((x) => x.toFixed(1)).join(' ')}, at end ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
out.push(`reps ${REPS}, docs ${DOCS}, singles ≤${SINGLES}, reads ${READS} (get-1: ≤5000), time cap ${MS} ms (batch ${MS * 4} ms)`);
for (const s of systems) out.push(`- ${s}: ${DESCRIPTIONS[s]}`);
out.push('');
out.push('| operation | system | median | unit | [min–max] | CPU µs/op | vs fake-indexeddb | vs reference §6.2 | check |');
out.push('|---|---|---:|---|---|---:|---:|---:|---|');
const fake = results.get('fake-indexeddb');
for (const row of ROWS) {
  for (const s of systems) {
    const xs = results.get(s)?.get(row.id);
    if (xs === undefined) continue;
    const m = median(xs);
    const f = fake?.get(row.id);
    const ref = REFERENCE[row.id];
    out.push(
      `| ${row.what} | ${s} | ${fmt(m)} | ${row.unit} | ${fmt(Math.min(...xs))}–${fmt(Math.max(...xs))} | ` +
        `${median(cpu.get(s)?.get(row.id) ?? [0]).toFixed(0)} | ` +
        `${f === undefined ? '' : ratio(m, median(f))} | ${ref === undefined ? '' : `${ratio(m, ref)} (${fmt(ref)})`} | ${checks.get(s)?.get(row.id) ?? ''} |`,
    );
  }
}
console.log(out.join('\n'));
if (args.json !== undefined) {
  const json = Object.fromEntries([...results].map(([s, m]) => [s, Object.fromEntries(m)]));
  const cpuJson = Object.fromEntries([...cpu].map(([s, m]) => [s, Object.fromEntries(m)]));
  writeFileSync(args.json, JSON.stringify({ commit, loadAtStart, loadAtEnd: loadavg(), results: json, cpuMicrosPerOp: cpuJson }, null, 2));
}
