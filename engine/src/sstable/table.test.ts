/** TableWriter + Table: roundtrip, get, iter vs brute force, ts-range skipping, meta. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Entry, Kind, NO_EXPIRY, type RangeTombstone, compareBytes, compareEntries } from '../base/entry.ts';
import { BlockCache } from './block-cache.ts';
import { Table, type TableIterOptions } from './reader.ts';
import { TinyFS, rng } from './test-support.ts';
import { type TableMeta, TableWriter, type TableWriterOptions } from './writer.ts';

const ALPHABET = [0x00, 0x01, 0x61, 0x62, 0x7f, 0x80, 0xc3, 0xa9, 0xfe, 0xff];

function randomEntries(seed: number, n: number, bigValue: number): Entry[] {
  const r = rng(seed);
  const pick = (k: number): number => Math.floor(r() * k);
  const out: Entry[] = [];
  const keys: Uint8Array[] = [new Uint8Array(0), new TextEncoder().encode('ключ-é')];
  for (let i = 0; i < n / 3; i++) keys.push(Uint8Array.from({ length: 1 + pick(6) }, () => ALPHABET[pick(ALPHABET.length)] as number));
  const seen = new Set<string>();
  while (out.length < n) {
    const key = keys[pick(keys.length)] as Uint8Array;
    const ts = pick(9) - 4 + (r() < 0.1 ? -1_700_000_000_000_000 : 0);
    const seq = 1 + pick(50);
    const id = `${Buffer.from(key).toString('hex')}/${ts}/${seq}`;
    if (seen.has(id)) continue;
    seen.add(id);
    const del = r() < 0.2;
    const vlen = del ? 0 : r() < 0.03 ? bigValue : r() < 0.2 ? 0 : pick(40);
    const value = Uint8Array.from({ length: vlen }, () => pick(256));
    const expireAt = del || r() < 0.5 ? NO_EXPIRY : 1_000 + pick(1_000_000);
    out.push({ key, ts, seq, kind: del ? Kind.DELETE : Kind.PUT, expireAt, value });
  }
  return out.sort(compareEntries);
}

export function norm(e: Entry): string {
  return `${Buffer.from(e.key).toString('hex')}|${e.ts}|${e.seq}|${e.kind}|${e.expireAt}|${Buffer.from(e.value).toString('hex')}`;
}

export async function build(fs: TinyFS, path: string, entries: Entry[], opts: TableWriterOptions, dels: RangeTombstone[] = []): Promise<TableMeta> {
  const w = await TableWriter.create(fs, path, 7, opts);
  for (const e of entries) {
    w.add(e);
    if (w.bufferedBytes() > 1000) await w.drain();
  }
  for (const t of dels) w.addRangeTombstone(t);
  return w.finish();
}

async function collect(t: Table, opts: TableIterOptions): Promise<Entry[]> {
  const it = t.iter(opts);
  const out: Entry[] = [];
  for (let run = await it.nextRun(); run !== undefined; run = await it.nextRun()) {
    assert.ok(run.length > 0, 'runs are non-empty');
    out.push(...run);
  }
  return out;
}

function brute(entries: Entry[], o: TableIterOptions): Entry[] {
  const res = entries.filter(
    (e) =>
      (o.lower === undefined || compareBytes(e.key, o.lower) >= 0) &&
      (o.upper === undefined || compareBytes(e.key, o.upper) < 0) &&
      (o.tsFrom === undefined || e.ts >= o.tsFrom) &&
      (o.tsTo === undefined || e.ts <= o.tsTo),
  );
  return o.reverse ? res.reverse() : res;
}

for (const compression of ['none', 'zstd'] as const) {
  for (const blockBytes of [64, 300, 4096]) {
    test(`roundtrip ${compression} blockBytes=${blockBytes}`, async () => {
      const entries = randomEntries(blockBytes, 600, 1000);
      const fs = new TinyFS();
      const dels = [{ start: Uint8Array.of(0x00), end: Uint8Array.of(0x00, 0x01), seq: 99 }];
      const meta = await build(fs, '/t.sst', entries, { blockBytes, bloomBitsPerKey: 10, compression }, dels);
      const t = await Table.open(fs, '/t.sst', 7, new BlockCache(1 << 20));
      assert.deepEqual(t.meta, meta);
      assert.equal(meta.size, fs.files.get('/t.sst')?.length);
      assert.equal(meta.entries, entries.length);
      assert.equal(meta.puts + meta.deletes, entries.length);
      assert.equal(meta.deletes, entries.filter((e) => e.kind === Kind.DELETE).length);
      assert.equal(meta.rangeTombstones, 1);
      assert.equal(meta.minTs, Math.min(...entries.map((e) => e.ts)));
      assert.equal(meta.maxTs, Math.max(...entries.map((e) => e.ts)));
      assert.equal(meta.maxSeq, 99);
      assert.equal(meta.minSeq, Math.min(...entries.map((e) => e.seq)));
      const puts = entries.filter((e) => e.kind === Kind.PUT);
      assert.equal(meta.minExpireAt, Math.min(...puts.map((e) => e.expireAt)));
      assert.equal(meta.maxExpireAt, Math.max(...puts.map((e) => e.expireAt)));
      const k0 = (entries[0] as Entry).key;
      assert.deepEqual([...meta.smallestKey], compareBytes(k0, Uint8Array.of(0)) < 0 ? [...k0] : [0]);
      assert.deepEqual([...meta.largestKey], [...(entries.at(-1) as Entry).key]);
      if (blockBytes === 64) assert.ok(t.blockCount > 50);
      if (compression === 'zstd' && blockBytes === 4096) assert.ok(meta.size < meta.rawDataBytes, 'zstd shrinks');
      assert.deepEqual(t.rangeTombstones.map((d) => [[...d.start], [...d.end], d.seq]), [[[0], [0, 1], 99]]);

      const all = await collect(t, {});
      assert.deepEqual(all.map(norm), entries.map(norm));
      for (const e of all) assert.ok(Object.getPrototypeOf(e.key) === Uint8Array.prototype && Object.getPrototypeOf(e.value) === Uint8Array.prototype);
      assert.ok(Object.getPrototypeOf(t.meta.smallestKey) === Uint8Array.prototype);
      assert.ok(Object.getPrototypeOf(t.rangeTombstones[0]?.start) === Uint8Array.prototype);
      assert.deepEqual((await collect(t, { reverse: true })).map(norm), entries.map(norm).reverse());
      assert.deepEqual(await t.verify(), []);

      for (const e of entries) {
        assert.ok(t.mayContain(e.key));
        const got = await t.get(e.key, e.ts, e.seq);
        assert.equal(got && norm(got), norm(e));
      }
      assert.equal(await t.get(Uint8Array.of(0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61), 0, NO_EXPIRY), undefined);
      assert.equal(await t.get(entries[0]!.key, 12345, NO_EXPIRY), undefined);
      await t.close();
    });
  }
}

test('get finds the newest visible version across block boundaries', async () => {
  const key = Uint8Array.of(0x6b);
  const entries: Entry[] = [{ key: Uint8Array.of(0x61), ts: 5, seq: 1, kind: Kind.PUT, expireAt: NO_EXPIRY, value: new Uint8Array(8) }];
  for (let seq = 200; seq >= 2; seq -= 2) entries.push({ key, ts: 5, seq, kind: seq % 6 === 0 ? Kind.DELETE : Kind.PUT, expireAt: NO_EXPIRY, value: Uint8Array.of(seq & 0xff) });
  entries.push({ key, ts: 6, seq: 1, kind: Kind.PUT, expireAt: NO_EXPIRY, value: new Uint8Array(0) });
  const fs = new TinyFS();
  await build(fs, '/g.sst', entries, { blockBytes: 128, bloomBitsPerKey: 10, compression: 'none' });
  const t = await Table.open(fs, '/g.sst', 1, new BlockCache(0));
  assert.ok(t.blockCount > 10, `versions span blocks (${t.blockCount})`);
  for (let maxSeq = 0; maxSeq <= 210; maxSeq++) {
    const got = await t.get(key, 5, maxSeq);
    const want = maxSeq < 2 ? undefined : Math.min(200, maxSeq - (maxSeq % 2));
    assert.equal(got?.seq, want, `maxSeq ${maxSeq}`);
  }
  assert.equal((await t.get(key, 6, 1))?.seq, 1);
  assert.equal(await t.get(key, 4, 1000), undefined);
  assert.equal(await t.get(key, 7, 1000), undefined);
});

test('iter with bounds and ts ranges equals brute force', async () => {
  const entries = randomEntries(42, 800, 300);
  const fs = new TinyFS();
  await build(fs, '/i.sst', entries, { blockBytes: 200, bloomBitsPerKey: 0, compression: 'zstd' });
  const t = await Table.open(fs, '/i.sst', 1, new BlockCache(64 << 10));
  const r = rng(7);
  const rk = (): Uint8Array | undefined => (r() < 0.2 ? undefined : Uint8Array.from({ length: Math.floor(r() * 4) }, () => ALPHABET[Math.floor(r() * ALPHABET.length)] as number));
  for (let i = 0; i < 400; i++) {
    const o: TableIterOptions = { reverse: r() < 0.5, fillCache: r() < 0.5 };
    const lower = rk();
    const upper = rk();
    if (lower !== undefined) o.lower = lower;
    if (upper !== undefined) o.upper = upper;
    if (r() < 0.6) o.tsFrom = Math.floor(r() * 10) - 5;
    if (r() < 0.6) o.tsTo = Math.floor(r() * 10) - 5;
    assert.deepEqual((await collect(t, o)).map(norm), brute(entries, o).map(norm), JSON.stringify(o));
  }
});

test('ts-range iteration skips blocks without reading them', async () => {
  const entries: Entry[] = [];
  for (let i = 0; i < 1000; i++) {
    const key = new TextEncoder().encode(`k${String(i).padStart(5, '0')}`);
    entries.push({ key, ts: i * 10, seq: i + 1, kind: Kind.PUT, expireAt: NO_EXPIRY, value: new Uint8Array(20) });
  }
  const fs = new TinyFS();
  await build(fs, '/s.sst', entries, { blockBytes: 256, bloomBitsPerKey: 10, compression: 'none' });
  const t = await Table.open(fs, '/s.sst', 1, new BlockCache(0));
  const before = fs.reads;
  const o = { tsFrom: 5000, tsTo: 5200 };
  assert.deepEqual((await collect(t, o)).map(norm), brute(entries, o).map(norm));
  const reads = fs.reads - before;
  assert.ok(t.blockCount > 50);
  // 21 matching entries, ~5 per block.
  assert.ok(reads >= 4 && reads <= 6, `read ${reads} of ${t.blockCount} blocks`);
  // Key bounds skip too.
  const b2 = fs.reads;
  const lower = new TextEncoder().encode('k00500');
  const upper = new TextEncoder().encode('k00510');
  assert.equal((await collect(t, { lower, upper, reverse: true })).length, 10);
  assert.ok(fs.reads - b2 <= 2);
  // get with a ts outside the block's range reads nothing.
  const b3 = fs.reads;
  assert.equal(await t.get(entries[500]!.key, 100, 1e9), undefined);
  assert.equal(fs.reads - b3, 0);
});

test('block cache serves repeated reads', async () => {
  const entries = randomEntries(3, 300, 100);
  const fs = new TinyFS();
  await build(fs, '/c.sst', entries, { blockBytes: 512, bloomBitsPerKey: 10, compression: 'zstd' });
  const cache = new BlockCache(1 << 20);
  const t = await Table.open(fs, '/c.sst', 3, cache);
  const r0 = fs.reads;
  await collect(t, {});
  assert.equal(fs.reads - r0, t.blockCount);
  assert.equal(cache.misses, t.blockCount);
  await collect(t, { reverse: true });
  assert.equal(fs.reads - r0, t.blockCount);
  assert.equal(cache.hits, t.blockCount);
  assert.ok(cache.bytes() > 0);
  cache.evictFile(3);
  assert.equal(cache.bytes(), 0);
  await collect(t, { fillCache: false });
  assert.equal(cache.bytes(), 0);
  // Concurrent gets of one block share a read.
  const r1 = fs.reads;
  const e = entries[0] as Entry;
  await Promise.all([t.get(e.key, e.ts, e.seq), t.get(e.key, e.ts, e.seq), t.get(e.key, e.ts, e.seq)]);
  assert.equal(fs.reads - r1, 1);
});

test('writer rejects out-of-order entries and bad kinds', async () => {
  const fs = new TinyFS();
  const w = await TableWriter.create(fs, '/w.sst', 1, { blockBytes: 100, bloomBitsPerKey: 10, compression: 'none' });
  const e = (k: number, ts: number, seq: number): Entry => ({ key: Uint8Array.of(k), ts, seq, kind: Kind.PUT, expireAt: NO_EXPIRY, value: new Uint8Array(0) });
  w.add(e(1, 5, 9));
  w.add(e(1, 5, 8));
  assert.throws(() => w.add(e(1, 5, 8)), /order/);
  assert.throws(() => w.add(e(1, 4, 1)), /order/);
  assert.throws(() => w.add(e(0, 9, 1)), /order/);
  assert.throws(() => w.add({ ...e(2, 0, 1), kind: Kind.RANGE_DELETE }), /kind/);
  assert.throws(() => w.addRangeTombstone({ start: Uint8Array.of(3), end: Uint8Array.of(3), seq: 1 }), /start/);
  w.add(e(2, -3, 1));
  const meta = await w.finish();
  assert.equal(meta.entries, 3);
  assert.throws(() => w.add(e(3, 0, 1)), /closed/);
});

test('tables with only range tombstones; abort', async () => {
  const fs = new TinyFS();
  const dels = [
    { start: Uint8Array.of(5), end: Uint8Array.of(9), seq: 4 },
    { start: Uint8Array.of(2), end: Uint8Array.of(3), seq: 7 },
  ];
  const meta = await build(fs, '/r.sst', [], { blockBytes: 100, bloomBitsPerKey: 10, compression: 'zstd' }, dels);
  assert.deepEqual([meta.entries, meta.rangeTombstones, meta.minSeq, meta.maxSeq], [0, 2, 4, 7]);
  assert.deepEqual([...meta.smallestKey, ...meta.largestKey], [2, 9]);
  assert.equal(meta.minTs, Number.MAX_SAFE_INTEGER);
  const t = await Table.open(fs, '/r.sst', 1, new BlockCache(100));
  assert.equal(t.blockCount, 0);
  assert.deepEqual(t.rangeTombstones.map((d) => d.seq), [7, 4]);
  assert.equal(await collect(t, {}).then((x) => x.length), 0);
  assert.equal(await t.get(Uint8Array.of(5), 0, 100), undefined);
  assert.deepEqual(await t.verify(), []);

  const w = await TableWriter.create(fs, '/a.sst', 2, { blockBytes: 100, bloomBitsPerKey: 10, compression: 'none' });
  w.add({ key: Uint8Array.of(1), ts: 0, seq: 1, kind: Kind.PUT, expireAt: NO_EXPIRY, value: new Uint8Array(500) });
  await w.abort();
  assert.throws(() => w.add({ key: Uint8Array.of(2), ts: 0, seq: 1, kind: Kind.PUT, expireAt: NO_EXPIRY, value: new Uint8Array(0) }));
});

test('works over the real MemFS and NodeFS', async () => {
  const { MemFS, NodeFS } = await import('../vfs/index.ts');
  const { mkdtemp, rm } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const entries = randomEntries(11, 300, 5000);
  const dir = await mkdtemp(`${tmpdir()}/flowdb-sst-`);
  try {
    for (const [fs, path] of [[new MemFS(), '/m.sst'], [new NodeFS(), `${dir}/n.sst`]] as const) {
      const w = await TableWriter.create(fs, path, 5, { blockBytes: 512, bloomBitsPerKey: 10, compression: 'zstd' });
      for (const e of entries) w.add(e);
      const meta = await w.finish();
      assert.equal((await fs.stat(path))?.size, meta.size);
      const t = await Table.open(fs, path, 5, new BlockCache(1 << 20));
      assert.deepEqual((await collect(t, { reverse: true })).map(norm), entries.map(norm).reverse());
      assert.deepEqual(await t.verify(), []);
      await t.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
