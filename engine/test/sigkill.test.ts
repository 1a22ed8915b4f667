/**
 * Process-kill test on the real filesystem. Each cycle a child process (sigkill-child.ts) opens
 * the SAME data directory on NodeFS with sync 'always' and runs concurrent writers (small
 * memtable: WAL rotations and flushes happen every cycle) printing `ack <firstSeq> <id>` per
 * acknowledged batch. The parent SIGKILLs it after a random number of acks or a random delay
 * (which may land during startup or recovery), then opens the directory itself and checks:
 * it opens; every batch ever acknowledged is present with its seq; every batch is all or
 * nothing (the data equals the model of the present batches in seq order); batches that were
 * present stay present in later cycles; no orphan files. State accumulates across cycles, so
 * recovery of recovered directories is exercised.
 *
 * FLOWDB_KILLS (default 100) cycles; FLOWDB_KILL_SEED (default 1) picks batch contents and kill
 * points. Kill timing is real time, so a replay reproduces the plan, not the exact interleaving.
 * Children are spawned one cycle ahead (they wait for `go`) and use a compile cache, so the
 * node startup cost overlaps the previous cycle.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { type Engine, ErrorCode, isFlowError, openEngine } from '../src/index.ts';
import { NodeFS } from '../src/vfs/index.ts';
import { type Planned, type PlanOptions, assertNoOrphans, planBatch, verifyDb } from './batch-oracle.ts';
import { rng } from './rng.ts';
import type { ChildConfig } from './sigkill-child.ts';

const KILLS = Number(process.env.FLOWDB_KILLS ?? 100);
const SEED = Number(process.env.FLOWDB_KILL_SEED ?? 1);
const CHILD = join(import.meta.dirname, 'sigkill-child.ts');
const PLAN: PlanOptions = { keys: 40, pad: 120, maxOps: 5 };
const CONFIG: ChildConfig = {
  plan: PLAN, memtableBytes: 32 * 1024, blockBytes: 2048, levelBaseBytes: 96 * 1024, targetFileBytes: 32 * 1024,
  writers: 3, batchesPerWriter: 200,
};

interface Child {
  proc: ChildProcess;
  cycle: number;
  lines: string[];
  onLine: ((line: string) => void) | undefined;
  ready: Promise<void>;
  closed: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr: string;
}

function spawnChild(dir: string, cycle: number): Child {
  const proc = spawn(process.execPath, [CHILD, dir, String(SEED), String(cycle), JSON.stringify(CONFIG)], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, NODE_COMPILE_CACHE: join(tmpdir(), 'flowdb-test-compile-cache') },
  });
  let readyResolve!: () => void;
  const c: Child = {
    proc, cycle, lines: [], onLine: undefined, stderr: '',
    ready: new Promise<void>((r) => (readyResolve = r)),
    closed: new Promise((r) => proc.on('close', (code, signal) => r({ code, signal }))),
  };
  let buf = '';
  proc.stdout?.on('data', (d: Buffer) => {
    buf += d.toString();
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      c.lines.push(line);
      if (line === 'ready') readyResolve();
      c.onLine?.(line);
    }
  });
  proc.stderr?.on('data', (d: Buffer) => (c.stderr += d.toString()));
  proc.stdin?.on('error', () => undefined); // EPIPE when it is already dead
  void c.closed.then(() => readyResolve());
  return c;
}

/** Opens the killed child's directory. NB: no retry on LOCKED: a dead holder's lock must be taken over at once. */
async function openWithRetry(dir: string): Promise<{ db: Engine; lockedRetries: number }> {
  // The default (large) memtable and no compaction: this open starts no background work,
  // so the file listing is stable. The next child's open flushes the recovered memtable.
  const db = await openEngine(dir, { sync: { mode: 'always' }, autoCompaction: false, fs: new NodeFS() });
  return { db, lockedRetries: 0 };
}

test(`SIGKILL a writer process ${KILLS} times on one directory`, { timeout: 600_000 }, async () => {
  const started = performance.now();
  const dir = mkdtempSync(join(tmpdir(), 'flowdb-sigkill-'));
  const r = rng(SEED);
  const plans = new Map<string, Planned>();
  const lookup = {
    get(id: string): Planned | undefined {
      const m = /^c(\d+)\.(\d+)\.(\d+)$/.exec(id);
      if (m === null || Number(m[1]) >= KILLS || Number(m[2]) >= CONFIG.writers || Number(m[3]) >= CONFIG.batchesPerWriter) return undefined;
      let p = plans.get(id);
      if (p === undefined) plans.set(id, (p = planBatch(SEED, id, PLAN)));
      return p;
    },
  };
  const acked = new Map<string, number>();
  let present = new Map<string, number>();
  const st = { byAcks: 0, byDelay: 0, beforeOpen: 0, completed: 0, lockedRetries: 0, unackedSurvivors: 0, maxTables: 0,
    openMs: 0, childMs: 0, verifyMs: 0, flushes: 0, midFlush: 0, compactions: 0, midCompaction: 0 };
  let next = spawnChild(dir, 0);
  let cycle = 0;
  try {
    for (; cycle < KILLS; cycle++) {
      const child = next;
      await child.ready;
      const byAcks = r.int(5) < 3;
      const killAfterAcks = r.int(60);
      const killAfterMs = r.int(150);
      let acks = 0;
      const goAt = performance.now();
      let flushing = false;
      let compacting = false;
      let killed = false;
      const kill = () => {
        if (killed) return;
        killed = true;
        if (flushing) st.midFlush++;
        if (compacting) st.midCompaction++;
        child.proc.kill('SIGKILL');
      };
      child.onLine = (line) => {
        if (line === 'open') st.openMs += performance.now() - goAt;
        if (line === 'flush+') flushing = true;
        if (line === 'flush-') {
          flushing = false;
          if (!killed) st.flushes++;
        }
        if (line === 'compact+') compacting = true;
        if (line === 'compact-') {
          compacting = false;
          if (!killed) st.compactions++;
        }
        if (!line.startsWith('ack ')) return;
        const [, seq, id] = line.split(' ');
        acked.set(id as string, Number(seq));
        if (byAcks && ++acks >= killAfterAcks) kill();
      };
      child.proc.stdin?.write('go\n');
      const timer = byAcks ? undefined : setTimeout(kill, killAfterMs);
      if (byAcks && killAfterAcks === 0) kill();
      // Spawn the next child now: its startup overlaps this cycle's writes and checks.
      if (cycle + 1 < KILLS) next = spawnChild(dir, cycle + 1);
      const { code, signal } = await child.closed;
      clearTimeout(timer);
      const what = `seed ${SEED} cycle ${cycle} (dir ${dir})`;
      if (signal !== 'SIGKILL') {
        assert.equal(code, 0, `${what}: child failed:\n${child.stderr}`);
        assert.ok(child.lines.includes('done'), `${what}: child exited without finishing`);
        st.completed++;
      } else if (byAcks) {
        st.byAcks++;
      } else {
        st.byDelay++;
      }
      if (!child.lines.includes('open')) st.beforeOpen++;

      const verifyAt = performance.now();
      st.childMs += verifyAt - goAt;
      const { db, lockedRetries } = await openWithRetry(dir);
      st.lockedRetries += lockedRetries;
      try {
        const rec = await verifyDb(db, lookup, acked, what, 8);
        for (const [id, seq] of present) {
          assert.equal(rec.present.get(id), seq, `${what}: batch ${id} was recovered before but is gone or moved now`);
        }
        present = rec.present;
        st.maxTables = Math.max(st.maxTables, db.stats().sstableCount);
        await assertNoOrphans(new NodeFS(), dir, db.stats().sstableCount, what);
      } finally {
        await db.close();
      }
      st.verifyMs += performance.now() - verifyAt;
    }
  } catch (e) {
    console.error(`sigkill test failed in cycle ${cycle}: replay with FLOWDB_KILL_SEED=${SEED}; data dir kept: ${dir}`);
    next.proc.kill('SIGKILL');
    throw e;
  }
  for (const id of present.keys()) if (!acked.has(id)) st.unackedSurvivors++;
  rmSync(dir, { recursive: true, force: true });
  const secs = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage();
  console.log(`sigkill: ${KILLS} cycles in ${secs.toFixed(1)}s (parent cpu ${((cpu.user + cpu.system) / 1e6).toFixed(1)}s); ${acked.size} acked batches, ${present.size} present ` +
    `(${st.unackedSurvivors} unacknowledged survivors); killed after acks ${st.byAcks}, after a delay ${st.byDelay} ` +
    `(${st.beforeOpen} before the engine was open), completed ${st.completed}; ${st.midFlush} kills while a flush ran, ` +
    `${st.midCompaction} while a compaction ran; ${st.flushes} flushes and ${st.compactions} compactions finished; lock retries ${st.lockedRetries}; ` +
    `up to ${st.maxTables} tables; avg ms per cycle: child open ${(st.openMs / Math.max(1, KILLS - st.beforeOpen)).toFixed(0)}, ` +
    `child run ${(st.childMs / KILLS).toFixed(0)}, parent check ${(st.verifyMs / KILLS).toFixed(0)}`);
  assert.ok(acked.size > KILLS * 5, 'the children must get real work acknowledged');
  if (KILLS >= 50) assert.ok(st.flushes > KILLS / 5, 'the children must flush');
});
