/**
 * Model-based property test (fast-check): random command sequences (write
 * batches of put/del/delRange, get, scan with bounds/reverse/limit/ts range,
 * count, snapshots, flush, compact, reopen, crash, clock advance) run on the
 * engine and on ModelKV; every read must agree. fast-check shrinks a failure
 * to a minimal sequence and prints its seed and path.
 * Env: FLOWDB_PROP_RUNS (default 100), FLOWDB_PROP_SEED + FLOWDB_PROP_PATH to replay
 * (both printed on failure), FLOWDB_PROP_VERBOSE=1 logs each command.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { type BatchOp, type Engine, type OpenOptions, type ScanOptions, type Snapshot, openEngine } from '../src/index.ts';
import { ManualClock, ModelKV } from '../src/testing/index.ts';
import { MemFS } from '../src/vfs/index.ts';

interface Model {
  kv: ModelKV;
  /** Models as of each live snapshot, by creation order. */
  snaps: ModelKV[];
}
interface Real {
  db: Engine;
  fs: MemFS;
  opts: OpenOptions & { fs: MemFS };
  clock: ManualClock;
  snaps: Snapshot[];
}
type Cmd = fc.AsyncCommand<Model, Real>;

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const norm = (x: { key: Uint8Array; ts: number; value: Uint8Array; expireAt: number | undefined } | undefined) =>
  x && { key: hex(x.key), ts: x.ts, value: hex(x.value), expireAt: x.expireAt };
const show = (x: unknown) => JSON.stringify(x, (_, v) => (v instanceof Uint8Array ? hex(v) : v));

// Small alphabets so keys and versions collide.
const keyArb = fc.uint8Array({ minLength: 0, maxLength: 3 }).map((a) => a.map((b) => [0x00, 0x01, 0x61, 0x62, 0x7f, 0x80, 0xff][b % 7] as number));
const tsArb = fc.constantFrom(-5, 0, 1, 2, 3, 1000, 2 ** 40);
const putArb = fc.record({ key: keyArb, ts: tsArb, v: fc.nat(999), ttl: fc.option(fc.integer({ min: 1, max: 3_000_000 }), { freq: 8 }) })
  .map(({ key, ts, v, ttl }): BatchOp => ({ type: 'put', key, ts, value: Buffer.from(`v${v}`), ...(ttl === null ? {} : { ttlMicros: ttl }) }));
const opArb: fc.Arbitrary<BatchOp> = fc.oneof(
  { weight: 7, arbitrary: putArb },
  { weight: 2, arbitrary: fc.record({ key: keyArb, ts: tsArb }).map(({ key, ts }): BatchOp => ({ type: 'del', key, ts })) },
  { weight: 1, arbitrary: keyArb.map((key): BatchOp => ({ type: 'del', key })) },
  { weight: 1, arbitrary: fc.tuple(keyArb, keyArb).map(([a, b]): BatchOp => (Buffer.compare(a, b) <= 0 ? { type: 'delRange', start: a, end: b } : { type: 'delRange', start: b, end: a })) },
);
const scanArb: fc.Arbitrary<ScanOptions> = fc.record(
  {
    prefix: keyArb.map((k) => k.subarray(0, 1)),
    gt: keyArb, gte: keyArb, lt: keyArb, lte: keyArb,
    tsFrom: tsArb, tsTo: tsArb,
    reverse: fc.boolean(),
    limit: fc.nat(5),
    keysOnly: fc.boolean(),
  },
  { requiredKeys: [] },
).map((o) => {
  // One lower and one upper bound at most, as the API documents them.
  if (o.gt !== undefined) delete o.gte;
  if (o.lt !== undefined) delete o.lte;
  return o;
});

async function scanAll(db: Engine, o: ScanOptions) {
  const out = [];
  for await (const r of db.scan(o)) out.push(norm(r));
  return out;
}
const modelScan = (kv: ModelKV, o: ScanOptions) => kv.scan(o).map((r) => norm(o.keysOnly ? { ...r, value: new Uint8Array() } : r));

/** The command in flight: printed if the event loop empties under it (a promise that never settles). */
let inFlight: string | undefined;
let since = 0;
process.on('beforeExit', () => {
  if (inFlight !== undefined) process.stderr.write(`property test: event loop emptied during "${inFlight}"\n`);
});
setInterval(() => {
  if (inFlight !== undefined && Date.now() - since > 30_000) process.stderr.write(`property test: stuck > 30 s in "${inFlight}"\n`);
}, 10_000).unref();

const cmd = (name: string, check: (m: Readonly<Model>) => boolean, run: (m: Model, r: Real) => Promise<void>): Cmd => ({
  check,
  run: async (m, r) => {
    inFlight = name;
    since = Date.now();
    if (process.env['FLOWDB_PROP_VERBOSE']) process.stderr.write(`  ${name}\n`);
    await run(m, r);
    inFlight = undefined;
  },
  toString: () => name,
});
const always = () => true;

const commands = [
  fc.array(opArb, { minLength: 1, maxLength: 5 }).map((ops) => cmd(`write ${show(ops)}`, always, async (m, r) => {
    await r.db.write(ops);
    m.kv.write(ops);
  })),
  fc.tuple(keyArb, fc.option(tsArb)).map(([key, ts]) => cmd(`get ${hex(key)} ts=${ts}`, always, async (m, r) => {
    const got = await r.db.get(key, ts === null ? {} : { ts });
    assert.deepEqual(norm(got), norm(m.kv.get(key, ts ?? undefined)));
  })),
  scanArb.map((o) => cmd(`scan ${show(o)}`, always, async (m, r) => {
    const got = await scanAll(r.db, o);
    assert.deepEqual(got, modelScan(m.kv, o));
    assert.equal(await r.db.count(o), got.length, 'count');
  })),
  fc.constant(cmd('snapshot', (m) => m.snaps.length < 3, async (m, r) => {
    r.snaps.push(r.db.snapshot());
    m.snaps.push(m.kv.clone());
  })),
  fc.tuple(fc.nat(2), scanArb, keyArb, tsArb).map(([i, o, key, ts]) => cmd(`snapshot[${i}] scan ${show(o)} get ${hex(key)}@${ts}`, (m) => m.snaps.length > i, async (m, r) => {
    const snap = r.snaps[i] as Snapshot;
    const model = m.snaps[i] as ModelKV;
    assert.deepEqual(await scanAll(r.db, { ...o, snapshot: snap }), modelScan(model, o));
    assert.deepEqual(norm(await r.db.get(key, { ts, snapshot: snap })), norm(model.get(key, ts)));
  })),
  fc.nat(2).map((i) => cmd(`release snapshot[${i}]`, (m) => m.snaps.length > i, async (m, r) => {
    r.snaps.splice(i, 1)[0]?.release();
    m.snaps.splice(i, 1);
  })),
  fc.constant(cmd('flush', always, async (_m, r) => r.db.flush())),
  fc.option(fc.tuple(keyArb, keyArb)).map((range) => {
    const rg = range === null ? {} : Buffer.compare(range[0], range[1]) <= 0 ? { start: range[0], end: range[1] } : { start: range[1], end: range[0] };
    return cmd(`compact ${show(rg)}`, always, async (_m, r) => {
      assert.ok(r.db.compact !== undefined);
      await r.db.compact(rg);
    });
  }),
  fc.constant(cmd('reopen', always, async (m, r) => {
    for (const s of r.snaps) s.release();
    r.snaps = [];
    m.snaps = [];
    await r.db.close();
    r.db = await openEngine('/db', r.opts);
  })),
  fc.constant(cmd('crash (unsynced data lost; sync=always keeps every acknowledged write)', always, async (m, r) => {
    r.snaps = [];
    m.snaps = [];
    r.fs = r.fs.crashClone({ keepUnsyncedFraction: 0 });
    r.opts.fs = r.fs;
    await r.db.close().catch(() => undefined);
    r.db = await openEngine('/db', r.opts);
  })),
  fc.integer({ min: 1, max: 2_000_000 }).map((d) => cmd(`advance clock ${d}µs`, always, async (_m, r) => r.clock.advance(d))),
];

const runs = Number(process.env['FLOWDB_PROP_RUNS'] ?? 100);
const replay = process.env['FLOWDB_PROP_SEED'] === undefined ? {} : {
  seed: Number(process.env['FLOWDB_PROP_SEED']),
  ...(process.env['FLOWDB_PROP_PATH'] === undefined ? {} : { path: process.env['FLOWDB_PROP_PATH'] }),
};

test(`engine matches ModelKV (fast-check, ${runs} runs, shrinking)`, async () => {
  const setup = fc.record({
    memtableBytes: fc.integer({ min: 1024, max: 8192 }),
    blockBytes: fc.integer({ min: 64, max: 512 }),
    bloomBitsPerKey: fc.nat(12),
    compression: fc.constantFrom('none' as const, 'zstd' as const),
    levelBaseBytes: fc.integer({ min: 1024, max: 4096 }),
    targetFileBytes: fc.integer({ min: 256, max: 2048 }),
  });
  await fc.assert(
    fc.asyncProperty(setup, fc.commands(commands, { maxCommands: 80, size: 'max' }), async (cfg, cmds) => {
      if (process.env['FLOWDB_PROP_VERBOSE']) process.stderr.write(`run start\n`);
      const clock = new ManualClock();
      const fs = new MemFS();
      const opts = { ...cfg, fs, clock, sync: { mode: 'always' as const } };
      inFlight = `open ${show(cfg)}`;
      since = Date.now();
      const real: Real = { db: await openEngine('/db', opts), fs, opts, clock, snaps: [] };
      inFlight = undefined;
      const model: Model = { kv: new ModelKV(() => clock.nowMicros()), snaps: [] };
      const t0 = Date.now();
      try {
        await fc.asyncModelRun(() => ({ model, real }), cmds);
        if (process.env['FLOWDB_PROP_VERBOSE']) process.stderr.write(`run ok ${Date.now() - t0} ms\n`);
      } catch (e) {
        if (process.env['FLOWDB_PROP_VERBOSE']) process.stderr.write(`run failed ${Date.now() - t0} ms: ${String(e).slice(0, 200)}\n`);
        throw e;
      } finally {
        inFlight = 'close';
        since = Date.now();
        await real.db.close().catch(() => undefined);
        inFlight = undefined;
      }
    }),
    { numRuns: runs, ...replay },
  );
});
