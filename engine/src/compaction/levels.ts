/**
 * Level bookkeeping and the compaction picker (leveled, time-aware). See docs/formats/manifest.md.
 *
 * A table's footprint is a rectangle: keys [smallestKey, largestKey] (inclusive, conservative)
 * x ts [minTs, maxTs]; a table holding range tombstones spans every ts. L0 tables may overlap;
 * in L1..L6 rectangles are pairwise disjoint, so every (key, ts) lives in at most one table of a
 * level, and for any (key, ts) a higher level (smaller number) holds newer versions than a lower
 * one. Every plan below keeps these two invariants:
 *  - merge: inputs are widened until no table of the input or output level outside the inputs
 *    overlaps their bounding rectangle; outputs are cut at key boundaries, inside that rectangle.
 *  - move: a table goes down only when nothing in the next level overlaps it, and (L0) no older
 *    L0 table overlaps it.
 *  - drop: a table whose PUTs have all expired, with no tombstones, overlapping no table that may
 *    hold older versions, is deleted whole.
 * Small tables (< targetFileBytes / 4; small memtables, time-ordered data that is only ever
 * moved) are merged in place: a run of neighbours (in level order) once it adds up to half a
 * target file or SMALL_RUN_MAX tables. Tables of at least the small size are never inputs of
 * such a merge, so big time-ordered files are not rewritten again and again.
 */
import { compareBytes } from '../base/entry.ts';
import type { Table } from '../sstable/reader.ts';

export const NUM_LEVELS = 7;
export const L0_COMPACTION_TRIGGER = 4;

export interface Rect {
  lo: Uint8Array;
  hi: Uint8Array;
  tsLo: number;
  tsHi: number;
}

const MIN = Number.MIN_SAFE_INTEGER;
const MAX = Number.MAX_SAFE_INTEGER;

export function rectOf(t: Table): Rect {
  const m = t.meta;
  const full = m.rangeTombstones > 0 || m.puts + m.deletes === 0;
  return { lo: m.smallestKey, hi: m.largestKey, tsLo: full ? MIN : m.minTs, tsHi: full ? MAX : m.maxTs };
}

export function overlaps(a: Rect, b: Rect): boolean {
  return compareBytes(a.lo, b.hi) <= 0 && compareBytes(b.lo, a.hi) <= 0 && a.tsLo <= b.tsHi && b.tsLo <= a.tsHi;
}

export function union(a: Rect | undefined, b: Rect): Rect {
  if (a === undefined) return b;
  return {
    lo: compareBytes(a.lo, b.lo) <= 0 ? a.lo : b.lo,
    hi: compareBytes(a.hi, b.hi) >= 0 ? a.hi : b.hi,
    tsLo: Math.min(a.tsLo, b.tsLo),
    tsHi: Math.max(a.tsHi, b.tsHi),
  };
}

export function bbox(ts: readonly Table[]): Rect | undefined {
  let r: Rect | undefined;
  for (const t of ts) r = union(r, rectOf(t));
  return r;
}

export type Plan =
  | { kind: 'drop'; tables: Table[] }
  | { kind: 'move'; level: number; tables: Table[] }
  | { kind: 'merge'; level: number; outLevel: number; inputs: Table[]; bottommost: boolean };

export interface PickOptions {
  levelBaseBytes: number;
  now: number;
  /** Enables small-table merging (see pickSmallRun). */
  targetFileBytes?: number;
}

/** Most small tables merged at once; also the run length that triggers a merge on its own. */
export const SMALL_RUN_MAX = 64;

/** Tables grouped by level; L1+ sorted by (smallestKey, minTs). */
export function groupLevels(tables: readonly Table[], levelOf: (t: Table) => number): Table[][] {
  const levels: Table[][] = Array.from({ length: NUM_LEVELS }, () => []);
  for (const t of tables) (levels[Math.min(levelOf(t), NUM_LEVELS - 1)] as Table[]).push(t);
  for (let i = 1; i < NUM_LEVELS; i++) (levels[i] as Table[]).sort(byKeyTs);
  return levels;
}

function byKeyTs(a: Table, b: Table): number {
  return compareBytes(a.meta.smallestKey, b.meta.smallestKey) || a.meta.minTs - b.meta.minTs || a.fileNum - b.fileNum;
}

export function levelTarget(level: number, base: number): number {
  return base * 10 ** (level - 1);
}

export function levelBytes(ts: readonly Table[]): number {
  let n = 0;
  for (const t of ts) n += t.meta.size;
  return n;
}

/** Scores per level (L6 is never a compaction source: score 0). */
export function scores(levels: Table[][], base: number): number[] {
  return levels.map((ts, l) => (l === 0 ? ts.length / L0_COMPACTION_TRIGGER : l === NUM_LEVELS - 1 ? 0 : levelBytes(ts) / levelTarget(l, base)));
}

/** Bytes above the level targets (plus all of L0 once it triggers): an estimate of compaction debt. */
export function pendingBytes(levels: Table[][], base: number): number {
  let n = 0;
  const l0 = levels[0] as Table[];
  if (l0.length >= L0_COMPACTION_TRIGGER) n += levelBytes(l0);
  for (let l = 1; l < NUM_LEVELS - 1; l++) n += Math.max(0, levelBytes(levels[l] as Table[]) - levelTarget(l, base));
  return n;
}

/** Fully expired tables (no tombstones) that can't shadow anything older: delete whole. */
export function pickExpired(tables: readonly Table[], now: number): Table[] {
  const alive = new Set(tables);
  const out: Table[] = [];
  const byAge = [...tables].sort((a, b) => a.meta.maxSeq - b.meta.maxSeq);
  for (const t of byAge) {
    const m = t.meta;
    if (m.deletes > 0 || m.rangeTombstones > 0 || m.entries === 0) continue;
    if (m.puts > 0 && m.maxExpireAt > now) continue;
    const r = rectOf(t);
    let blocked = false;
    for (const o of alive) {
      if (o !== t && o.meta.minSeq < m.maxSeq && overlaps(r, rectOf(o))) {
        blocked = true;
        break;
      }
    }
    if (blocked) continue;
    alive.delete(t);
    out.push(t);
  }
  return out;
}

/**
 * Widens inputs (from `level`, plus `seed` tables) with every table of `level` and `level + 1`
 * overlapping their bounding rectangle, until stable.
 */
export function expand(levels: Table[][], level: number, seed: Table[], withNext = true): { inputs: Table[]; next: Table[] } {
  let inputs = seed;
  let next: Table[] = [];
  for (;;) {
    const box = bbox([...inputs, ...next]);
    if (box === undefined) return { inputs, next };
    const ni = level === 0 ? inputs : (levels[level] as Table[]).filter((t) => inputs.includes(t) || overlaps(box, rectOf(t)));
    const nn = withNext ? (levels[level + 1] ?? []).filter((t) => overlaps(box, rectOf(t))) : [];
    if (ni.length === inputs.length && nn.length === next.length) return { inputs, next };
    inputs = ni;
    next = nn;
  }
}

/** True when no table below `outLevel` overlaps `box`. */
export function isBottommost(levels: Table[][], outLevel: number, box: Rect | undefined): boolean {
  if (box === undefined) return true;
  for (let l = outLevel + 1; l < NUM_LEVELS; l++) for (const t of levels[l] as Table[]) if (overlaps(box, rectOf(t))) return false;
  return true;
}

/** Per-level rotation cursors (last compacted table's smallestKey/minTs). */
export type Pointers = ({ key: Uint8Array; ts: number } | undefined)[];

/**
 * The next automatic compaction, or undefined when every score is < 1 and no run of small
 * tables is due. Order: L0 (writers stall on it), small runs, then the highest-scoring level.
 */
export function pick(levels: Table[][], o: PickOptions, pointers: Pointers): Plan | undefined {
  const sc = scores(levels, o.levelBaseBytes);
  let best = -1;
  for (let l = 0; l < NUM_LEVELS - 1; l++) if ((sc[l] as number) >= 1 && (best < 0 || (sc[l] as number) > (sc[best] as number))) best = l;
  if (best === 0) {
    const l0 = [...(levels[0] as Table[])].sort((a, b) => a.meta.maxSeq - b.meta.maxSeq);
    const l1 = [...(levels[1] as Table[])];
    const moved: Table[] = [];
    for (const t of l0) {
      const r = rectOf(t);
      const olderOverlap = l0.some((u) => u !== t && !moved.includes(u) && u.meta.minSeq < t.meta.maxSeq && overlaps(r, rectOf(u)));
      if (olderOverlap || l1.some((u) => overlaps(r, rectOf(u)))) continue;
      moved.push(t);
      l1.push(t);
    }
    if (moved.length > 0) return { kind: 'move', level: 0, tables: moved };
    const { inputs, next } = expand(levels, 0, l0);
    const all = [...inputs, ...next];
    return { kind: 'merge', level: 0, outLevel: 1, inputs: all, bottommost: isBottommost(levels, 1, bbox(all)) };
  }
  if (o.targetFileBytes !== undefined) {
    const run = pickSmallRun(levels, o.targetFileBytes);
    if (run !== undefined) return run;
  }
  return best < 0 ? undefined : pickLevel(levels, best, pointers);
}

/**
 * A merge in place of adjacent small tables of one level (L1+), or undefined: the first run
 * (level order) of tables each < target / 4 that holds >= target / 2 bytes or SMALL_RUN_MAX
 * tables, widened to every table of the level overlapping it; refused when that pulls in a
 * table that is not small.
 */
export function pickSmallRun(levels: Table[][], targetFileBytes: number): Plan | undefined {
  const small = targetFileBytes / 4;
  for (let l = 1; l < NUM_LEVELS; l++) {
    const lv = levels[l] as Table[];
    for (let i = 0; i < lv.length; ) {
      if ((lv[i] as Table).meta.size >= small) {
        i++;
        continue;
      }
      let j = i;
      let bytes = 0;
      while (j < lv.length && (lv[j] as Table).meta.size < small && j - i < SMALL_RUN_MAX && bytes < targetFileBytes) bytes += (lv[j++] as Table).meta.size;
      if (j - i >= 2 && (bytes >= targetFileBytes / 2 || j - i >= SMALL_RUN_MAX)) {
        const { inputs } = expand(levels, l, lv.slice(i, j), false);
        if (inputs.every((t) => t.meta.size < small) && inputs.length <= 2 * SMALL_RUN_MAX) {
          return { kind: 'merge', level: l, outLevel: l, inputs, bottommost: isBottommost(levels, l, bbox(inputs)) };
        }
      }
      i = j;
    }
  }
  return undefined;
}

function pickLevel(levels: Table[][], best: number, pointers: Pointers): Plan {
  const lv = levels[best] as Table[];
  const p = pointers[best];
  let seed = lv[0] as Table;
  if (p !== undefined) {
    const after = lv.find((t) => {
      const c = compareBytes(t.meta.smallestKey, p.key);
      return c > 0 || (c === 0 && t.meta.minTs > p.ts);
    });
    if (after !== undefined) seed = after;
  }
  pointers[best] = { key: seed.meta.smallestKey, ts: seed.meta.minTs };
  const { inputs, next } = expand(levels, best, [seed]);
  if (next.length === 0) return { kind: 'move', level: best, tables: inputs };
  const all = [...inputs, ...next];
  return { kind: 'merge', level: best, outLevel: best + 1, inputs: all, bottommost: isBottommost(levels, best + 1, bbox(all)) };
}

/**
 * Manual compaction plans for the keys [start, end) (undefined = unbounded): each level's
 * overlapping tables are merged into the next, down to the deepest level holding data in range;
 * then the bottom level is rewritten alone when it still holds tombstones or expired data.
 * Below L0 a merge takes the level's in-range tables in key order only while its inputs stay
 * within maxBytes (at least one seed), so a full compaction is a series of bounded merges: each
 * holds only its own inputs' and outputs' indexes and filters at once.
 * Plans are computed one at a time (levels change between them): start with fromLevel 0, then
 * plan.level after each merge that moved data down (the level may have tables left in range);
 * stop after a plan with outLevel === level.
 */
export function manualPlan(
  levels: Table[][], start: Uint8Array | undefined, end: Uint8Array | undefined, fromLevel: number, now: number,
  maxBytes = Number.POSITIVE_INFINITY,
): Plan | undefined {
  const inRange = (t: Table) =>
    (end === undefined || compareBytes(t.meta.smallestKey, end) < 0) && (start === undefined || compareBytes(t.meta.largestKey, start) >= 0);
  let last = 0;
  for (let l = 0; l < NUM_LEVELS; l++) if ((levels[l] as Table[]).some(inRange)) last = l;
  last = Math.max(last, 1);
  for (let l = fromLevel; l < last; l++) {
    const seed = (levels[l] as Table[]).filter(inRange);
    if (seed.length === 0) continue;
    const all = l === 0 ? merged(expand(levels, 0, [...(levels[0] as Table[])])) : boundedMerge(levels, l, seed, maxBytes);
    return { kind: 'merge', level: l, outLevel: l + 1, inputs: all, bottommost: isBottommost(levels, l + 1, bbox(all)) };
  }
  if (fromLevel > last) return undefined;
  const bottom = (levels[last] as Table[]).filter(inRange);
  const dirty = bottom.some((t) => t.meta.deletes > 0 || t.meta.rangeTombstones > 0 || (t.meta.puts > 0 && t.meta.minExpireAt <= now));
  if (!dirty) return undefined;
  const { inputs } = expand(levels, last, bottom, false);
  return { kind: 'merge', level: last, outLevel: last, inputs, bottommost: isBottommost(levels, last, bbox(inputs)) };
}

function merged(e: { inputs: Table[]; next: Table[] }): Table[] {
  return [...e.inputs, ...e.next];
}

/** The longest key-ordered prefix of `seed` whose expanded merge stays within maxBytes (at least one seed). */
function boundedMerge(levels: Table[][], level: number, seed: Table[], maxBytes: number): Table[] {
  let best = merged(expand(levels, level, seed.slice(0, 1)));
  if (levelBytes(best) >= maxBytes) return best;
  for (let n = 2; n <= seed.length; n++) {
    const all = merged(expand(levels, level, seed.slice(0, n)));
    if (levelBytes(all) > maxBytes) break;
    best = all;
  }
  return best;
}
