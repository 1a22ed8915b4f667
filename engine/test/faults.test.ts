/**
 * I/O fault sweep. A fixed workload (open, writes incl. concurrent ones, flush, reads, writes,
 * close, reopen, writes, manual compaction, close) runs once on ErrorFS(MemFS) with the trace on
 * to enumerate every filesystem operation; then, for EACH operation i and each errno (EIO with a
 * torn partial append, ENOSPC), it reruns with only the i-th operation failing once. Checks:
 * - no hang (every step has a deadline), no unhandled rejection, no uncaught exception;
 * - a caller that fails gets a FlowError IO_ERROR / NO_SPACE / READ_ONLY (never CORRUPTION:
 *   nothing on disk is corrupt, only one operation failed);
 * - a failed open leaves the directory openable (the next open must succeed);
 * - after the fault, while the engine is writable, writes succeed (READ_ONLY only once it is);
 * - recovery from four images: the disk at the fault instant (power loss), right after the
 *   failing step (power loss), after the final close (power loss), and the live MemFS. Each
 *   must open, hold every batch acknowledged by then with its seq, hold no half batch, and
 *   accept writes.
 * A second sweep fills the disk (ENOSPC on every create/append/rename from the i-th such op
 * on, for each i): same checks, except that writes may keep failing while the disk is full and
 * a failed open is not retried; once space is freed a still-writable engine must take writes.
 *
 * FLOWDB_FAULT_SITE=<i> FLOWDB_FAULT_ERRNO=<EIO|ENOSPC> replays one site (FLOWDB_FAULT_TRACE=1
 * lists the ops, FLOWDB_FAULT_DEBUG=1 the runs where no caller saw an error);
 * FLOWDB_DISKFULL_SITE=<i> replays one disk-full start point.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Engine, ErrorCode, type OpenOptions, isFlowError, openEngine } from '../src/index.ts';
import { ManualClock } from '../src/testing/index.ts';
import { ALL_OPS, ErrorFS, type InjectedErrno, type Injector, MemFS, onOps } from '../src/vfs/index.ts';
import { type Planned, type PlanOptions, planWith, verifyDb } from './batch-oracle.ts';
import { rng } from './rng.ts';

const DIR = '/db';
const STEP_DEADLINE_MS = 5000;
const ALLOWED: ReadonlySet<string> = new Set([ErrorCode.IO_ERROR, ErrorCode.NO_SPACE, ErrorCode.READ_ONLY]);
const PLAN: PlanOptions = { keys: 24, pad: 60, maxOps: 4 };

const unhandled: unknown[] = [];
process.on('unhandledRejection', (e) => unhandled.push(e));
process.on('uncaughtException', (e) => unhandled.push(e));

class Hang extends Error {}

function deadline<T>(p: Promise<T>, what: string): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    t = setTimeout(() => reject(new Hang(`hang: ${what} did not settle in ${STEP_DEADLINE_MS} ms`)), STEP_DEADLINE_MS);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(t));
}

interface Image {
  name: string;
  fs: MemFS;
  acked: Map<string, number>;
}

interface RunResult {
  /** fs operations the run made. */
  ops: number;
  fired: boolean;
  /** Steps that failed, with the error code. */
  failures: string[];
  readOnly: boolean;
}

function baseOptions(): OpenOptions {
  return {
    sync: { mode: 'always' }, clock: new ManualClock(), memtableBytes: 2048, maxFrozenMemtables: 1, blockBytes: 128,
    levelBaseBytes: 4096, targetFileBytes: 1024,
    // Replaying op i needs the same op order every run: background compaction in a worker thread
    // interleaves with the foreground by timing. The worker path has its own per-op fault sweep
    // (compaction-worker.test.ts); the file operations are the same code (compaction/io.ts).
    workerThreads: false,
  };
}

/** Runs the workload on ErrorFS(mem, injector); `what` labels assertion messages. */
async function runWorkload(
  mem: MemFS, efs: ErrorFS, fault: Injector | undefined, what: string,
  /** The fault repeats (a full disk): writes may keep failing and a failed open is not retried. */
  sticky = false,
  /** Clean run: receives the phase of every fs op. */
  phases?: string[],
): Promise<RunResult> {
  const r = rng(7);
  const opts = { ...baseOptions(), fs: efs };
  const planned = new Map<string, Planned>();
  const acked = new Map<string, number>();
  const images: Image[] = [];
  const failures: string[] = [];
  let fired = false;
  let settled = false; // the step during which the fault fired has completed
  let postImage = false;
  // Phase of each fs op (clean run): the running step, plus flush / compaction in flight.
  let stepName = 'open';
  let flushing = 0;
  let compacting = 0;
  const watchDb = (eng: Engine): void => {
    eng.events.on('flushStarted', () => flushing++);
    eng.events.on('flushFinished', () => flushing--);
    eng.events.on('compactionStarted', () => compacting++);
    eng.events.on('compactionFinished', () => compacting--);
  };
  efs.setInjector(fault === undefined ? () => {
    phases?.push(compacting > 0 ? 'compaction' : flushing > 0 ? 'flush' : stepName.replace(/ .*/, ''));
    return undefined;
  } : (info) => {
    const inj = fault(info);
    if (inj !== undefined && !fired) {
      fired = true;
      images.push({ name: 'power loss at the fault', fs: mem.crashClone(), acked: new Map(acked) });
    }
    return inj;
  });
  let db: Engine | undefined;
  let n = 0;

  const expectFlowError = (e: unknown, step: string): string => {
    if (e instanceof Hang) throw e;
    assert.ok(isFlowError(e), `${what}: ${step} threw a non-FlowError: ${(e as Error)?.stack ?? String(e)}`);
    assert.ok(ALLOWED.has(e.code), `${what}: ${step} failed with ${e.code}: ${e.message}`);
    if (e.code === ErrorCode.READ_ONLY) assert.equal(db?.stats().readOnly, true, `${what}: READ_ONLY from a writable engine`);
    failures.push(`${step}:${e.code}`);
    return e.code;
  };
  const write = async (): Promise<void> => {
    const id = `b${n++}`;
    const b = planWith(r, id, PLAN);
    planned.set(id, b);
    const eng = db as Engine;
    const mustWork = settled && !sticky && !eng.stats().readOnly;
    try {
      const res = await deadline(eng.write(b.ops), `write ${id}`);
      acked.set(id, res.firstSeq);
    } catch (e) {
      const code = expectFlowError(e, `write ${id}`);
      if (mustWork) {
        assert.ok(code === ErrorCode.READ_ONLY, `${what}: write ${id} failed with ${code} after the fault, on a writable engine`);
      }
    }
  };
  const step = async (name: string, fn: () => Promise<void>): Promise<void> => {
    stepName = name;
    if (db === undefined && !name.includes('open')) return; // sticky: the open failed
    try {
      await deadline(fn(), name);
    } catch (e) {
      expectFlowError(e, name);
    }
    if (fired) settled = true;
    if (fired && !postImage) {
      postImage = true;
      images.push({ name: `power loss right after the failing step (${name})`, fs: mem.crashClone(), acked: new Map(acked) });
    }
  };
  const open = async (name: string): Promise<void> => {
    await step(name, async () => {
      db = await openEngine(DIR, opts);
      watchDb(db);
    });
    if (db === undefined && !sticky) {
      // One transient fault must not leave the directory unopenable.
      try {
        db = await deadline(openEngine(DIR, opts), `${name} (again)`);
        watchDb(db);
      } catch (e) {
        assert.fail(`${what}: ${name} failed again after a single fault: ${(e as Error).stack}`);
      }
    }
  };
  const close = async (name: string): Promise<void> => {
    const eng = db;
    if (eng === undefined) return;
    await step(name, () => eng.close());
    db = undefined;
  };
  const writes = async (count: number): Promise<void> => {
    for (let i = 0; i < count; i++) {
      if (i % 4 === 3) await step('concurrent writes', async () => void (await Promise.all([write(), write(), write()])));
      else await step('write', write);
    }
  };
  const read = async (): Promise<void> => {
    await step('scan', async () => void (await (db as Engine).count()));
    await step('get', async () => void (await (db as Engine).get(Buffer.from('k/003'))));
    await step('get ts', async () => void (await (db as Engine).get(Buffer.from('k/004'), { ts: 2 })));
  };

  await open('open');
  await writes(8);
  await step('flush', () => (db as Engine).flush());
  await read();
  await writes(4);
  await close('close');
  await open('reopen');
  await read();
  await writes(4);
  await step('compact', () => (db as Engine).compact());
  await writes(2);
  if (sticky) {
    // Space is freed: an engine that is still writable must take writes again.
    efs.setInjector(undefined);
    sticky = false;
    if (db !== undefined) await step('write after space is freed', write);
  }
  const readOnly = db?.stats().readOnly ?? true;
  await close('final close');
  const ops = efs.opCount();
  efs.setInjector(undefined);

  // Recovery from every image.
  images.push({ name: 'power loss after the final close', fs: mem.crashClone(), acked: new Map(acked) });
  images.push({ name: 'the live filesystem after the final close', fs: mem, acked: new Map(acked) });
  for (const img of images) {
    const label = `${what}: ${img.name}`;
    let eng: Engine;
    try {
      eng = await deadline(openEngine(DIR, { ...baseOptions(), fs: img.fs }), `${label}: open`);
    } catch (e) {
      assert.fail(`${label}: open failed: ${(e as Error).stack}\n${img.fs.dump()}`);
    }
    const rec = await verifyDb(eng, planned, img.acked, label);
    // The recovered engine accepts writes, with seqs after everything it recovered.
    const res = await eng.write([{ type: 'put', key: Buffer.from('k/000'), ts: 9, value: Buffer.from('after') }]);
    assert.ok(res.firstSeq > rec.maxSeq, `${label}: a new write got seq ${res.firstSeq} <= recovered ${rec.maxSeq}`);
    await eng.flush();
    assert.equal((await eng.get(Buffer.from('k/000'), { ts: 9 }))?.seq, res.firstSeq, `${label}: the new write reads back`);
    await eng.close();
  }
  return { ops, fired, failures, readOnly };
}

async function settle(): Promise<void> {
  await new Promise((r) => setImmediate(r));
  await new Promise((r) => setImmediate(r));
}

test('I/O fault at every fs operation of a workload (EIO with torn appends, ENOSPC)', { timeout: 600_000 }, async () => {
  const started = performance.now();
  const mem0 = new MemFS();
  const traced = new ErrorFS(mem0, undefined, { trace: true });
  const phases: string[] = [];
  const clean = await runWorkload(mem0, traced, undefined, 'clean run', false, phases);
  const byPhase = new Map<string, number>();
  for (const p of phases) byPhase.set(p, (byPhase.get(p) ?? 0) + 1);
  assert.ok((byPhase.get('flush') ?? 0) > 0 && (byPhase.get('compaction') ?? 0) > 0 && (byPhase.get('reopen') ?? 0) > 0,
    `the sweep must cover flush, compaction and recovery ops: ${JSON.stringify(Object.fromEntries(byPhase))}`);
  assert.deepEqual(clean.failures, [], 'the workload fails without faults');
  const sites = traced.trace.length;
  if (process.env.FLOWDB_FAULT_TRACE === '1') traced.trace.forEach((t, i) => console.log(`${i + 1} ${t.op} ${t.path}`));
  assert.equal(sites, traced.opCount());
  const kinds = new Map<string, number>();
  for (const t of traced.trace) kinds.set(t.op, (kinds.get(t.op) ?? 0) + 1);

  const only = process.env.FLOWDB_FAULT_SITE;
  const siteList = only !== undefined ? [Number(only)] : Array.from({ length: sites }, (_, i) => i + 1);
  const errnos: InjectedErrno[] = process.env.FLOWDB_FAULT_ERRNO ? [process.env.FLOWDB_FAULT_ERRNO as InjectedErrno] : ['EIO', 'ENOSPC'];
  let runs = 0;
  let silent = 0;
  const absorbed = new Map<string, number>();
  let readOnly = 0;
  const codes = new Map<string, number>();
  for (const site of siteList) {
    for (const errno of errnos) {
      const t = traced.trace[site - 1];
      const what = `fault ${errno} at fs op ${site}/${sites} (${t?.op} ${t?.path})`;
      const mem = new MemFS();
      const efs = new ErrorFS(mem);
      const partial = rng(site);
      const fault = onOps(ALL_OPS, { nth: site, errno, partialWrite: errno === 'EIO', rng: () => partial.float() });
      let res: RunResult;
      try {
        res = await runWorkload(mem, efs, fault, what);
        await settle();
        assert.deepEqual(unhandled, [], `${what}: unhandled rejection or uncaught exception`);
      } catch (e) {
        console.error(`fault test failed: replay with FLOWDB_FAULT_SITE=${site} FLOWDB_FAULT_ERRNO=${errno}`);
        throw e;
      }
      runs++;
      assert.ok(res.fired, `${what}: the fault never fired (the workload is not deterministic)`);
      if (res.failures.length === 0) {
        silent++;
        const k = `${t?.op}`;
        absorbed.set(k, (absorbed.get(k) ?? 0) + 1);
        if (process.env.FLOWDB_FAULT_DEBUG === '1') console.log(`absorbed: ${what}`);
      }
      if (res.readOnly) readOnly++;
      for (const f of res.failures) {
        const code = f.slice(f.lastIndexOf(':') + 1);
        codes.set(code, (codes.get(code) ?? 0) + 1);
      }
    }
  }
  const secs = (performance.now() - started) / 1000;
  console.log(`faults: ${sites} sites (${[...kinds].map(([k, v]) => `${k} ${v}`).join(', ')}; by phase ` +
    `${[...byPhase].map(([k, v]) => `${k} ${v}`).join(', ')}) x ${errnos.join('/')} = ${runs} runs ` +
    `in ${secs.toFixed(1)}s; caller errors ${[...codes].map(([k, v]) => `${k} ${v}`).join(', ')}; ` +
    `${silent} runs with no caller error (fault absorbed: ${[...absorbed].map(([k, v]) => `${k} ${v}`).join(', ')}), ` +
    `${readOnly} ended read-only`);
});

const DISK_FULL_OPS = ['create', 'append', 'rename', 'mkdirp'] as const;

test('disk full from every space-using fs operation on (sticky ENOSPC)', { timeout: 600_000 }, async () => {
  const started = performance.now();
  const mem0 = new MemFS();
  const traced = new ErrorFS(mem0, undefined, { trace: true });
  await runWorkload(mem0, traced, undefined, 'clean run');
  const sites = traced.trace.filter((t) => (DISK_FULL_OPS as readonly string[]).includes(t.op)).length;
  const only = process.env.FLOWDB_DISKFULL_SITE;
  const siteList = only !== undefined ? [Number(only)] : Array.from({ length: sites }, (_, i) => i + 1);
  let readOnly = 0;
  let openFailed = 0;
  for (const site of siteList) {
    const what = `disk full from space-using op ${site}/${sites} on`;
    const mem = new MemFS();
    const efs = new ErrorFS(mem);
    const fault = onOps(DISK_FULL_OPS, { nth: site, every: true, errno: 'ENOSPC' });
    let res: RunResult;
    try {
      res = await runWorkload(mem, efs, fault, what, true);
      await settle();
      assert.deepEqual(unhandled, [], `${what}: unhandled rejection or uncaught exception`);
    } catch (e) {
      console.error(`disk-full test failed: replay with FLOWDB_DISKFULL_SITE=${site}`);
      throw e;
    }
    assert.ok(res.fired, `${what}: the fault never fired`);
    assert.ok(res.failures.length > 0, `${what}: a full disk went unnoticed by every caller`);
    if (res.readOnly) readOnly++;
    if (res.failures.some((f) => f.startsWith('reopen:'))) openFailed++;
  }
  const secs = (performance.now() - started) / 1000;
  console.log(`disk full: ${siteList.length} start points in ${secs.toFixed(1)}s; ${readOnly} ended read-only or closed, ` +
    `${openFailed} could not reopen while full`);
});
