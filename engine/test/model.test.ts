/**
 * Model-based randomized test: random put/del/delRange/get/scan/flush/reopen/crash/clock ops
 * run on the engine and on ModelKV; every read must agree. A failing seed is printed;
 * replay it with FLOWDB_SEED=<seed>. FLOWDB_SEEDS=<n> runs more seeds.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type BatchOp, type Engine, type ScanOptions, type Snapshot, openEngine } from '../src/index.ts';
import { ManualClock, ModelKV } from '../src/testing/index.ts';
import { MemFS } from '../src/vfs/index.ts';
import { rng, type Rng } from './rng.ts';

const SEEDS = process.env.FLOWDB_SEED ? [Number(process.env.FLOWDB_SEED)] : range(Number(process.env.FLOWDB_SEEDS ?? 40));
const OPS = Number(process.env.FLOWDB_OPS ?? 250);

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i + 1);
}

const ALPHABET = [0x00, 0x01, 0x61, 0x62, 0x7e, 0x7f, 0x80, 0xc3, 0xff];
function randKey(r: Rng): Uint8Array {
  const len = r.int(4);
  return new Uint8Array(Array.from({ length: len }, () => ALPHABET[r.int(ALPHABET.length)] as number));
}
function randTs(r: Rng): number {
  return [-5, 0, 1, 2, 3, 1000, 2 ** 40][r.int(7)] as number;
}

function randOp(r: Rng): BatchOp {
  const p = r.int(100);
  if (p < 70) {
    const op: BatchOp = { type: 'put', key: randKey(r), ts: randTs(r), value: Buffer.from(`v${r.int(1e6)}`) };
    if (r.int(10) === 0) op.ttlMicros = 1 + r.int(3_000_000);
    return op;
  }
  if (p < 82) return { type: 'del', key: randKey(r), ts: randTs(r) };
  if (p < 92) return { type: 'del', key: randKey(r) };
  const a = randKey(r);
  const b = randKey(r);
  return Buffer.compare(a, b) <= 0 ? { type: 'delRange', start: a, end: b } : { type: 'delRange', start: b, end: a };
}

function randScan(r: Rng): ScanOptions {
  const o: ScanOptions = {};
  if (r.int(4) === 0) o.prefix = randKey(r).subarray(0, 1);
  if (r.int(3) === 0) o[r.int(2) ? 'gt' : 'gte'] = randKey(r);
  if (r.int(3) === 0) o[r.int(2) ? 'lt' : 'lte'] = randKey(r);
  if (r.int(4) === 0) o.tsFrom = randTs(r);
  if (r.int(4) === 0) o.tsTo = randTs(r);
  if (r.int(2) === 0) o.reverse = true;
  if (r.int(3) === 0) o.limit = r.int(6);
  return o;
}

const norm = (x: { key: Uint8Array; ts: number; value: Uint8Array; expireAt: number | undefined } | undefined) =>
  x && { key: Buffer.from(x.key).toString('hex'), ts: x.ts, value: Buffer.from(x.value).toString('hex'), expireAt: x.expireAt };
const show = (x: unknown) => JSON.stringify(x, (_, v) => (v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v));

async function runSeed(seed: number): Promise<void> {
  const r = rng(seed);
  const clock = new ManualClock();
  let fs = new MemFS();
  const opts = { fs, clock, memtableBytes: 1024 + r.int(8192), blockBytes: 64 + r.int(512), bloomBitsPerKey: r.int(12),
    compression: r.int(2) ? ('zstd' as const) : ('none' as const), maxFrozenMemtables: 1 + r.int(2),
    levelBaseBytes: 1024 + r.int(4096), targetFileBytes: 256 + r.int(2048) };
  let db: Engine = await openEngine('/db', opts);
  const model = new ModelKV(() => clock.nowMicros());
  const log: string[] = [];
  /** Live snapshots with the model as of their creation. */
  let snaps: { snap: Snapshot; model: ModelKV }[] = [];
  try {
    for (let i = 0; i < OPS; i++) {
      const p = r.int(100);
      if (p < 40) {
        const batch = Array.from({ length: 1 + r.int(4) }, () => randOp(r));
        log.push(`write ${show(batch)}`);
        await db.write(batch);
        model.write(batch);
      } else if (p < 55) {
        const key = randKey(r);
        const ts = r.int(2) ? randTs(r) : undefined;
        log.push(`get ${show(key)} ts=${ts}`);
        const got = await db.get(key, ts === undefined ? {} : { ts });
        const want = model.get(key, ts);
        assert.deepEqual(norm(got), norm(want), `get ${show(key)} ts=${ts}`);
      } else if (p < 75 && snaps.length > 0 && r.int(3) === 0) {
        const s = snaps[r.int(snaps.length)] as { snap: Snapshot; model: ModelKV };
        const o = { ...randScan(r), snapshot: s.snap };
        log.push(`snapshot scan @${s.snap.seq} ${show(o)}`);
        const got = [];
        for await (const rec of db.scan(o)) got.push(norm(rec));
        assert.deepEqual(got, s.model.scan(o).map(norm), `snapshot scan ${show(o)}`);
        const key = randKey(r);
        const ts = randTs(r);
        assert.deepEqual(norm(await db.get(key, { ts, snapshot: s.snap })), norm(s.model.get(key, ts)), `snapshot get ${show(key)} ts=${ts}`);
      } else if (p < 75) {
        const o = randScan(r);
        log.push(`scan ${show(o)}`);
        const got = [];
        for await (const rec of db.scan(o)) got.push(norm(rec));
        assert.deepEqual(got, model.scan(o).map(norm), `scan ${show(o)}`);
        assert.equal(await db.count(o), got.length);
      } else if (p < 79) {
        log.push('flush');
        await db.flush();
      } else if (p < 83) {
        if (r.int(2) === 0 && snaps.length < 3) {
          log.push('snapshot');
          snaps.push({ snap: db.snapshot(), model: model.clone() });
        } else if (snaps.length > 0 && r.int(2) === 0) {
          log.push('release snapshot');
          snaps.splice(r.int(snaps.length), 1)[0]?.snap.release();
        } else {
          const a = randKey(r);
          const b = randKey(r);
          const range = r.int(2) === 0 ? {} : Buffer.compare(a, b) <= 0 ? { start: a, end: b } : { start: b, end: a };
          log.push(`compact ${show(range)}`);
          await db.compact(range);
        }
      } else if (p < 89) {
        log.push('reopen');
        snaps = [];
        await db.close();
        db = await openEngine('/db', opts);
      } else if (p < 94) {
        log.push('crash');
        snaps = [];
        fs = fs.crashClone({ keepUnsyncedFraction: r.int(2) ? 0.5 : 0, rng: () => r.float() });
        opts.fs = fs;
        await db.close().catch(() => undefined);
        db = await openEngine('/db', opts);
      } else {
        const d = r.int(2_000_000);
        log.push(`advance ${d}`);
        clock.advance(d);
      }
    }
    await db.close();
  } catch (e) {
    await db.close().catch(() => undefined);
    console.error(`model test failed: FLOWDB_SEED=${seed}\nlast ops:\n${log.slice(-15).join('\n')}`);
    throw e;
  }
}

test(`engine matches the model over ${SEEDS.length} seeds x ${OPS} ops`, async () => {
  for (const seed of SEEDS) await runSeed(seed);
});
