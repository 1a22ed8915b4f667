/**
 * Compaction merge: k-way merges input tables (read.ts mergeRuns) into output tables cut at
 * targetFileBytes on key boundaries. Pure CPU plus MergeIO calls, so the one implementation
 * runs in the engine worker (flush/worker.ts, remote.ts) and in-thread (run.ts) alike.
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
import { mergeRuns } from '../read.ts';
import { TableEncoder, type TableWriterOptions } from '../sstable/encoder.ts';
import { openInput } from './input.ts';

export interface MergeInput {
  path: string;
  /** File size. */
  size: number;
  /** The table's range tombstones. */
  tombstones: RangeTombstone[];
}

/** What to merge (plain data: it is posted to the worker). */
export interface MergeSpec {
  inputs: MergeInput[];
  writer: TableWriterOptions;
  targetFileBytes: number;
  /** Live snapshot seqs, ascending. */
  snapshots: number[];
  now: number;
  bottommost: boolean;
  /** Bytes per input read (whole blocks, at least one). */
  readBytes: number;
}

export interface MergeStats {
  /** File numbers of the outputs, in key order. */
  outputs: number[];
  entriesIn: number;
  entriesOut: number;
  tombstonesIn: number;
  tombstonesOut: number;
}

/**
 * The merge's file operations, done by the main thread on the FS seam (io.ts): directly for
 * the in-thread merge, through messages for the worker (remote.ts).
 */
export interface MergeIO {
  /** Exactly `length` bytes of input `input` at `offset`. */
  read(input: number, offset: number, length: number): Promise<Uint8Array>;
  /** Creates the next output file; returns its file number. */
  open(): Promise<number>;
  /** Appends to the current output (may return before the bytes are written). */
  append(bufs: Uint8Array[]): Promise<void>;
  /** Appends the tail, syncs and closes the current output. */
  finish(tail: Uint8Array[]): Promise<void>;
}

export interface MergeControl {
  /** Checked at yield points; true aborts the merge. */
  shouldStop(): boolean;
  /** In-thread: yield to the event loop after SLICE_MS of work. */
  slice: boolean;
}

export class CompactionAborted extends Error {}

/** Stop checks every CHECK_EVERY entries; in-thread the merge yields after SLICE_MS of work. */
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

/** Merges the inputs into outputs; every byte read or written goes through `io`. */
export async function mergeTables(spec: MergeSpec, io: MergeIO, ctl: MergeControl): Promise<MergeStats> {
  const snaps = spec.snapshots;
  // Range tombstones of the inputs, deduplicated, sorted by start.
  const seen = new Set<string>();
  const tombs: RangeTombstone[] = [];
  for (const t of spec.inputs) {
    for (const r of t.tombstones) {
      const id = `${r.seq}:${Buffer.from(r.start).toString('hex')}:${Buffer.from(r.end).toString('hex')}`;
      if (seen.has(id)) continue;
      seen.add(id);
      tombs.push(r);
    }
  }
  tombs.sort((a, b) => compareBytes(a.start, b.start));
  const keptTombs = spec.bottommost ? tombs.filter((t) => snaps.length > 0 && (snaps[0] as number) < t.seq) : tombs;

  const res: MergeStats = { outputs: [], entriesIn: 0, entriesOut: 0, tombstonesIn: tombs.length, tombstonesOut: 0 };
  let w: TableEncoder | undefined;
  let wBytes = 0;
  let lo: Uint8Array | undefined;
  let lastKey: Uint8Array | undefined;

  const open = async (): Promise<TableEncoder> => {
    const fileNum = await io.open();
    res.outputs.push(fileNum);
    wBytes = 0;
    return new TableEncoder(fileNum, spec.writer);
  };
  const finish = async (hi: Uint8Array | undefined): Promise<void> => {
    const cur = w as TableEncoder;
    for (const t of keptTombs) {
      const s = lo !== undefined && compareBytes(t.start, lo) < 0 ? lo : t.start;
      const e = hi !== undefined && compareBytes(t.end, hi) > 0 ? hi : t.end;
      if (compareBytes(s, e) < 0) {
        cur.addRangeTombstone({ start: s, end: e, seq: t.seq });
        res.tombstonesOut++;
      }
    }
    w = undefined;
    await io.finish(cur.finish().tail);
    lo = hi;
  };

  const sources = await Promise.all(spec.inputs.map((t, i) => openInput(io, i, t.path, t.size, spec.readBytes)));
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
    const kept = resolveGroup(group, active, snaps, spec.bottommost, spec.now);
    if (kept.length === 0) return;
    if (w !== undefined && wBytes >= spec.targetFileBytes && lastKey !== undefined && compareBytes(lastKey, first.key) !== 0) {
      await finish(first.key);
    }
    w ??= await open();
    for (const e of kept) {
      w.add(e);
      wBytes += e.key.length + e.value.length + 24;
    }
    res.entriesOut += kept.length;
    lastKey = first.key;
    if (w.bufferedBytes() > 1 << 20) await io.append(w.take());
  };
  let sliceStart = performance.now();
  for await (const e of mergeRuns(sources, false)) {
    if (++res.entriesIn % CHECK_EVERY === 0) {
      if (ctl.slice && performance.now() - sliceStart >= SLICE_MS) {
        await new Promise<void>((r) => setImmediate(r));
        sliceStart = performance.now();
      }
      if (ctl.shouldStop()) throw new CompactionAborted('compaction aborted');
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
  return res;
}
