/** Tests: WalWriter and readWal recovery on MemFS, incl. torn writes and failed appends. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type Entry, Kind, NO_EXPIRY } from '../base/entry.ts';
import { ErrorCode, isFlowError } from '../base/errors.ts';
import { encodeFrame } from '../record/frame.ts';
import { ErrorFS } from '../vfs/error-fs.ts';
import type { FS } from '../vfs/fs.ts';
import { MemFS } from '../vfs/mem-fs.ts';
import { encodeBatch, readWal, WalWriter } from './wal.ts';

const PATH = '/db/000003.log';
const LAST = { isLastFile: true, salvage: false };

async function newFS(): Promise<MemFS> {
  const fs = new MemFS();
  await fs.mkdirp('/db');
  return fs;
}

/** Deterministic rng for crash simulation. */
function lcg(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return x / 2 ** 32;
  };
}

function batch(i: number): Entry[] {
  return [
    { key: Buffer.from(`k${i}`), value: Buffer.from(`v${i}`.repeat(i)), ts: -i, seq: 0, kind: Kind.PUT, expireAt: NO_EXPIRY },
    { key: Buffer.from(`d${i}`), value: new Uint8Array(0), ts: i, seq: 0, kind: Kind.DELETE, expireAt: NO_EXPIRY },
  ];
}

/** Writes n batches (seqs 1, 3, 5, ...) and returns the frame start offsets. */
async function writeLog(fs: FS, n: number): Promise<number[]> {
  const w = await WalWriter.create(fs, PATH, 3);
  const starts: number[] = [];
  for (let i = 0; i < n; i++) {
    starts.push(w.size());
    await w.append(encodeBatch(1 + 2 * i, batch(i)));
  }
  await w.sync();
  await w.close();
  return starts;
}

function seqs(r: { batches: { firstSeq: number }[] }): number[] {
  return r.batches.map((b) => b.firstSeq);
}

test('writer tracks size and syncedSize; readWal decodes every batch', async () => {
  const fs = await newFS();
  const w = await WalWriter.create(fs, PATH, 3);
  assert.equal(w.fileNum, 3);
  const f = encodeBatch(1, batch(1));
  await w.append(f);
  assert.equal(w.size(), f.length);
  assert.equal(w.syncedSize(), 0);
  await w.sync();
  assert.equal(w.syncedSize(), f.length);
  await w.close();
  const r = await readWal(fs, PATH, LAST);
  assert.equal(r.tail, 'clean');
  assert.equal(r.validBytes, f.length);
  assert.deepEqual(Buffer.from(r.batches[0]?.entries[0]?.key ?? []), Buffer.from('k1'));
});

test('torn tail at every byte offset of the last frame: recovered, file truncated, appendable', async () => {
  const base = await newFS();
  const starts = await writeLog(base, 4);
  const full = await base.readFile(PATH);
  const lastStart = starts[3] as number;
  for (let cut = lastStart + 1; cut < full.length; cut++) {
    const fs = await newFS();
    const w = await fs.create(PATH);
    await w.append(full.subarray(0, cut));
    await fs.syncDir('/db');
    const r = await readWal(fs, PATH, LAST);
    assert.equal(r.tail, 'torn');
    assert.deepEqual(seqs(r), [1, 3, 5]);
    assert.equal(r.validBytes, lastStart);
    assert.equal(r.dropped, cut - lastStart);
    assert.equal((await fs.stat(PATH))?.size, lastStart);
    // The file is physically cut, so an append after recovery is readable.
    const again = await WalWriter.openAppend(fs, PATH, 3);
    assert.equal(again.size(), lastStart);
    await again.append(encodeBatch(7, batch(9)));
    await again.sync();
    assert.deepEqual(seqs(await readWal(fs, PATH, LAST)), [1, 3, 5, 7]);
  }
});

test('torn tail in a non-last WAL is CORRUPTION', async () => {
  const fs = await newFS();
  await writeLog(fs, 2);
  const full = await fs.readFile(PATH);
  await fs.truncate(PATH, full.length - 1);
  await assert.rejects(readWal(fs, PATH, { isLastFile: false, salvage: false }), (e) => isFlowError(e, ErrorCode.CORRUPTION));
});

test('all-zero tail is torn and cut off', async () => {
  const fs = await newFS();
  await writeLog(fs, 2);
  const size = (await fs.stat(PATH))?.size ?? 0;
  const w = await fs.openAppend(PATH);
  await w.append(new Uint8Array(4096));
  const r = await readWal(fs, PATH, LAST);
  assert.equal(r.tail, 'torn');
  assert.equal(r.dropped, 4096);
  assert.deepEqual(seqs(r), [1, 3]);
  assert.equal((await fs.stat(PATH))?.size, size);
});

test('bad crc mid-log: CORRUPTION at the frame offset; salvage keeps the prefix and cuts', async () => {
  const fs = await newFS();
  const starts = await writeLog(fs, 4);
  const buf = await fs.readFile(PATH);
  const at = starts[2] as number;
  buf[at + 9] = (buf[at + 9] as number) ^ 0xff;
  const w = await fs.create(PATH);
  await w.append(buf);
  await assert.rejects(readWal(fs, PATH, LAST), (e) => isFlowError(e, ErrorCode.CORRUPTION) && e.offset === at && e.file === PATH);
  assert.equal((await fs.stat(PATH))?.size, buf.length, 'no truncation without salvage');
  const r = await readWal(fs, PATH, { isLastFile: true, salvage: true });
  assert.equal(r.tail, 'salvaged');
  assert.deepEqual(seqs(r), [1, 3]);
  assert.equal(r.validBytes, at);
  assert.equal(r.dropped, buf.length - at);
  assert.equal((await fs.stat(PATH))?.size, at);
});

test('checksummed but undecodable frames: CORRUPTION, salvageable; unknown type: NOT_SUPPORTED', async () => {
  const fs = await newFS();
  await writeLog(fs, 1);
  const w = await fs.openAppend(PATH);
  await w.append(encodeFrame(2, Buffer.from('{}'))); // a manifest frame
  await w.append(encodeBatch(3, batch(3)));
  await assert.rejects(readWal(fs, PATH, LAST), (e) => isFlowError(e, ErrorCode.CORRUPTION));
  const r = await readWal(fs, PATH, { isLastFile: true, salvage: true });
  assert.deepEqual(seqs(r), [1]);
  assert.equal(r.tail, 'salvaged');
  const w2 = await fs.openAppend(PATH);
  await w2.append(encodeFrame(77, new Uint8Array(3)));
  await assert.rejects(readWal(fs, PATH, { isLastFile: true, salvage: true }), (e) => isFlowError(e, ErrorCode.NOT_SUPPORTED));
});

test('crash keeps exactly the synced batches', async () => {
  const fs = await newFS();
  const w = await WalWriter.create(fs, PATH, 3);
  await w.append(encodeBatch(1, batch(1)));
  await w.sync();
  const crashA = fs.crashClone();
  await w.append(encodeBatch(3, batch(2)));
  const crashB = fs.crashClone();
  await w.sync();
  const crashC = fs.crashClone();
  assert.deepEqual(seqs(await readWal(crashA, PATH, LAST)), [1]);
  assert.deepEqual(seqs(await readWal(crashB, PATH, LAST)), [1]);
  assert.deepEqual(seqs(await readWal(crashC, PATH, LAST)), [1, 3]);
});

test('a failed append leaves size() unchanged; rollbackTo cuts the partial frame', async () => {
  const inner = await newFS();
  const fs = new ErrorFS(inner);
  const w = await WalWriter.create(fs, PATH, 3);
  await w.append(encodeBatch(1, batch(1)));
  await w.sync();
  const before = w.size();
  fs.setInjector((op) => (op.op === 'append' ? { errno: 'EIO', partialBytes: 10 } : undefined));
  await assert.rejects(w.append(encodeBatch(3, batch(2))), (e) => isFlowError(e, ErrorCode.IO_ERROR));
  fs.setInjector((op) => (op.op === 'append' ? { errno: 'ENOSPC' } : undefined));
  await assert.rejects(w.append(encodeBatch(3, batch(2))), (e) => isFlowError(e, ErrorCode.NO_SPACE));
  fs.setInjector(undefined);
  assert.equal(w.size(), before);
  assert.equal((await inner.stat(PATH))?.size, before + 10, 'the partial write reached the file');
  await w.rollbackTo(before);
  assert.equal(w.size(), before);
  assert.equal(w.syncedSize(), before);
  assert.equal((await inner.stat(PATH))?.size, before);
  await w.append(encodeBatch(3, batch(2)));
  await w.sync();
  assert.deepEqual(await readWal(inner, PATH, LAST).then(seqs), [1, 3]);
});

test('torn unsynced writes (partial + garbage) recover to a prefix holding every synced batch', async () => {
  for (let seed = 1; seed <= 300; seed++) {
    const fs = await newFS();
    const w = await WalWriter.create(fs, PATH, 3);
    const rng = lcg(seed);
    const n = 1 + Math.floor(rng() * 6);
    const synced = Math.floor(rng() * n);
    for (let i = 0; i < n; i++) {
      await w.append(encodeBatch(1 + 2 * i, batch(i + Math.floor(rng() * 20))));
      if (i + 1 === synced) await w.sync();
    }
    const crashed = fs.crashClone({ keepUnsyncedFraction: 1, garbageTail: seed % 2 === 0, rng });
    const r = await readWal(crashed, PATH, LAST);
    const got = seqs(r);
    assert.ok(got.length >= synced && got.length <= n, `seed ${seed}: ${got.length} of ${n}, synced ${synced}`);
    assert.deepEqual(got, Array.from({ length: got.length }, (_, i) => 1 + 2 * i));
    assert.equal((await crashed.stat(PATH))?.size, r.validBytes);
  }
});
