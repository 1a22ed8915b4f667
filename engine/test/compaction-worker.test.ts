/**
 * Compaction in the engine worker vs in-thread: identical tables, crash safety on MemFS,
 * typed errors for failed I/O, corrupt inputs, a worker that dies mid-merge, close mid-merge.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrorCode, isFlowError } from '../src/base/errors.ts';
import { workerPool } from '../src/flush/pool.ts';
import { type BatchOp, type Engine, type OpenOptions, openEngine } from '../src/index.ts';
import { ManualClock, ModelKV } from '../src/testing/index.ts';
import { ALL_OPS, ErrorFS, MemFS, onOps } from '../src/vfs/index.ts';
import type { FS, ReadableFile } from '../src/vfs/fs.ts';
import { rng } from './rng.ts';
import { tapFS } from './tap-fs.ts';

const enc = (s: string) => Buffer.from(s);
const key = (i: number) => enc(`k${String(i).padStart(6, '0')}`);
const PATHS = [true, false] as const;
const pathName = (w: boolean) => (w ? 'worker' : 'in-thread');

async function tables(fs: FS, dir = '/db'): Promise<string[]> {
  return (await fs.list(dir)).filter((n) => n.endsWith('.sst')).sort();
}

async function all(db: Engine): Promise<string[]> {
  const out: string[] = [];
  for await (const r of db.scan({})) out.push(`${Buffer.from(r.key).toString()}@${r.ts}=${Buffer.from(r.value).toString()}`);
  return out;
}

const small = (fs: FS, workerThreads: boolean, extra: OpenOptions = {}): OpenOptions => ({
  fs, sync: { mode: 'none' }, memtableBytes: 16 << 10, levelBaseBytes: 8 << 10, targetFileBytes: 16 << 10,
  blockBytes: 512, autoCompaction: false, workerThreads, ...extra,
});

/** Overwrites, point and range deletes, TTLs (half expired at compaction), several ts per key; one flush per batch. */
async function load(db: Engine, clock: ManualClock, batches: number, seed: number, perBatch = 150, valueBytes = 40): Promise<ModelKV> {
  const r = rng(seed);
  const model = new ModelKV(() => clock.nowMicros());
  for (let b = 0; b < batches; b++) {
    const ops: BatchOp[] = [];
    for (let i = 0; i < perBatch; i++) {
      const op: BatchOp = { type: 'put', key: key(r.int(perBatch * 4)), ts: r.int(3), value: enc(`v${b}.${i}.${'x'.repeat(r.int(valueBytes))}`) };
      if (r.int(5) === 0) op.ttlMicros = 1000 + r.int(2000);
      ops.push(op);
    }
    ops.push({ type: 'del', key: key(r.int(perBatch * 4)), ts: r.int(3) });
    if (b % 5 === 2) {
      const s = r.int(perBatch * 4 - 50);
      ops.push({ type: 'delRange', start: key(s), end: key(s + 1 + r.int(40)) });
    }
    await db.write(ops);
    model.write(ops);
    await db.flush();
  }
  clock.advance(2000);
  return model;
}

const SCALES = [
  { name: 'small tables', batches: 30, perBatch: 150, valueBytes: 40, extra: {} },
  // Outputs > 1 MiB (appends before finish), inputs read in many chunks.
  { name: 'MiB tables', batches: 12, perBatch: 4000, valueBytes: 200, extra: { memtableBytes: 4 << 20, targetFileBytes: 1536 << 10, blockBytes: 4096 } },
];

for (const sc of SCALES) {
  test(`worker and in-thread compaction write byte-identical tables (${sc.name}; snapshot held, TTL, range deletes)`, async () => {
    const files: Map<string, Uint8Array>[] = [];
    const scans: string[][] = [];
    for (const w of [false, true]) {
      const fs = new MemFS();
      const clock = new ManualClock(1_000_000);
      const db = await openEngine('/db', small(fs, w, { clock, ...sc.extra }));
      const model = await load(db, clock, sc.batches, 7, sc.perBatch, sc.valueBytes);
      const snap = db.snapshot();
      let merges = 0;
      db.events.on('compactionFinished', (e) => void (merges += e.kind === 'merge' ? 1 : 0));
      const jobs = workerPool.jobs.compact;
      await db.compact();
      assert.ok(merges > 0);
      assert.equal(workerPool.jobs.compact > jobs, w, `${pathName(w)}: compact jobs ${jobs} -> ${workerPool.jobs.compact}`);
      const got = await all(db);
      assert.deepEqual(got, model.scan().map((x) => `${Buffer.from(x.key).toString()}@${x.ts}=${Buffer.from(x.value).toString()}`));
      snap.release();
      scans.push(got);
      const m = new Map<string, Uint8Array>();
      for (const f of await tables(fs)) m.set(f, await fs.readFile(`/db/${f}`));
      assert.ok(m.size >= 2, `outputs: ${[...m.keys()]}`);
      files.push(m);
      for (const v of await db.verify()) assert.deepEqual(v.problems, [], v.file);
      await db.close();
    }
    const [a, b] = files as [Map<string, Uint8Array>, Map<string, Uint8Array>];
    assert.deepEqual([...b.keys()], [...a.keys()]);
    for (const [name, bytes] of a) assert.ok(Buffer.from(bytes).equals(b.get(name) as Uint8Array), `${name} differs`);
    assert.deepEqual(scans[0], scans[1]);
  });
}


for (const w of PATHS) {
  test(`${pathName(w)} compaction: a crash at any fs operation loses nothing and leaves no orphans`, async () => {
    const mem = new MemFS();
    let clones: MemFS[] | undefined;
    const r = rng(11);
    const fs = tapFS(mem, () => {
      if (clones !== undefined) clones.push(mem.crashClone({ keepUnsyncedFraction: r.int(2) ? 0.5 : 0, rng: () => r.float() }));
    });
    const clock = new ManualClock(1_000_000);
    const opts = { ...small(fs, w, { clock }), sync: { mode: 'always' as const } };
    const db = await openEngine('/db', opts);
    const model = await load(db, clock, 12, 3);
    const want = model.scan().map((x) => `${Buffer.from(x.key).toString()}@${x.ts}=${Buffer.from(x.value).toString()}`);
    clones = [];
    await db.compact();
    const taken = clones;
    clones = undefined;
    assert.deepEqual(await all(db), want);
    await db.close();
    assert.ok(taken.length > 10, `crash points: ${taken.length}`);
    for (const [i, c] of taken.entries()) {
      const re = await openEngine('/db', { ...opts, fs: c });
      assert.deepEqual(await all(re), want, `crash point ${i}`);
      assert.equal((await tables(c)).length, re.stats().sstableCount, `orphans after crash point ${i}`);
      await re.close();
    }
  });

  test(`${pathName(w)} compaction: failed reads and appends surface as typed errors, outputs removed, data intact`, async () => {
    for (const [kind, errno, code] of [['read', 'EIO', ErrorCode.IO_ERROR], ['append', 'ENOSPC', ErrorCode.NO_SPACE], ['sync', 'EIO', ErrorCode.IO_ERROR]] as const) {
      const efs = new ErrorFS(new MemFS());
      const clock = new ManualClock(1_000_000);
      const db = await openEngine('/db', small(efs, w, { clock }));
      const model = await load(db, clock, 12, 5);
      const want = model.scan().map((x) => `${Buffer.from(x.key).toString()}@${x.ts}=${Buffer.from(x.value).toString()}`);
      const before = await tables(efs);
      efs.setInjector(onOps([kind], { pathIncludes: '.sst', nth: 2, errno }));
      const jobs = workerPool.jobs.compact;
      await assert.rejects(db.compact(), (e: unknown) => isFlowError(e, code), `${kind} ${errno}`);
      assert.equal(workerPool.jobs.compact > jobs, w);
      efs.setInjector(undefined);
      assert.deepEqual(await tables(efs), before, `${kind}: outputs removed, inputs kept`);
      assert.deepEqual(await all(db), want);
      await db.compact();
      assert.deepEqual(await all(db), want);
      await db.close();
    }
  });

  test(`${pathName(w)} compaction: a corrupt input block is CORRUPTION naming the file`, async () => {
    const fs = new MemFS();
    const clock = new ManualClock(1_000_000);
    const db = await openEngine('/db', small(fs, w, { clock }));
    await load(db, clock, 6, 9);
    await db.close();
    const victim = (await tables(fs))[0] as string;
    const bytes = (await fs.readFile(`/db/${victim}`)).slice();
    bytes[10] = (bytes[10] as number) ^ 0xff;
    const f = await fs.create(`/db/${victim}`);
    await f.append(bytes);
    await f.sync();
    await f.close();
    const re = await openEngine('/db', small(fs, w, { clock }));
    await assert.rejects(re.compact(), (e: unknown) => isFlowError(e, ErrorCode.CORRUPTION) && String(e.file).endsWith(victim));
    await re.close();
  });
}

/** Gates table reads: the first one after arm() waits for `hook` to run. */
function gatedFS(inner: FS): { fs: FS; arm(hook: () => Promise<void>): void } {
  let hook: (() => Promise<void>) | undefined;
  const fs = new Proxy(inner, {
    get(t, p, recv) {
      const v = Reflect.get(t, p, recv);
      if (p !== 'openReadable') return typeof v === 'function' ? v.bind(t) : v;
      return async (path: string): Promise<ReadableFile> => {
        const f = await inner.openReadable(path);
        return {
          size: () => f.size(),
          close: () => f.close(),
          readAt: async (off: number, len: number) => {
            const h = hook;
            if (h !== undefined && path.endsWith('.sst')) {
              hook = undefined;
              await h();
            }
            return f.readAt(off, len);
          },
        };
      };
    },
  });
  return { fs, arm: (h) => void (hook = h) };
}

test('a worker that dies mid-merge is a typed error, not a hang; the next compaction starts a new worker', async () => {
  const g = gatedFS(new MemFS());
  const clock = new ManualClock(1_000_000);
  const db = await openEngine('/db', small(g.fs, true, { clock }));
  const model = await load(db, clock, 12, 21);
  const want = model.scan().map((x) => `${Buffer.from(x.key).toString()}@${x.ts}=${Buffer.from(x.value).toString()}`);
  const before = await tables(g.fs);
  // Kill the workers at the merge's first read.
  const jobs = workerPool.jobs.compact;
  g.arm(async () => {
    assert.ok(workerPool.threads > 0 && workerPool.jobs.compact === jobs + 1);
    await workerPool.terminateAll();
  });
  await assert.rejects(db.compact(), (e: unknown) => isFlowError(e, ErrorCode.IO_ERROR) && /worker/.test(e.message));
  assert.deepEqual(await tables(g.fs), before);
  assert.deepEqual(await all(db), want);
  await db.compact();
  assert.ok(workerPool.jobs.compact > jobs + 1, 'the next compaction ran in a new worker');
  assert.deepEqual(await all(db), want);
  await db.close();
});

test('close during a worker merge aborts it: close resolves, compact() is CLOSED, reopen has the data', async () => {
  const mem = new MemFS();
  const g = gatedFS(mem);
  const clock = new ManualClock(1_000_000);
  const opts = small(g.fs, true, { clock, sync: { mode: 'always' } });
  const db = await openEngine('/db', opts);
  const model = await load(db, clock, 12, 33);
  const want = model.scan().map((x) => `${Buffer.from(x.key).toString()}@${x.ts}=${Buffer.from(x.value).toString()}`);
  let closing: Promise<void> | undefined;
  g.arm(async () => {
    closing = db.close();
    await new Promise((r) => setTimeout(r, 50));
  });
  const res = await db.compact().then(() => 'done', (e: unknown) => e);
  await closing;
  assert.ok(res === 'done' || isFlowError(res, ErrorCode.CLOSED), String(res));
  const re = await openEngine('/db', { ...opts, fs: mem });
  assert.deepEqual(await all(re), want);
  assert.equal((await tables(mem)).length, re.stats().sstableCount);
  await re.close();
});

for (const w of PATHS) {
  test(`${pathName(w)} compaction: a fault at each fs operation of a compaction is a typed error and loses nothing`, async () => {
    const clock = new ManualClock(1_000_000);
    const base = new MemFS();
    const opts = (fs: FS): OpenOptions => ({ ...small(fs, w, { clock }), sync: { mode: 'always' } });
    const db0 = await openEngine('/db', opts(base));
    const want = (await load(db0, clock, 5, 17)).scan().map((x) => `${Buffer.from(x.key).toString()}@${x.ts}=${Buffer.from(x.value).toString()}`);
    await db0.close();
    // The compaction's ops, from a clean run (deterministic: nothing else runs meanwhile).
    const traced = new ErrorFS(base.crashClone(), undefined, { trace: true });
    const t0 = await openEngine('/db', opts(traced));
    const from = traced.trace.length;
    await t0.compact();
    const sites = traced.trace.slice(from);
    await t0.close();
    assert.ok(sites.some((s) => s.op === 'read') && sites.some((s) => s.op === 'append') && sites.length > 20, JSON.stringify(sites));
    for (const [i, site] of sites.entries()) {
      // ENOSPC only where space is taken.
      for (const errno of site.op === 'create' || site.op === 'append' ? (['EIO', 'ENOSPC'] as const) : (['EIO'] as const)) {
        const what = `${errno} at compaction op ${i + 1}/${sites.length} (${site.op} ${site.path})`;
        const mem = base.crashClone();
        const efs = new ErrorFS(mem);
        const db = await openEngine('/db', opts(efs));
        let fired = false;
        const inj = onOps(ALL_OPS, { nth: i + 1, errno });
        efs.setInjector((op) => {
          const r = inj(op);
          if (r !== undefined) fired = true;
          return r;
        });
        const res = await db.compact().then(() => undefined, (e: unknown) => e);
        efs.setInjector(undefined);
        assert.ok(fired, `${what}: the fault never fired`);
        if (res !== undefined) {
          assert.ok(isFlowError(res) && ['IO_ERROR', 'NO_SPACE', 'READ_ONLY'].includes(res.code), `${what}: ${String(res)}`);
        }
        assert.deepEqual(await all(db), want, `${what}: reads after the fault`);
        const lost = mem.crashClone();
        await db.close().catch(() => undefined);
        for (const [label, img] of [['power loss', lost], ['after close', mem]] as const) {
          const re = await openEngine('/db', opts(img));
          assert.deepEqual(await all(re), want, `${what}: ${label}`);
          assert.equal((await tables(img)).length, re.stats().sstableCount, `${what}: ${label}: orphans`);
          await re.close();
        }
      }
    }
  });
}
