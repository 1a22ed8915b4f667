/** Tests: manifest edits, replay, CURRENT switch under crashes (docs/formats/manifest.md). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode, isFlowError } from '../base/errors.ts';
import { CURRENT, manifestFileName } from '../base/file-names.ts';
import { encodeFrame } from '../record/frame.ts';
import { ErrorFS } from '../vfs/error-fs.ts';
import type { FS } from '../vfs/fs.ts';
import { MemFS } from '../vfs/mem-fs.ts';
import {
  type ManifestState, type TableRecord, type VersionEdit, ManifestWriter, encodeEdit, readCurrent, replayManifest,
  setCurrent, stateToSnapshotEdit,
} from './manifest.ts';

const DIR = '/db';

async function newFS(): Promise<MemFS> {
  const fs = new MemFS();
  await fs.mkdirp(DIR);
  return fs;
}

function table(fileNum: number, level = 0): TableRecord {
  return {
    fileNum, level, size: 1000 + fileNum, entries: 10, smallestKey: 'YQ==', largestKey: 'eg==',
    minTs: -5, maxTs: 9, minSeq: 1, maxSeq: 20, minExpireAt: 100, maxExpireAt: Number.MAX_SAFE_INTEGER,
  };
}

function summary(s: ManifestState): object {
  return {
    tables: [...s.tables.values()].sort((a, b) => a.fileNum - b.fileNum),
    lastSeq: s.lastSeq, nextFileNum: s.nextFileNum, logNumber: s.logNumber, formatVersion: s.formatVersion,
  };
}

async function writeManifest(fs: FS, num: number, snapshot: VersionEdit, edits: VersionEdit[]): Promise<void> {
  const w = await ManifestWriter.create(fs, DIR, num, snapshot);
  for (const e of edits) await w.append(e);
  await w.close();
}

const EDITS: VersionEdit[] = [
  { addTables: [table(5), table(6)], lastSeq: 40, nextFileNum: 8, logNumber: 4 },
  { removeTables: [5], addTables: [table(7, 1)], lastSeq: 90 },
  { removeTables: [6], addTables: [table(6, 2)], nextFileNum: 12, logNumber: 9 }, // a move between levels
  { lastSeq: 50 }, // never moves backwards
];

test('replay folds add/remove edits in order', async () => {
  const fs = await newFS();
  await writeManifest(fs, 2, { lastSeq: 3, nextFileNum: 5, logNumber: 1 }, EDITS);
  const s = await replayManifest(fs, DIR, 2);
  assert.equal(s.edits, 5);
  assert.deepEqual(summary(s), {
    tables: [table(6, 2), table(7, 1)], lastSeq: 90, nextFileNum: 12, logNumber: 9, formatVersion: 1,
  });
});

test('stateToSnapshotEdit rewrites an equal state into a fresh manifest', async () => {
  const fs = await newFS();
  await writeManifest(fs, 2, {}, EDITS);
  const s = await replayManifest(fs, DIR, 2);
  const snap = stateToSnapshotEdit(s);
  assert.equal(snap.snapshot, true);
  await writeManifest(fs, 13, snap, []);
  const s2 = await replayManifest(fs, DIR, 13);
  assert.equal(s2.edits, 1);
  assert.deepEqual(summary(s2), { ...summary(s), nextFileNum: 14 }); // bumped past the manifest number
});

test('a torn final frame is ignored at every byte offset', async () => {
  const fs = await newFS();
  await writeManifest(fs, 2, {}, EDITS.slice(0, 2));
  const full = await fs.readFile(`${DIR}/${manifestFileName(2)}`);
  const lastLen = encodeEdit(EDITS[1] as VersionEdit).length;
  const want = summary(await (async () => {
    const f2 = await newFS();
    await writeManifest(f2, 2, {}, EDITS.slice(0, 1));
    return replayManifest(f2, DIR, 2);
  })());
  for (let cut = full.length - lastLen; cut < full.length; cut++) {
    const f = await newFS();
    const w = await f.create(`${DIR}/${manifestFileName(2)}`);
    await w.append(full.subarray(0, cut));
    assert.deepEqual(summary(await replayManifest(f, DIR, 2)), want, `cut ${cut}`);
  }
});

test('mid-file corruption is CORRUPTION with file and offset', async () => {
  const fs = await newFS();
  await writeManifest(fs, 2, {}, EDITS.slice(0, 2));
  const path = `${DIR}/${manifestFileName(2)}`;
  const buf = await fs.readFile(path);
  const at = buf.length - encodeEdit(EDITS[1] as VersionEdit).length - encodeEdit(EDITS[0] as VersionEdit).length;
  buf[at + 7] = (buf[at + 7] as number) ^ 1;
  await (await fs.create(path)).append(buf);
  await assert.rejects(replayManifest(fs, DIR, 2), (e) => isFlowError(e, ErrorCode.CORRUPTION) && e.offset === at && e.file === path);
});

test('inconsistent or malformed edits are CORRUPTION', async () => {
  const cases: Uint8Array[][] = [
    [encodeEdit({ snapshot: true }), encodeEdit({ removeTables: [99] })],
    [encodeEdit({ snapshot: true, addTables: [table(3)] }), encodeEdit({ addTables: [table(3)] })],
    [encodeEdit({ addTables: [table(3)] })], // no snapshot first
    [encodeEdit({ snapshot: true }), encodeFrame(2, Buffer.from('{"lastSeq":"x"}'))],
    [encodeEdit({ snapshot: true }), encodeFrame(2, Buffer.from('not json'))],
    [encodeEdit({ snapshot: true }), encodeFrame(1, new Uint8Array(12))], // a WAL frame
    [],
  ];
  for (const frames of cases) {
    const fs = await newFS();
    const w = await fs.create(`${DIR}/${manifestFileName(2)}`);
    for (const f of frames) await w.append(f);
    await assert.rejects(replayManifest(fs, DIR, 2), (e) => isFlowError(e, ErrorCode.CORRUPTION));
  }
  await assert.rejects(replayManifest(await newFS(), DIR, 2), (e) => isFlowError(e, ErrorCode.CORRUPTION));
});

test('newer formatVersion, other comparator or unknown frame type → NOT_SUPPORTED', async () => {
  const cases: VersionEdit[][] = [
    [{ formatVersion: 2 }],
    [{}, { formatVersion: 2 }],
    [{ comparator: 'reverse' }],
  ];
  for (const [snap, ...rest] of cases) {
    const fs = await newFS();
    await writeManifest(fs, 2, snap as VersionEdit, rest);
    await assert.rejects(replayManifest(fs, DIR, 2), (e) => isFlowError(e, ErrorCode.NOT_SUPPORTED));
  }
  const fs = await newFS();
  await writeManifest(fs, 2, {}, []);
  await (await fs.openAppend(`${DIR}/${manifestFileName(2)}`)).append(encodeFrame(200, new Uint8Array(1)));
  await assert.rejects(replayManifest(fs, DIR, 2), (e) => isFlowError(e, ErrorCode.NOT_SUPPORTED));
});

test('readCurrent: missing → undefined, garbage → CORRUPTION, set → number', async () => {
  const fs = await newFS();
  assert.equal(await readCurrent(fs, DIR), undefined);
  await setCurrent(fs, DIR, 42);
  assert.equal(await readCurrent(fs, DIR), 42);
  assert.deepEqual(await fs.list(DIR), [CURRENT]);
  for (const bad of ['MANIFEST-000042', '', '000042.log\n', 'MANIFEST-42\n']) {
    await (await fs.create(`${DIR}/${CURRENT}`)).append(Buffer.from(bad));
    await assert.rejects(readCurrent(fs, DIR), (e) => isFlowError(e, ErrorCode.CORRUPTION));
  }
});

/** Deterministic rng for crash simulation. */
function lcg(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return x / 2 ** 32;
  };
}

/**
 * Runs `roll` on `fs`, crash-cloning before every FS operation and at the end: once keeping
 * only synced state, once also keeping unsynced bytes plus torn-write garbage.
 */
async function crashPoints(fs: MemFS, roll: (fs: FS) => Promise<void>): Promise<MemFS[]> {
  const clones: MemFS[] = [];
  const rng = lcg(7);
  const snap = (): void => {
    clones.push(fs.crashClone(), fs.crashClone({ keepUnsyncedFraction: 1, garbageTail: true, rng }));
  };
  await roll(new ErrorFS(fs, () => {
    snap();
    return undefined;
  }));
  snap();
  return clones;
}

test('CURRENT swap survives a crash at any point: old or new manifest, never a broken one', async () => {
  const fs = await newFS();
  // First open: no CURRENT yet, then manifest 1.
  const first = await crashPoints(fs, async (o) => {
    await writeManifest(o, 1, { lastSeq: 1 }, [EDITS[0] as VersionEdit]);
    await setCurrent(o, DIR, 1);
  });
  const oldState = summary(await replayManifest(fs, DIR, 1));
  let sawNone = false;
  for (const c of first) {
    const cur = await readCurrent(c, DIR);
    if (cur === undefined) sawNone = true;
    else assert.deepEqual(summary(await replayManifest(c, DIR, cur)), oldState);
  }
  assert.ok(sawNone);
  // Roll to manifest 13 with one more edit on top.
  const clones = await crashPoints(fs, async (o) => {
    const s = await replayManifest(o, DIR, 1);
    const w = await ManifestWriter.create(o, DIR, 13, stateToSnapshotEdit(s));
    await w.append(EDITS[1] as VersionEdit);
    await setCurrent(o, DIR, 13);
    await w.close();
  });
  const newState = summary(await replayManifest(fs, DIR, 13));
  const seen = new Set<number>();
  for (const c of clones) {
    const cur = await readCurrent(c, DIR);
    assert.ok(cur === 1 || cur === 13, `current ${cur}`);
    seen.add(cur);
    assert.deepEqual(summary(await replayManifest(c, DIR, cur)), cur === 1 ? oldState : newState);
  }
  assert.deepEqual([...seen].sort((a, b) => a - b), [1, 13]);
});

test('ManifestWriter: edits keep call order; a failed append poisons the writer', async () => {
  const inner = await newFS();
  let fail = false;
  const fs = new ErrorFS(inner, (op) => (fail && op.op === 'sync' ? { errno: 'EIO' } : undefined));
  const w = await ManifestWriter.create(fs, DIR, 2, {});
  await Promise.all([w.append({ lastSeq: 5 }), w.append({ addTables: [table(3)] }), w.append({ removeTables: [3] })]);
  assert.equal(w.size(), (await inner.stat(`${DIR}/${manifestFileName(2)}`))?.size);
  fail = true;
  await assert.rejects(w.append({ lastSeq: 6 }), (e) => isFlowError(e, ErrorCode.IO_ERROR));
  fail = false;
  await assert.rejects(w.append({ lastSeq: 7 }), (e) => isFlowError(e, ErrorCode.IO_ERROR) && /roll to a new manifest/.test(e.message));
  await w.close();
  const s = await replayManifest(inner, DIR, 2);
  assert.equal(s.tables.size, 0);
  assert.equal(s.edits, 5);
  assert.equal(s.lastSeq, 6); // the failed-sync edit may or may not be durable; here it reached the file
});
