/**
 * SkipList: an ordered set of entries in internal order (key asc, ts asc, seq desc), stored
 * without per-entry JS objects: key+value bytes are copied into arena chunks, node fields live
 * in typed-array columns, links in one Int32Array. Everything sits in SharedArrayBuffers, so a
 * frozen list can be read by a worker thread without copying (see layout()).
 * Single-threaded writes; iteration tolerates inserts made while it runs: a cursor may or may
 * not see entries inserted behind or ahead of it, never a broken link. Level 0 is doubly linked.
 */
import type { Entry, Kind } from '../base/entry.ts';

const MAX_HEIGHT = 16;
/** Node 0 is the head; as a link target it means "none". */
const NIL = 0;
/** Int32 columns per node: chunk, offset, keyLen, valueLen, level-0 prev, links base. */
const NI = 6;
/** Float64 columns per node: ts, seq, expireAt. */
const NF = 3;
/** Uint8 columns per node: kind, height. */
const NB = 2;
const FIRST_CHUNK = 1024;
const MAX_CHUNK = 1 << 20;

/** What a worker needs to walk a frozen list (all buffers shared). */
export interface ListLayout {
  count: number;
  ints: Int32Array;
  nums: Float64Array;
  bytes: Uint8Array;
  links: Int32Array;
  chunks: Uint8Array[];
}

function sharedOf<T extends Int32Array | Float64Array | Uint8Array>(ctor: { new (b: SharedArrayBuffer): T; BYTES_PER_ELEMENT: number }, n: number): T {
  return new ctor(new SharedArrayBuffer(n * ctor.BYTES_PER_ELEMENT));
}

function grow<T extends Int32Array | Float64Array | Uint8Array>(
  old: T, ctor: { new (b: SharedArrayBuffer): T; BYTES_PER_ELEMENT: number }, need: number,
): T {
  if (need <= old.length) return old;
  let n = old.length * 2;
  while (n < need) n *= 2;
  const next = sharedOf(ctor, n);
  next.set(old);
  return next;
}

/** A released list's buffers, for reuse by the next list (see ArenaPool). */
interface Storage {
  ints: Int32Array;
  nums: Float64Array;
  meta: Uint8Array;
  links: Int32Array;
  chunks: Uint8Array[];
}

/**
 * ArenaPool: keeps the buffers of released (flushed, unread) lists so the next memtable
 * reuses them instead of allocating ~memtableBytes of fresh SharedArrayBuffers. Freed
 * SharedArrayBuffers are returned to the OS only after every thread that saw them (flush
 * workers included) has garbage-collected its handles, which may take many flushes; reused
 * ones cost nothing extra. Holds at most `max` released lists.
 */
export class ArenaPool {
  readonly #free: Storage[] = [];
  readonly #max: number;

  constructor(max = 1) {
    this.#max = max;
  }

  /** Bytes held by released lists waiting for reuse. */
  get bytes(): number {
    let n = 0;
    for (const s of this.#free) n += s.ints.byteLength + s.nums.byteLength + s.meta.byteLength + s.links.byteLength + s.chunks.length * MAX_CHUNK;
    return n;
  }

  get size(): number {
    return this.#free.length;
  }

  take(): Storage | undefined {
    return this.#free.pop();
  }

  give(s: Storage): void {
    if (this.#free.length < this.#max) this.#free.push(s);
  }
}

export class SkipList {
  #ints: Int32Array;
  #nums: Float64Array;
  #meta: Uint8Array;
  #links: Int32Array;
  #linksUsed = MAX_HEIGHT;
  #chunks: Uint8Array[] = [];
  /** Reused full-size chunks not yet in use (from a pooled list). */
  #spare: Uint8Array[] = [];
  #freed = false;
  #chunkUsed = 0;
  #nextChunk = FIRST_CHUNK;
  /**
   * What a fresh list would hold for the same inserts (column capacities doubling from the initial
   * sizes, arena chunks 1 KiB doubling to 1 MiB): memoryBytes() counts this, so when a memtable
   * fills up does not depend on whether its buffers were reused (the pool's spare capacity is the pool's).
   */
  #capNodes = 8;
  #capLinks = MAX_HEIGHT + 16;
  #arenaBytes = 0;
  #vUsed = 0;
  #vCap = 0;
  #vNext = FIRST_CHUNK;
  #height = 1;
  #length = 0;
  #rand = 0x9e3779b9;
  /** The finger: the last insert's node (levels below its height), else its predecessors. */
  #prev = new Int32Array(MAX_HEIGHT);
  /**
   * Set by #cmp: the common prefix length of the last compared keys. A search keeps it for its
   * predecessor (< key) and its stop node (>= key): every node between them shares at least the
   * smaller of the two with the key (byte order), so their comparisons start there. Keys under
   * one prefix (an IndexedDB store's records, an index's entries) skip the shared bytes.
   */
  #lcp = 0;
  #last = NIL;

  constructor(pool?: ArenaPool) {
    const s = pool?.take();
    if (s === undefined) {
      this.#ints = sharedOf(Int32Array, 8 * NI);
      this.#nums = sharedOf(Float64Array, 8 * NF);
      this.#meta = sharedOf(Uint8Array, 8 * NB);
      this.#links = sharedOf(Int32Array, MAX_HEIGHT + 16);
      return;
    }
    this.#ints = s.ints;
    this.#nums = s.nums;
    this.#meta = s.meta;
    this.#links = s.links;
    this.#links.fill(NIL, 0, MAX_HEIGHT);
    this.#spare = s.chunks.reverse();
    this.#nextChunk = MAX_CHUNK;
  }

  /**
   * Gives this list's buffers to `pool`. The caller guarantees nothing reads the list again
   * (no scan, no flush); afterwards it is empty.
   */
  release(pool: ArenaPool): void {
    if (this.#freed) return;
    this.#freed = true;
    const chunks = [...this.#chunks, ...this.#spare].filter((c) => c.length === MAX_CHUNK);
    pool.give({ ints: this.#ints, nums: this.#nums, meta: this.#meta, links: this.#links, chunks });
    this.#chunks = [];
    this.#spare = [];
    this.#length = 0;
    this.#height = 1;
    this.#last = NIL;
    this.#ints = sharedOf(Int32Array, NI);
    this.#nums = sharedOf(Float64Array, NF);
    this.#meta = sharedOf(Uint8Array, NB);
    this.#links = sharedOf(Int32Array, MAX_HEIGHT);
    this.#arenaBytes = 0;
    this.#vUsed = this.#vCap = 0;
    this.#vNext = FIRST_CHUNK;
    this.#capNodes = 8;
    this.#capLinks = MAX_HEIGHT + 16;
  }

  get length(): number {
    return this.#length;
  }

  /**
   * Bytes of memory this list holds: column and arena capacity as grown for its entries (a list
   * on reused buffers counts the same as a fresh one; the pool's extra capacity is the pool's).
   */
  memoryBytes(): number {
    return this.#capNodes * (NI * 4 + NF * 8 + NB) + this.#capLinks * 4 + this.#arenaBytes;
  }

  layout(): ListLayout {
    return { count: this.#length, ints: this.#ints, nums: this.#nums, bytes: this.#meta, links: this.#links, chunks: this.#chunks };
  }

  #randomHeight(): number {
    // xorshift32; deterministic, no Math.random in engine core.
    let x = this.#rand;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.#rand = x >>> 0;
    let h = 1;
    let bits = this.#rand;
    while (h < MAX_HEIGHT && (bits & 3) === 0) {
      h++;
      bits >>>= 2;
    }
    return h;
  }

  /** Copies `n` bytes' room into the arena; returns [chunk, offset]. */
  #alloc(n: number): number {
    let c = this.#chunks[this.#chunks.length - 1];
    if (this.#vCap === 0 || this.#vUsed + n > this.#vCap) {
      this.#vCap = Math.max(n, this.#vNext);
      if (this.#vNext < MAX_CHUNK) this.#vNext *= 2;
      this.#arenaBytes += this.#vCap;
      this.#vUsed = 0;
    }
    this.#vUsed += n;
    if (c === undefined || this.#chunkUsed + n > c.length) {
      const spare = this.#spare.length > 0 && n <= MAX_CHUNK ? this.#spare.pop() : undefined;
      const size = spare?.length ?? Math.max(n, this.#nextChunk);
      if (this.#nextChunk < MAX_CHUNK) this.#nextChunk *= 2;
      c = spare ?? sharedOf(Uint8Array, size);
      this.#chunks.push(c);
      this.#chunkUsed = 0;
    }
    const off = this.#chunkUsed;
    this.#chunkUsed += n;
    return off;
  }

  /**
   * Internal-order comparison of node n with (key, ts, seq). The caller may know that the first
   * `from` key bytes are equal (see the searches); #lcp is left at the common prefix length of
   * the two keys' bytes.
   */
  #cmp(n: number, key: Uint8Array, ts: number, seq: number, from = 0): number {
    const ints = this.#ints;
    const b = n * NI;
    const c = this.#chunks[ints[b] as number] as Uint8Array;
    const o = ints[b + 1] as number;
    const kl = ints[b + 2] as number;
    const len = kl < key.length ? kl : key.length;
    for (let i = from < len ? from : len; i < len; i++) {
      const d = (c[o + i] as number) - (key[i] as number);
      if (d !== 0) { this.#lcp = i; return d; }
    }
    this.#lcp = len;
    if (kl !== key.length) return kl - key.length;
    const nts = this.#nums[n * NF] as number;
    if (nts !== ts) return nts < ts ? -1 : 1;
    return seq - (this.#nums[n * NF + 1] as number);
  }

  insert(e: Entry): void {
    const kl = e.key.length;
    const vl = e.value.length;
    const n = this.#length + 1;
    const h = this.#randomHeight();
    this.#ints = grow(this.#ints, Int32Array, (n + 1) * NI);
    this.#nums = grow(this.#nums, Float64Array, (n + 1) * NF);
    this.#meta = grow(this.#meta, Uint8Array, (n + 1) * NB);
    this.#links = grow(this.#links, Int32Array, this.#linksUsed + h);
    while (this.#capNodes < n + 1) this.#capNodes *= 2;
    while (this.#capLinks < this.#linksUsed + h) this.#capLinks *= 2;
    const off = this.#alloc(kl + vl);
    const chunk = this.#chunks.length - 1;
    const c = this.#chunks[chunk] as Uint8Array;
    c.set(e.key, off);
    c.set(e.value, off + kl);

    const prev = this.#prev;
    const links = this.#links;
    let x = NIL;
    let top = this.#height - 1;
    // Finger search: ascending inserts (a sorted batch, time-ordered data) start from the
    // previous insert's path, climbing only as high as the distance needs.
    if (this.#last !== NIL && this.#cmp(this.#last, e.key, e.ts, e.seq) < 0) {
      let lvl = 0;
      for (;;) {
        const f = prev[lvl] as number;
        const nx = links[this.#linkBase(f) + lvl] as number;
        if (nx === NIL || this.#cmp(nx, e.key, e.ts, e.seq) >= 0 || lvl === top) break;
        lvl++;
      }
      top = lvl;
      x = prev[lvl] as number;
    }
    // lo: common prefix of x and the key (0 when unknown); hi: of the stop node (0: none yet).
    let lo = 0;
    let hi = 0;
    for (let lvl = top; lvl >= 0; lvl--) {
      let nx = links[this.#linkBase(x) + lvl] as number;
      while (nx !== NIL) {
        if (this.#cmp(nx, e.key, e.ts, e.seq, lo < hi ? lo : hi) >= 0) { hi = this.#lcp; break; }
        lo = this.#lcp;
        x = nx;
        nx = links[this.#linkBase(x) + lvl] as number;
      }
      prev[lvl] = x;
    }
    if (h > this.#height) {
      for (let lvl = this.#height; lvl < h; lvl++) prev[lvl] = NIL;
      this.#height = h;
    }
    const ints = this.#ints;
    const b = n * NI;
    ints[b] = chunk;
    ints[b + 1] = off;
    ints[b + 2] = kl;
    ints[b + 3] = vl;
    ints[b + 4] = prev[0] as number;
    ints[b + 5] = this.#linksUsed;
    this.#linksUsed += h;
    const nums = this.#nums;
    nums[n * NF] = e.ts;
    nums[n * NF + 1] = e.seq;
    nums[n * NF + 2] = e.expireAt;
    this.#meta[n * NB] = e.kind;
    this.#meta[n * NB + 1] = h;
    const base = ints[b + 5] as number;
    for (let lvl = 0; lvl < h; lvl++) {
      const p = this.#linkBase(prev[lvl] as number) + lvl;
      links[base + lvl] = links[p] as number;
      links[p] = n;
    }
    const succ = links[base] as number;
    if (succ !== NIL) ints[succ * NI + 4] = n;
    for (let lvl = 0; lvl < h; lvl++) prev[lvl] = n;
    this.#last = n;
    this.#length = n;
  }

  #linkBase(n: number): number {
    return n === NIL ? 0 : (this.#ints[n * NI + 5] as number);
  }

  /** First node >= (key, ts, seq) in internal order, or NIL (0). */
  seekGE(key: Uint8Array, ts: number, seq: number): number {
    const links = this.#links;
    let x = NIL;
    let lo = 0;
    let hi = 0;
    for (let lvl = this.#height - 1; lvl >= 0; lvl--) {
      let nx = links[this.#linkBase(x) + lvl] as number;
      while (nx !== NIL) {
        if (this.#cmp(nx, key, ts, seq, lo < hi ? lo : hi) >= 0) { hi = this.#lcp; break; }
        lo = this.#lcp;
        x = nx;
        nx = links[this.#linkBase(x) + lvl] as number;
      }
    }
    return links[this.#linkBase(x)] as number;
  }

  /** Last node < (key, ts, seq), or the last node when key is undefined; NIL if none. */
  seekLT(key: Uint8Array | undefined, ts: number, seq: number): number {
    const links = this.#links;
    let x = NIL;
    for (let lvl = this.#height - 1; lvl >= 0; lvl--) {
      let nx = links[this.#linkBase(x) + lvl] as number;
      while (nx !== NIL && (key === undefined || this.#cmp(nx, key, ts, seq) < 0)) {
        x = nx;
        nx = links[this.#linkBase(x) + lvl] as number;
      }
    }
    return x;
  }

  next(n: number): number {
    return this.#links[this.#linkBase(n)] as number;
  }

  prev(n: number): number {
    return this.#ints[n * NI + 4] as number;
  }

  ts(n: number): number {
    return this.#nums[n * NF] as number;
  }

  seq(n: number): number {
    return this.#nums[n * NF + 1] as number;
  }

  /** True when node n's key equals `key`. */
  keyEquals(n: number, key: Uint8Array): boolean {
    const b = n * NI;
    if (this.#ints[b + 2] !== key.length) return false;
    const c = this.#chunks[this.#ints[b] as number] as Uint8Array;
    const o = this.#ints[b + 1] as number;
    for (let i = 0; i < key.length; i++) if (c[o + i] !== key[i]) return false;
    return true;
  }

  /** True when node n's key is in [lower, upper) (undefined: unbounded). */
  inBounds(n: number, lower: Uint8Array | undefined, upper: Uint8Array | undefined): boolean {
    const MIN = Number.MIN_SAFE_INTEGER;
    const MAX = Number.MAX_SAFE_INTEGER;
    return (lower === undefined || this.#cmp(n, lower, MIN, MAX) >= 0) && (upper === undefined || this.#cmp(n, upper, MIN, MAX) < 0);
  }

  /** Node n as an Entry; key and value are copies (never views of the arena). */
  entry(n: number): Entry {
    const ints = this.#ints;
    const b = n * NI;
    const c = this.#chunks[ints[b] as number] as Uint8Array;
    const o = ints[b + 1] as number;
    const kl = ints[b + 2] as number;
    const key = new Uint8Array(kl);
    key.set(c.subarray(o, o + kl));
    const value = new Uint8Array(ints[b + 3] as number);
    value.set(c.subarray(o + kl, o + kl + value.length));
    return {
      key, ts: this.#nums[n * NF] as number, seq: this.#nums[n * NF + 1] as number,
      kind: this.#meta[n * NB] as Kind, expireAt: this.#nums[n * NF + 2] as number, value,
    };
  }

  /** Entries >= from (or from the start), ascending. */
  *ascending(from: Entry | undefined): Generator<Entry> {
    let n = from === undefined ? this.next(NIL) : this.seekGE(from.key, from.ts, from.seq);
    while (n !== NIL) {
      yield this.entry(n);
      n = this.next(n);
    }
  }

  /** Entries < before (or from the end), descending. */
  *descending(before: Entry | undefined): Generator<Entry> {
    let n = before === undefined ? this.seekLT(undefined, 0, 0) : this.seekLT(before.key, before.ts, before.seq);
    while (n !== NIL) {
      yield this.entry(n);
      n = this.prev(n);
    }
  }
}
