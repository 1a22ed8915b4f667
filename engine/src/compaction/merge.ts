/**
 * Compaction merge: k-way merges input tables (read.ts mergeRuns) and writes output tables cut
 * at targetFileBytes on key boundaries.
 *
 * Per (key, ts), versions arrive newest first. A version is kept when some reader can see it as
 * the newest: the latest reader (the first version) or a live snapshot S with v.seq <= S < the
 * next newer version's seq. A kept version is dropped when a range tombstone T of the inputs
 * with T.seq > v.seq covers it and no snapshot lies in [v.seq, T.seq). At the bottommost level
 * (nothing older below), the oldest kept versions are dropped while they are point tombstones
 * or expired PUTs, and range tombstones are dropped when no snapshot is older than them.
 * Above the bottom, tombstones and expired PUTs are carried (they shadow older data below);
 * range tombstones are clipped to each output's key span.
 */
import { type Entry, Kind, type RangeTombstone, compareBytes } from '../base/entry.ts';
import { joinPath, type FS } from '../vfs/fs.ts';
import { tableFileName } from '../base/file-names.ts';
import type { BlockCache } from '../sstable/block-cache.ts';
import { Table } from '../sstable/reader.ts';
import { TableWriter, type TableWriterOptions } from '../sstable/writer.ts';
import { mergeRuns } from '../read.ts';

export interface MergeEnv {
  fs: FS;
  dir: string;
  cache: BlockCache;
  writer: TableWriterOptions;
  targetFileBytes: number;
  newFileNum(): number;
  /** Live snapshot seqs, ascending. */
  snapshots: readonly number[];
  now: number;
  bottommost: boolean;
  /** Checked at yield points; true aborts the merge (outputs removed). */
  shouldStop(): boolean;
}

export interface MergeResult {
  outputs: Table[];
  entriesIn: number;
  entriesOut: number;
  tombstonesIn: number;
  tombstonesOut: number;
}

export class CompactionAborted extends Error {}

/** The merge runs on the main thread: it yields to the event loop after SLICE_MS of work. */
const CHECK_EVERY = 64;
const SLICE_MS = 4;

/** True when some snapshot S has lo <= S < hi. */
export function snapshotIn(snaps: readonly number[], lo: number, hi: number): boolean {
  let a = 0;
  let b = snaps.length;
  while (a < b) {
    const m = (a + b) >>> 1;
    if ((snaps[m] as number) < lo) a = m + 1;
    else b = m;
  }
  return a < snaps.length && (snaps[a] as number) < hi;
}

/** Resolves one (key, ts) group (seq desc) into the versions to keep (seq desc). */
export function resolveGroup(
  group: readonly Entry[], active: readonly RangeTombstone[], snaps: readonly number[], bottommost: boolean, now: number,
): Entry[] {
  const kept: Entry[] = [];
  let prevSeq = Number.POSITIVE_INFINITY;
  for (const v of group) {
    const visible = prevSeq === Number.POSITIVE_INFINITY || snapshotIn(snaps, v.seq, prevSeq);
    prevSeq = v.seq;
    if (!visible) continue;
    let covered = false;
    for (const t of active) {
      if (t.seq > v.seq && !snapshotIn(snaps, v.seq, t.seq)) {
        covered = true;
        break;
      }
    }
    if (!covered) kept.push(v);
  }
  if (bottommost) {
    while (kept.length > 0) {
      const v = kept[kept.length - 1] as Entry;
      if (v.kind === Kind.DELETE || (v.kind === Kind.PUT && v.expireAt <= now)) kept.pop();
      else break;
    }
  }
  return kept;
}

export async function runMerge(env: MergeEnv, inputs: readonly Table[]): Promise<MergeResult> {
  const snaps = env.snapshots;
  // Range tombstones of the inputs, deduplicated, sorted by start.
  const seen = new Set<string>();
  const tombs: RangeTombstone[] = [];
  for (const t of inputs) {
    for (const r of t.rangeTombstones) {
      const id = `${r.seq}:${Buffer.from(r.start).toString('hex')}:${Buffer.from(r.end).toString('hex')}`;
      if (seen.has(id)) continue;
      seen.add(id);
      tombs.push(r);
    }
  }
  tombs.sort((a, b) => compareBytes(a.start, b.start));
  const keptTombs = env.bottommost ? tombs.filter((t) => snaps.length > 0 && (snaps[0] as number) < t.seq) : tombs;

  const res: MergeResult = { outputs: [], entriesIn: 0, entriesOut: 0, tombstonesIn: tombs.length, tombstonesOut: 0 };
  const created: { fileNum: number; path: string }[] = [];
  let w: TableWriter | undefined;
  let wBytes = 0;
  let lo: Uint8Array | undefined;
  let lastKey: Uint8Array | undefined;

  const open = async (): Promise<TableWriter> => {
    const fileNum = env.newFileNum();
    const path = joinPath(env.dir, tableFileName(fileNum));
    created.push({ fileNum, path });
    const nw = await TableWriter.create(env.fs, path, fileNum, env.writer);
    wBytes = 0;
    return nw;
  };
  const finish = async (hi: Uint8Array | undefined): Promise<void> => {
    const cur = w as TableWriter;
    for (const t of keptTombs) {
      const s = lo !== undefined && compareBytes(t.start, lo) < 0 ? lo : t.start;
      const e = hi !== undefined && compareBytes(t.end, hi) > 0 ? hi : t.end;
      if (compareBytes(s, e) < 0) {
        cur.addRangeTombstone({ start: s, end: e, seq: t.seq });
        res.tombstonesOut++;
      }
    }
    await cur.finish();
    w = undefined;
    lo = hi;
  };

  try {
    const sources = inputs.map((t) => t.iter({ fillCache: false }));
    let group: Entry[] = [];
    let ti = 0;
    let active: RangeTombstone[] = [];
    let activeKey: Uint8Array | undefined;
    const flushGroup = async (): Promise<void> => {
      const first = group[0] as Entry;
      if (activeKey === undefined || compareBytes(activeKey, first.key) !== 0) {
        activeKey = first.key;
        active = active.filter((t) => compareBytes(t.end, first.key) > 0);
        while (ti < tombs.length && compareBytes((tombs[ti] as RangeTombstone).start, first.key) <= 0) {
          const t = tombs[ti++] as RangeTombstone;
          if (compareBytes(t.end, first.key) > 0) active.push(t);
        }
      }
      const kept = resolveGroup(group, active, snaps, env.bottommost, env.now);
      if (kept.length === 0) return;
      if (w !== undefined && wBytes >= env.targetFileBytes && lastKey !== undefined && compareBytes(lastKey, first.key) !== 0) {
        await finish(first.key);
      }
      w ??= await open();
      for (const e of kept) {
        w.add(e);
        wBytes += e.key.length + e.value.length + 24;
      }
      res.entriesOut += kept.length;
      lastKey = first.key;
      if (w.bufferedBytes() > 1 << 20) await w.drain();
    };
    let sliceStart = performance.now();
    for await (const e of mergeRuns(sources, false)) {
      if (++res.entriesIn % CHECK_EVERY === 0 && performance.now() - sliceStart >= SLICE_MS) {
        await new Promise<void>((r) => setImmediate(r));
        sliceStart = performance.now();
        if (env.shouldStop()) throw new CompactionAborted('compaction aborted');
      }
      const g = group[0];
      if (g !== undefined && (g.ts !== e.ts || compareBytes(g.key, e.key) !== 0)) {
        await flushGroup();
        group = [];
      }
      group.push(e);
    }
    if (group.length > 0) await flushGroup();
    if (w === undefined && keptTombs.length > 0) w = await open();
    if (w !== undefined) await finish(undefined);
    if (created.length > 0) await env.fs.syncDir(env.dir);
    for (const c of created) res.outputs.push(await Table.open(env.fs, c.path, c.fileNum, env.cache));
    return res;
  } catch (e) {
    await (w as TableWriter | undefined)?.abort().catch(() => undefined);
    for (const t of res.outputs) await t.close().catch(() => undefined);
    for (const c of created) await env.fs.remove(c.path).catch(() => undefined);
    throw e;
  }
}
