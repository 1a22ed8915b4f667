/**
 * The read path: sources yield runs of entries in internal order (or its exact reverse);
 * mergeRuns k-way merges them; resolveVisible keeps, per (key, ts), the newest entry with
 * seq <= readSeq and yields it when it is a live PUT not covered by a newer range tombstone.
 */
import { type Entry, Kind, type RangeTombstone, compareBytes, compareEntries } from './base/entry.ts';
import type { Memtable } from './memtable/memtable.ts';

export interface Bounds {
  /** Inclusive. */
  lower: Uint8Array | undefined;
  /** Exclusive. */
  upper: Uint8Array | undefined;
  tsFrom: number;
  tsTo: number;
}

export interface RunSource {
  nextRun(): Promise<Entry[] | undefined> | Entry[] | undefined;
}

/** Memtable runs start small (a get or limit-1 scan reads little) and double up to MAX_RUN. */
const FIRST_RUN = 8;
const MAX_RUN = 256;

export function inBounds(key: Uint8Array, b: Bounds): boolean {
  return (b.lower === undefined || compareBytes(key, b.lower) >= 0) && (b.upper === undefined || compareBytes(key, b.upper) < 0);
}

/** Runs of a memtable's point entries within bounds; the first run holds at most `firstRun` entries. */
export function memtableSource(mt: Memtable, b: Bounds, reverse: boolean, firstRun = FIRST_RUN): RunSource {
  const l = mt.list;
  const MIN = Number.MIN_SAFE_INTEGER;
  const MAX = Number.MAX_SAFE_INTEGER;
  let n = reverse ? l.seekLT(b.upper, MIN, MAX) : b.lower === undefined ? l.next(0) : l.seekGE(b.lower, MIN, MAX);
  let size = firstRun;
  return {
    nextRun(): Entry[] | undefined {
      if (n === 0) return undefined;
      const run: Entry[] = [];
      const want = size;
      if (size < MAX_RUN) size *= 2;
      while (run.length < want && n !== 0) {
        const ts = l.ts(n);
        if (ts >= b.tsFrom && ts <= b.tsTo) {
          const e = l.entry(n);
          if (!inBounds(e.key, b)) {
            n = 0;
            break;
          }
          run.push(e);
        } else if (!l.inBounds(n, b.lower, b.upper)) {
          n = 0;
          break;
        }
        n = reverse ? l.prev(n) : l.next(n);
      }
      return run.length > 0 ? run : n === 0 ? undefined : run;
    },
  };
}

interface Cursor {
  src: RunSource;
  run: Entry[];
  i: number;
}

/** K-way merge of sorted runs. `reverse` means each source is in exact reverse internal order. */
export async function* mergeRuns(sources: RunSource[], reverse: boolean): AsyncGenerator<Entry> {
  const cmp = reverse ? (a: Entry, b: Entry) => compareEntries(b, a) : compareEntries;
  const heap: Cursor[] = [];
  const less = (x: Cursor, y: Cursor) => cmp(x.run[x.i] as Entry, y.run[y.i] as Entry) < 0;
  const up = (k: number) => {
    while (k > 0) {
      const p = (k - 1) >> 1;
      if (!less(heap[k] as Cursor, heap[p] as Cursor)) break;
      [heap[k], heap[p]] = [heap[p] as Cursor, heap[k] as Cursor];
      k = p;
    }
  };
  const down = (k: number) => {
    for (;;) {
      const l = 2 * k + 1;
      if (l >= heap.length) break;
      const r = l + 1;
      const m = r < heap.length && less(heap[r] as Cursor, heap[l] as Cursor) ? r : l;
      if (!less(heap[m] as Cursor, heap[k] as Cursor)) break;
      [heap[k], heap[m]] = [heap[m] as Cursor, heap[k] as Cursor];
      k = m;
    }
  };
  const refill = async (c: Cursor): Promise<boolean> => {
    for (;;) {
      const run = await c.src.nextRun();
      if (run === undefined) return false;
      if (run.length > 0) {
        c.run = run;
        c.i = 0;
        return true;
      }
    }
  };
  for (const src of sources) {
    const c: Cursor = { src, run: [], i: 0 };
    if (await refill(c)) {
      heap.push(c);
      up(heap.length - 1);
    }
  }
  if (heap.length === 1) {
    // Fast path: one source.
    const c = heap[0] as Cursor;
    do {
      for (; c.i < c.run.length; c.i++) yield c.run[c.i] as Entry;
    } while (await refill(c));
    return;
  }
  while (heap.length > 0) {
    const c = heap[0] as Cursor;
    yield c.run[c.i] as Entry;
    c.i++;
    if (c.i >= c.run.length && !(await refill(c))) {
      const last = heap.pop() as Cursor;
      if (heap.length > 0) {
        heap[0] = last;
        down(0);
      }
    } else {
      down(0);
    }
  }
}

/** Range tombstones with seq <= readSeq that overlap the bounds, sorted by start. */
export function collectTombstones(lists: readonly (readonly RangeTombstone[])[], b: Bounds, readSeq: number): RangeTombstone[] {
  const out: RangeTombstone[] = [];
  for (const list of lists) {
    for (const t of list) {
      if (t.seq > readSeq) continue;
      if (b.upper !== undefined && compareBytes(t.start, b.upper) >= 0) continue;
      if (b.lower !== undefined && compareBytes(t.end, b.lower) <= 0) continue;
      out.push(t);
    }
  }
  out.sort((x, y) => compareBytes(x.start, y.start));
  return out;
}

export function coveredBy(tombstones: readonly RangeTombstone[], key: Uint8Array, seq: number): boolean {
  for (const t of tombstones) {
    if (compareBytes(t.start, key) > 0) break;
    if (t.seq > seq && compareBytes(key, t.end) < 0) return true;
  }
  return false;
}

/** True when the newest version `e` is a live value at `now`. */
export function isLive(e: Entry, tombstones: readonly RangeTombstone[], now: number): boolean {
  return e.kind === Kind.PUT && e.expireAt > now && !coveredBy(tombstones, e.key, e.seq);
}

/**
 * Yields, per (key, ts), the newest entry with seq <= readSeq when it is live.
 * Input is in internal order (seq desc within a group) or its reverse (seq asc).
 */
export async function* resolveVisible(
  entries: AsyncIterable<Entry>,
  readSeq: number,
  tombstones: readonly RangeTombstone[],
  now: number,
): AsyncGenerator<Entry> {
  let best: Entry | undefined;
  let gKey: Uint8Array | undefined;
  let gTs = 0;
  for await (const e of entries) {
    if (gKey === undefined || e.ts !== gTs || compareBytes(e.key, gKey) !== 0) {
      if (best !== undefined && isLive(best, tombstones, now)) yield best;
      best = undefined;
      gKey = e.key;
      gTs = e.ts;
    }
    if (e.seq <= readSeq && (best === undefined || e.seq > best.seq)) best = e;
  }
  if (best !== undefined && isLive(best, tombstones, now)) yield best;
}

interface FirstCursor {
  src: RunSource;
  run: readonly Entry[];
  i: number;
}

/**
 * Loads the cursor's next non-empty run; false when the source is exhausted. Synchronous while
 * the source answers synchronously (memtables): a promise only when a table block is read.
 */
function refillFirst(c: FirstCursor): boolean | Promise<boolean> {
  for (;;) {
    const r = c.src.nextRun();
    if (r instanceof Promise) return r.then((run) => (run === undefined ? false : run.length > 0 ? setRun(c, run) : refillFirst(c)));
    if (r === undefined) return false;
    if (r.length > 0) return setRun(c, r);
  }
}

function setRun(c: FirstCursor, run: readonly Entry[]): true {
  c.run = run;
  c.i = 0;
  return true;
}

/**
 * The first entry resolveVisible(mergeRuns(sources, reverse), ...) would yield, without the
 * generators: a linear pick over the few sources, one entry at a time. Forward, the first entry
 * of a (key, ts) group with seq <= readSeq decides the group (seq descends within it), so the
 * answer is returned before any further entry (or block) is read; reverse reads each group to
 * its end (seq ascends).
 */
export async function firstVisible(
  sources: readonly RunSource[], reverse: boolean, readSeq: number, tombstones: readonly RangeTombstone[], now: number,
): Promise<Entry | undefined> {
  const cs: FirstCursor[] = [];
  for (const src of sources) {
    const c: FirstCursor = { src, run: [], i: 0 };
    const ok = refillFirst(c);
    if (ok === true || (ok !== false && await ok)) cs.push(c);
  }
  let best: Entry | undefined;
  let gKey: Uint8Array | undefined;
  let gTs = 0;
  /** Forward: the current group's visible version has been judged (and was not live). */
  let decided = false;
  while (cs.length > 0) {
    let m = 0;
    let e = (cs[0] as FirstCursor).run[(cs[0] as FirstCursor).i] as Entry;
    for (let k = 1; k < cs.length; k++) {
      const c = cs[k] as FirstCursor;
      const x = c.run[c.i] as Entry;
      if (reverse ? compareEntries(x, e) > 0 : compareEntries(x, e) < 0) {
        m = k;
        e = x;
      }
    }
    if (gKey === undefined || e.ts !== gTs || compareBytes(e.key, gKey) !== 0) {
      if (best !== undefined && isLive(best, tombstones, now)) return best;
      best = undefined;
      decided = false;
      gKey = e.key;
      gTs = e.ts;
    }
    if (!decided && e.seq <= readSeq && (best === undefined || e.seq > best.seq)) {
      best = e;
      if (!reverse) {
        if (isLive(e, tombstones, now)) return e;
        best = undefined;
        decided = true;
      }
    }
    const c = cs[m] as FirstCursor;
    if (++c.i >= c.run.length) {
      const ok = refillFirst(c);
      if (ok === false || (ok !== true && !(await ok))) cs.splice(m, 1);
    }
  }
  return best !== undefined && isLive(best, tombstones, now) ? best : undefined;
}
