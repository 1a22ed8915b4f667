/**
 * Power-loss simulation (sync 'always', MemFS). Per seed: concurrent writers send random
 * batches (puts with unique value tags, deletes, range deletes) into an engine with a tiny
 * memtable and tiny blocks, so WAL rotations and flushes run while writes are in flight. At the
 * k-th filesystem operation (k random) a wrapper takes `crashClone()` synchronously: that is the
 * disk after a power loss at that instant. Batches acknowledged before that instant must all be
 * recovered with their seqs; every other batch is all-or-nothing, and survivors form a seq
 * prefix. Recovery must be idempotent (reopen, and a second power loss right after recovery) and
 * leave no orphan files. Tiny levels make compactions run (and get crashed) as well.
 *
 * Default: FLOWDB_CRASH_SEEDS (1000; 10,000 with FLOWDB_RELIABILITY_LONG=1) seeds from FLOWDB_CRASH_SEED0 (1).
 * A failing seed is printed;
 * replay one with FLOWDB_CRASH_SEED=<seed>.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Engine, type OpenOptions, openEngine } from '../src/index.ts';
import { ManualClock } from '../src/testing/index.ts';
import { ErrorFS, MemFS } from '../src/vfs/index.ts';
import {
  type Planned, type PlanOptions, assertNoOrphans, assertSeqPrefix, planWith, verifyDb,
} from './batch-oracle.ts';
import { rng } from './rng.ts';

const SEED0 = Number(process.env.FLOWDB_CRASH_SEED0 ?? 1);
const SEEDS = process.env.FLOWDB_CRASH_SEED
  ? [Number(process.env.FLOWDB_CRASH_SEED)]
  : Array.from({ length: Number(process.env.FLOWDB_CRASH_SEEDS ?? (process.env.FLOWDB_RELIABILITY_LONG === '1' ? 10_000 : 1000)) }, (_, i) => SEED0 + i);
const DIR = '/db';
/** FLOWDB_CRASH_DEBUG=1: print the fs ops around the crash point and the crash image. */
const DEBUG = process.env.FLOWDB_CRASH_DEBUG === '1';

interface SeedStats {
  fsOps: number;
  crashAt: number;
  acked: number;
  present: number;
  planned: number;
  flushes: number;
  compactions: number;
  /** At the crash point: writes queued or being committed, a flush running. */
  writesInFlight: boolean;
  flushInFlight: boolean;
  compactionInFlight: boolean;
}

async function runSeed(seed: number): Promise<SeedStats> {
  const r = rng(seed);
  const mem = new MemFS();
  const plan: PlanOptions = { keys: 8 + r.int(40), pad: r.int(2) ? 200 : 20, maxOps: 1 + r.int(6) };
  const writers = 2 + r.int(3);
  const perWriter = 4 + r.int(12);
  const preamble = r.int(3); // 0: none; 1: clean close + reopen; 2: power loss + recovery before the workload
  const crashRng = rng(seed ^ 0x5bd1e995);
  const pickRng = rng(seed ^ 0x27d4eb2f);
  const crashOpts = { keepUnsyncedFraction: r.int(2) ? 0.5 : 0, garbageTail: r.int(2) === 0, rng: () => crashRng.float() };
  const clock = new ManualClock();
  const base: OpenOptions = {
    sync: { mode: 'always' }, clock,
    memtableBytes: 1024 + r.int(3000), blockBytes: 64 + r.int(256), maxFrozenMemtables: 1 + r.int(2),
    bloomBitsPerKey: r.int(2) ? 10 : 0, compression: r.int(4) === 0 ? 'zstd' : 'none',
    // Tiny levels and output files: compactions run (and get crashed) too.
    levelBaseBytes: 1024 + r.int(16384), targetFileBytes: 256 + r.int(4096),
  };
  // Opens that check a recovered image: no background compaction, so the file listing is stable.
  const checkOpts: OpenOptions = { ...base, autoCompaction: false };
  const planned = new Map<string, Planned>();
  const seqOf = new Map<string, number>(); // every batch the original engine committed
  const ackLog: [string, number][] = []; // acknowledgements in the order the writers saw them
  let inFlight = 0;
  let flushing = false;
  let flushes = 0;
  let compacting = false;
  let compactions = 0;

  // The crash point is a uniformly random fs operation of the whole run (reservoir sampling:
  // the i-th op replaces the image with probability 1/i), so no op count is guessed up front.
  // The image is taken synchronously before that op runs; acks seen until then must survive.
  let liveFs = mem;
  let fsOps = 0;
  let crash: { fs: MemFS; at: number; acked: number; writes: boolean; flush: boolean; compaction: boolean } | undefined;
  const trace: string[] = [];
  const counting = (inner: MemFS) => new ErrorFS(inner, (info) => {
    fsOps++;
    if (DEBUG) trace.push(`${fsOps} ${info.op} ${info.path}${info.bytes === undefined ? '' : ` ${info.bytes}B`}`);
    if (pickRng.int(fsOps) === 0) {
      crash = {
        fs: liveFs.crashClone(crashOpts), at: fsOps, acked: ackLog.length, writes: inFlight > 0, flush: flushing, compaction: compacting,
      };
    }
    return undefined;
  });
  const watch = (db: Engine) => {
    db.events.on('flushStarted', () => (flushing = true));
    db.events.on('flushFinished', () => {
      flushing = false;
      flushes++;
    });
    db.events.on('compactionStarted', () => (compacting = true));
    db.events.on('compactionFinished', () => {
      compacting = false;
      compactions++;
    });
  };

  let db: Engine = await openEngine(DIR, { ...base, fs: counting(mem) });
  watch(db);
  const writeOne = async (id: string): Promise<void> => {
    const b = planWith(r, id, plan);
    planned.set(id, b);
    inFlight++;
    const res = await db.write(b.ops);
    inFlight--;
    assert.equal(res.seq - res.firstSeq + 1, b.ops.length, `batch ${id}: one seq per op`);
    seqOf.set(id, res.firstSeq);
    ackLog.push([id, res.firstSeq]);
  };
  if (preamble > 0) {
    for (let i = 0; i < 3 + r.int(10); i++) await writeOne(`p${i}`);
    if (preamble === 2) liveFs = mem.crashClone({ keepUnsyncedFraction: 0.5, rng: () => crashRng.float() });
    await db.close();
    db = await openEngine(DIR, { ...base, fs: counting(liveFs) });
    watch(db);
  }

  // The workload: concurrent writers, plus an explicit flush now and then.
  const tasks: Promise<void>[] = [];
  for (let w = 0; w < writers; w++) {
    tasks.push((async () => {
      for (let i = 0; i < perWriter; i++) await writeOne(`w${w}.${i}`);
    })());
  }
  tasks.push((async () => {
    for (let i = 0; i < 3; i++) {
      for (let y = r.int(30); y > 0; y--) await Promise.resolve();
      if (r.int(3) === 0) await db.compact();
      else await db.flush();
    }
  })());
  await Promise.all(tasks);
  await db.close();
  assert.ok(crash !== undefined);
  const clone = crash.fs;
  const acked = new Map(ackLog.slice(0, crash.acked));
  if (DEBUG) {
    console.log(`preamble ${preamble}, crash ${JSON.stringify({ ...crashOpts, rng: undefined })}\n` +
      `${trace.slice(Math.max(0, crash.at - 25), crash.at + 5).join('\n')}\n-- crash image:\n${clone.dump()}`);
  }
  const crashAt = crash.at;
  const what = (s: string) => `seed ${seed} (crash at fs op ${crashAt}/${fsOps}): ${s}`;
  const opts = { ...checkOpts, fs: clone };
  // 1. Recover the crash image.
  const db1 = await openEngine(DIR, opts);
  const rec1 = await verifyDb(db1, planned, acked, what('first recovery'));
  assertSeqPrefix(rec1, seqOf, what('first recovery'));
  assert.ok(db1.stats().lastSeq >= rec1.maxSeq, what('lastSeq went backwards'));
  // 2. Power loss right after recovery: what recovery made durable must be everything.
  const again = clone.crashClone({ keepUnsyncedFraction: 0, rng: () => crashRng.float() });
  await db1.flush(); // open may have started a flush of a large recovered memtable
  await assertNoOrphans(clone, DIR, db1.stats().sstableCount, what('after first recovery'));
  await db1.close();
  const db2 = await openEngine(DIR, { ...opts, fs: again });
  const rec2 = await verifyDb(db2, planned, rec1.present, what('recovery after a crash right after recovery'), 6);
  assert.deepEqual(rec2.present, rec1.present, what('second crash changed the recovered batches'));
  await db2.close();
  // 3. Clean reopen of the recovered directory; it accepts writes with newer seqs.
  const db3 = await openEngine(DIR, opts);
  const rec3 = await verifyDb(db3, planned, rec1.present, what('reopen after recovery'), 6);
  assert.deepEqual(rec3.present, rec1.present, what('reopen changed the recovered batches'));
  await db3.flush();
  await assertNoOrphans(clone, DIR, db3.stats().sstableCount, what('after reopen'));
  const post = planWith(r, 'post', plan);
  planned.set('post', post);
  const res = await db3.write(post.ops);
  assert.ok(res.firstSeq > rec1.maxSeq, what(`new write got seq ${res.firstSeq} <= recovered ${rec1.maxSeq}`));
  await db3.flush();
  await verifyDb(db3, planned, new Map([...rec1.present, ['post', res.firstSeq]]), what('write after recovery'), 6);
  await db3.close();
  return {
    fsOps, crashAt, acked: acked.size, present: rec1.present.size, planned: planned.size - 1, flushes, compactions,
    writesInFlight: crash.writes, flushInFlight: crash.flush, compactionInFlight: crash.compaction,
  };
}

test(`power loss at a random fs operation, ${SEEDS.length} seeds`, async () => {
  const started = performance.now();
  let ops = 0;
  let flushes = 0;
  let survivors = 0;
  let midWrite = 0;
  let midFlush = 0;
  let midCompaction = 0;
  let compactions = 0;
  for (const seed of SEEDS) {
    let s: SeedStats;
    try {
      s = await runSeed(seed);
    } catch (e) {
      console.error(`crash test failed: replay with FLOWDB_CRASH_SEED=${seed} (FLOWDB_CRASH_DEBUG=1 for a trace)`);
      throw e;
    }
    ops += s.fsOps;
    flushes += s.flushes;
    if (s.present > s.acked) survivors++;
    if (s.writesInFlight) midWrite++;
    if (s.flushInFlight) midFlush++;
    if (s.compactionInFlight) midCompaction++;
    compactions += s.compactions;
  }
  const secs = (performance.now() - started) / 1000;
  console.log(`crash: ${SEEDS.length} seeds in ${secs.toFixed(1)}s; avg ${Math.round(ops / SEEDS.length)} fs ops and ` +
    `${(flushes / SEEDS.length).toFixed(1)} flushes, ${(compactions / SEEDS.length).toFixed(1)} compactions per seed; ` +
    `crash with writes in flight ${midWrite}, mid-flush ${midFlush}, mid-compaction ${midCompaction}; unacknowledged batches survived in ${survivors}`);
  if (SEEDS.length >= 100) {
    assert.ok(midWrite > SEEDS.length / 4, 'crash points must often land while writes are in flight');
    assert.ok(midFlush > SEEDS.length / 10, 'crash points must often land during a flush');
    assert.ok(midCompaction > SEEDS.length / 20, 'crash points must land during compactions');
    assert.ok(survivors > 0, 'some unacknowledged batches must survive (keepUnsyncedFraction)');
  }
});

test('a new database directory survives a power loss (its parent directory is synced)', async () => {
  for (const dir of ['/db', '/data/db']) {
    const mem = new MemFS({ volatileDirs: true });
    if (dir === '/data/db') {
      await mem.mkdirp('/data');
      await mem.syncDir('/');
    }
    const db = await openEngine(dir, { sync: { mode: 'always' }, clock: new ManualClock(), fs: mem });
    await db.write([{ type: 'put', key: Buffer.from('k'), ts: 1, value: Buffer.from('v') }]);
    const image = mem.crashClone();
    await db.close();
    const db2 = await openEngine(dir, { sync: { mode: 'always' }, clock: new ManualClock(), fs: image, createIfMissing: false }).catch((e: unknown) => {
      assert.fail(`${dir}: the acknowledged write's database is gone after a power loss: ${(e as Error).message}\n${image.dump()}`);
    });
    assert.equal(Buffer.from((await db2.get(Buffer.from('k')))?.value ?? []).toString(), 'v');
    await db2.close();
  }
});

test('a checkpoint survives a power loss right after it returns (its new directory is synced)', async () => {
  const mem = new MemFS({ volatileDirs: true });
  const db = await openEngine('/db', { sync: { mode: 'always' }, clock: new ManualClock(), fs: mem });
  await db.write([{ type: 'put', key: Buffer.from('k'), ts: 1, value: Buffer.from('v') }]);
  await db.flush();
  await db.checkpoint('/backups/cp');
  const image = mem.crashClone();
  await db.close();
  const cp = await openEngine('/backups/cp', { clock: new ManualClock(), fs: image, createIfMissing: false });
  assert.equal(Buffer.from((await cp.get(Buffer.from('k')))?.value ?? []).toString(), 'v');
  await cp.close();
});
