/** Engine behaviour, including a regression test for each known bug of the reference crate (§7.4, §8). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type BatchOp, type Engine, ErrorCode, type OpenOptions, isFlowError, MAX_KEY_BYTES, openEngine } from '../src/index.ts';
import { ManualClock } from '../src/testing/index.ts';
import { MemFS } from '../src/vfs/index.ts';

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array | undefined) => (b === undefined ? undefined : new TextDecoder().decode(b));
const put = (key: string | Uint8Array, value: string, ts = 1): BatchOp => ({
  type: 'put', key: typeof key === 'string' ? enc(key) : key, value: enc(value), ts,
});

async function open(fs = new MemFS(), o: OpenOptions = {}): Promise<{ db: Engine; fs: MemFS }> {
  const db = await openEngine('/db', { fs, blockBytes: 256, ...o });
  return { db, fs };
}

async function keys(db: Engine, o = {}): Promise<string[]> {
  const out: string[] = [];
  for await (const r of db.scan(o)) out.push(`${dec(r.key)}@${r.ts}`);
  return out;
}

async function rejectsCode(p: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(p, (e: unknown) => isFlowError(e) && e.code === code);
}

test('put/get exact and latest, across memtable and tables', async () => {
  const { db } = await open();
  await db.write([put('a', 'a1', 1), put('a', 'a5', 5), put('a', 'a3', 3)]);
  assert.equal(dec((await db.get(enc('a')))?.value), 'a5');
  await db.flush();
  await db.write([put('a', 'a4', 4)]);
  assert.equal(dec((await db.get(enc('a')))?.value), 'a5');
  assert.equal(dec((await db.get(enc('a'), { ts: 3 }))?.value), 'a3');
  assert.equal(dec((await db.get(enc('a'), { ts: 4 }))?.value), 'a4');
  assert.equal(await db.get(enc('a'), { ts: 2 }), undefined);
  assert.equal(await db.get(enc('b')), undefined);
  await db.close();
});

test('regression: overwrite across two flushes returns the newest (ref §8.1.2)', async () => {
  const { db } = await open();
  await db.write([put('k', 'v1')]);
  await db.flush();
  await db.write([put('k', 'v2')]);
  await db.flush();
  assert.equal(dec((await db.get(enc('k'), { ts: 1 }))?.value), 'v2');
  assert.equal(dec((await db.get(enc('k')))?.value), 'v2');
  const all = [];
  for await (const r of db.scan()) all.push(dec(r.value));
  assert.deepEqual(all, ['v2']);
  await db.close();
});

test('regression: delete after a flush stays deleted through later flushes (ref §8.1.3)', async () => {
  const { db } = await open();
  await db.write([put('k', 'v1'), put('j', 'x')]);
  await db.flush();
  await db.write([{ type: 'del', key: enc('k'), ts: 1 }]);
  await db.flush();
  assert.equal(await db.get(enc('k'), { ts: 1 }), undefined);
  assert.equal(await db.get(enc('k')), undefined);
  assert.equal(await db.count(), 1);
  await db.write([{ type: 'del', key: enc('j') }]);
  assert.equal(await db.count(), 0);
  await db.close();
});

test('regression: range delete survives later flushes and hides point gets (ref §8.1.4)', async () => {
  const { db } = await open();
  await db.write(['a', 'b', 'c', 'd'].map((k) => put(k, k)));
  await db.flush();
  await db.deleteRange(enc('b'), enc('d'));
  await db.flush();
  await db.write([put('x', 'x')]);
  await db.flush();
  assert.equal(await db.get(enc('b')), undefined);
  assert.equal(await db.get(enc('c'), { ts: 1 }), undefined);
  assert.deepEqual(await keys(db), ['a@1', 'd@1', 'x@1']);
  await db.write([put('c', 'new', 2)]);
  assert.equal(dec((await db.get(enc('c')))?.value), 'new');
  await db.close();
});

test('regression: crash before the first flush, restart, overwrite: get and scan agree (ref §8.2.10)', async () => {
  const { db, fs } = await open();
  await db.write([put('doc', 'v1')]);
  const crashed = fs.crashClone();
  await db.close();
  const { db: db2 } = await open(crashed);
  assert.equal(dec((await db2.get(enc('doc')))?.value), 'v1');
  await db2.write([put('doc', 'v2')]);
  assert.equal(dec((await db2.get(enc('doc')))?.value), 'v2');
  await db2.flush();
  const vals = [];
  for await (const r of db2.scan()) vals.push(dec(r.value));
  assert.deepEqual(vals, ['v2']);
  assert.ok(db2.stats().lastSeq >= 2);
  await db2.close();
});

test('regression: time ranges across blocks and flushes (ref §8.1.7)', async () => {
  const { db } = await open(undefined, { blockBytes: 64 });
  const hour = 3_600_000_000;
  for (let i = 0; i < 50; i++) await db.write([put('s', `v${i}`, i * hour)]);
  await db.flush();
  for (let i = 50; i < 100; i++) await db.write([put('s', `v${i}`, i * hour)]);
  const got = [];
  for await (const r of db.scan({ prefix: enc('s'), tsFrom: 40 * hour, tsTo: 60 * hour })) got.push(r.ts / hour);
  assert.deepEqual(got, Array.from({ length: 21 }, (_, i) => 40 + i));
  assert.equal(await db.count({ tsFrom: 99 * hour + 1 }), 0);
  await db.close();
});

test('regression: binary and non-ASCII keys in memtable and tables (ref §8.1.8)', async () => {
  const { db } = await open();
  const ks = [new Uint8Array([0]), new Uint8Array([0x7f]), new Uint8Array([0xff, 0xff]), enc('é'), enc('日本'), new Uint8Array([])];
  await db.write(ks.slice(0, 3).map((k) => put(k, 'x')));
  await db.flush();
  await db.write(ks.slice(3).map((k) => put(k, 'y')));
  const got = [];
  for await (const r of db.scan()) got.push(Buffer.from(r.key).toString('hex'));
  const want = ks.map((k) => Buffer.from(k).toString('hex')).sort((a, b) => Buffer.compare(Buffer.from(a, 'hex'), Buffer.from(b, 'hex')));
  assert.deepEqual(got, want);
  for (const k of ks) assert.ok(await db.get(k), `get ${Buffer.from(k).toString('hex')}`);
  await db.close();
});

test('regression: exclusive and unbounded bounds (ref §8.1.9)', async () => {
  const { db } = await open();
  await db.write(['a', 'b', 'c', 'd'].map((k) => put(k, k)));
  await db.flush();
  assert.deepEqual(await keys(db, { lt: enc('c') }), ['a@1', 'b@1']);
  assert.deepEqual(await keys(db, { lte: enc('c') }), ['a@1', 'b@1', 'c@1']);
  assert.deepEqual(await keys(db, { gt: enc('a') }), ['b@1', 'c@1', 'd@1']);
  assert.deepEqual(await keys(db, { gt: enc('a'), lt: enc('d') }), ['b@1', 'c@1']);
  assert.deepEqual(await keys(db, { gte: enc('b'), lte: enc('c'), reverse: true }), ['c@1', 'b@1']);
  assert.deepEqual(await keys(db, { gt: enc('d') }), []);
  assert.deepEqual(await keys(db, { gt: enc('c'), lt: enc('b') }), []);
  assert.deepEqual(await keys(db, { reverse: true, limit: 2 }), ['d@1', 'c@1']);
  assert.equal(await db.count({ lt: enc('c') }), 2);
  await db.close();
});

test('regression: oversized keys and bad ts are rejected, never truncated (ref §8.2.15)', async () => {
  const { db } = await open();
  await rejectsCode(db.write([put(new Uint8Array(MAX_KEY_BYTES + 1), 'x')]), ErrorCode.INVALID_ARGUMENT);
  await rejectsCode(db.write([{ type: 'put', key: enc('k'), value: enc('v'), ts: 1.5 }]), ErrorCode.INVALID_ARGUMENT);
  await rejectsCode(db.write([{ type: 'put', key: enc('k'), value: enc('v'), ts: 2 ** 60 }]), ErrorCode.INVALID_ARGUMENT);
  await rejectsCode(db.deleteRange(enc('z'), enc('a')), ErrorCode.INVALID_ARGUMENT);
  const max = new Uint8Array(MAX_KEY_BYTES).fill(7);
  await db.write([put(max, 'big-key')]);
  await db.flush();
  assert.equal(dec((await db.get(max))?.value), 'big-key');
  assert.equal(db.stats().totalRecordsWritten, 1);
  await db.close();
});

test('regression: every call after close is rejected (ref §8.2.18)', async () => {
  const { db, fs } = await open();
  await db.write([put('a', '1')]);
  await db.close();
  await rejectsCode(db.write([put('b', '2')]), ErrorCode.CLOSED);
  await assert.rejects(db.get(enc('a')), (e: unknown) => isFlowError(e, ErrorCode.CLOSED));
  assert.throws(() => db.scan(), (e: unknown) => isFlowError(e, ErrorCode.CLOSED));
  await assert.rejects(db.flush(), (e: unknown) => isFlowError(e, ErrorCode.CLOSED));
  await db.close(); // idempotent
  const { db: db2 } = await open(fs);
  assert.equal(await db2.get(enc('b')), undefined);
  assert.equal(dec((await db2.get(enc('a')))?.value), '1');
  await db2.close();
});

test('a second open of a directory in use fails with LOCKED', async () => {
  const { db, fs } = await open();
  await rejectsCode(openEngine('/db', { fs }), ErrorCode.LOCKED);
  await db.close();
  const again = await openEngine('/db', { fs });
  await again.close();
});

test('regression: group commit with 1,000 concurrent writers, no lost wake-ups (ref §8.2.12)', async () => {
  const { db } = await open(undefined, { memtableBytes: 64 * 1024 });
  let groups = 0;
  db.events.on('batchCommitted', () => groups++);
  const n = 1000;
  const results = await Promise.all(Array.from({ length: n }, (_, i) => db.write([put(`w${String(i).padStart(4, '0')}`, `${i}`)])));
  const seqs = results.map((r) => r.seq).sort((a, b) => a - b);
  assert.deepEqual(seqs, Array.from({ length: n }, (_, i) => i + 1));
  assert.ok(groups < n, `writes were grouped (${groups} groups for ${n} writers)`);
  assert.equal(await db.count(), n);
  const s = db.stats();
  assert.ok(s.totalSyncs < n, `one fsync per group: ${s.totalSyncs}`);
  await db.close();
});

test('TTL: expired records are invisible at once; default TTL applies', async () => {
  const clock = new ManualClock();
  const { db } = await open(undefined, { clock, defaultTtlMicros: 10_000_000 });
  await db.write([put('default', 'x'), { type: 'put', key: enc('short'), value: enc('y'), ts: 1, ttlMicros: 1_000_000 },
    { type: 'put', key: enc('abs'), value: enc('z'), ts: 1, expireAt: clock.nowMicros() + 5_000_000 }]);
  assert.equal(await db.count(), 3);
  clock.advance(1_000_000);
  assert.equal(await db.get(enc('short')), undefined);
  await db.flush();
  assert.equal(await db.count(), 2);
  clock.advance(4_000_000);
  assert.deepEqual(await keys(db), ['default@1']);
  clock.advance(5_000_000);
  assert.equal(await db.count(), 0);
  await db.close();
});

test('snapshot reads see one view while writes go on', async () => {
  const { db } = await open();
  await db.write([put('a', 'old')]);
  const snap = db.snapshot();
  await db.write([put('a', 'new'), put('b', 'b')]);
  await db.flush();
  assert.equal(dec((await db.get(enc('a'), { snapshot: snap }))?.value), 'old');
  assert.equal(await db.count({ snapshot: snap }), 1);
  assert.equal(dec((await db.get(enc('a')))?.value), 'new');
  snap.release();
  await db.close();
});

test('reopen keeps data written across WAL rotations and flushes; seq resumes', async () => {
  const fs = new MemFS();
  const { db } = await open(fs, { memtableBytes: 4096 });
  for (let i = 0; i < 300; i++) await db.write([put(`k${i % 50}`, `v${i}`, i % 7)]);
  const before = await keys(db);
  const lastSeq = db.stats().lastSeq;
  assert.ok(db.stats().totalFlushes > 0);
  await db.close();
  const { db: db2 } = await open(fs, { memtableBytes: 4096 });
  assert.deepEqual(await keys(db2), before);
  const r = await db2.write([put('z', 'z')]);
  assert.equal(r.seq, lastSeq + 1);
  await db2.close();
});

test('reopening an idle database leaves no WAL files behind', async () => {
  const fs = new MemFS();
  const wals = async (): Promise<string[]> => (await fs.list('/db')).filter((n) => n.endsWith('.log'));
  for (let i = 0; i < 20; i++) await (await open(fs)).db.close();
  assert.equal((await wals()).length, 1);
  // Unflushed data keeps its WAL through idle reopens, and nothing more piles up.
  const { db } = await open(fs);
  await db.write([put('a', '1')]);
  await db.close();
  for (let i = 0; i < 20; i++) await (await open(fs)).db.close();
  assert.ok((await wals()).length <= 2, (await wals()).join(','));
  const { db: db2 } = await open(fs);
  assert.deepEqual(await keys(db2), ['a@1']);
  await db2.close();
});

test('events: commit, freeze, flush and WAL truncation are reported', async () => {
  const { db } = await open();
  const seen: string[] = [];
  for (const ev of ['batchCommitted', 'memtableFrozen', 'flushStarted', 'flushFinished', 'walTruncated'] as const) {
    db.events.on(ev, () => seen.push(ev));
  }
  let finished: { records: number; minTs: number; maxTs: number } | undefined;
  db.events.on('flushFinished', (e) => (finished = e));
  await db.write([put('a', '1', 10), put('b', '2', 20)]);
  await db.flush();
  assert.deepEqual([...new Set(seen)], ['batchCommitted', 'memtableFrozen', 'flushStarted', 'walTruncated', 'flushFinished']);
  assert.deepEqual(finished && { r: finished.records, min: finished.minTs, max: finished.maxTs }, { r: 2, min: 10, max: 20 });
  await db.close();
});

test('checkpoint: a consistent copy that open accepts', async () => {
  const { db, fs } = await open();
  await db.write([put('a', '1'), put('b', '2')]);
  await db.checkpoint('/cp');
  await db.write([put('c', '3')]);
  const cp = await openEngine('/cp', { fs });
  assert.deepEqual(await keys(cp), ['a@1', 'b@1']);
  await cp.close();
  await db.close();
});

test('stats carry counters, gauges and latency percentiles', async () => {
  const { db } = await open();
  for (let i = 0; i < 20; i++) await db.write([put(`k${i}`, 'v')]);
  await db.get(enc('k1'));
  await db.flush();
  const s = db.stats();
  assert.equal(s.totalRecordsWritten, 20);
  assert.equal(s.sstableCount, 1);
  assert.ok(s.sstableBytes > 0);
  assert.ok(s.writeLatency.count === 20 && s.writeLatency.p99 >= s.writeLatency.p50);
  assert.equal(s.getLatency.count, 1);
  assert.equal(s.totalFlushes, 1);
  await db.close();
});

test('flush in the worker thread: same table sizes and data as in-thread', async () => {
  const results: { sizes: number[]; all: string[] }[] = [];
  for (const workerThreads of [true, false]) {
    const fs = new MemFS();
    const { db } = await open(fs, { memtableBytes: 2 << 20, blockBytes: 4096, workerThreads, autoCompaction: false });
    const value = new Uint8Array(100).fill(7);
    for (let step = 0; step < 40; step++) {
      const ops: BatchOp[] = [];
      for (let s = 0; s < 1000; s++) ops.push({ type: 'put', key: enc(`s-${String(s).padStart(4, '0')}`), ts: step, value });
      if (step % 10 === 9) ops.push({ type: 'del', key: enc(`s-${String(step).padStart(4, '0')}`) });
      await db.write(ops);
    }
    await db.flush();
    assert.ok(db.stats().totalFlushes >= 2);
    assert.equal((await db.get(enc('s-0999')))?.ts, 39);
    assert.equal(await db.get(enc('s-0039')), undefined);
    assert.equal((await db.get(enc('s-0019')))?.ts, 39);
    // s-0009 lost steps 0..9 to its delete: 9 keys x 40 + 30.
    assert.equal(await db.count({ prefix: enc('s-000') }), 390);
    const all = await keys(db);
    await db.close();
    const sizes: number[] = [];
    for (const name of (await fs.list('/db')).sort()) if (name.endsWith('.sst')) sizes.push((await fs.readFile(`/db/${name}`)).length);
    results.push({ sizes, all });
  }
  const [w, t] = results as [{ sizes: number[]; all: string[] }, { sizes: number[]; all: string[] }];
  assert.deepEqual(w.sizes, t.sizes);
  assert.deepEqual(w.all, t.all);
});
