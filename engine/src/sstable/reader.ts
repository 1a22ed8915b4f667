/**
 * Table: an open SSTable (format: docs/formats/sstable.md). Footer, index, bloom, range-dels
 * and properties are loaded at open; data blocks are read with readAt on demand and decoded
 * whole into the shared BlockCache. Returned entries are shared with the cache: never mutate.
 */
import { type Entry, Kind, type RangeTombstone, compareBytes, compareEntries, compareKeyTs } from '../base/entry.ts';
import { ErrorCode, FlowError, corruption, ioError, isFlowError } from '../base/errors.ts';
import { BLOOM_POLICY, bloomMayContain, bloomPolicy, bloomProblem } from '../bloom/bloom.ts';
import type { FS, ReadableFile } from '../vfs/fs.ts';
import type { BlockCache } from './block-cache.ts';
import { decodeBlock } from './block.ts';
import { FOOTER_BYTES, type BlockHandle, decodeFooter, decodeIndex, openBlock } from './format.ts';
import { PackedIndex } from './packed-index.ts';
import { type TableProps, decodeProps, decodeRangeDels } from './props.ts';
import { TableFiles } from './table-files.ts';
import { type TableMeta, propsToMeta } from './writer.ts';

export interface TableIterOptions {
  /** Inclusive user key. */
  lower?: Uint8Array;
  /** Exclusive user key. */
  upper?: Uint8Array;
  tsFrom?: number;
  /** Inclusive. */
  tsTo?: number;
  reverse?: boolean;
  /** Insert blocks read by this iterator into the cache (default true). */
  fillCache?: boolean;
}

/** Cache charge per decoded entry, on top of the block's payload bytes. */
const ENTRY_OVERHEAD = 80;

export class Table {
  readonly fileNum: number;
  readonly meta: TableMeta;
  readonly props: TableProps;
  readonly rangeTombstones: readonly RangeTombstone[];
  readonly blockCount: number;
  #path: string;
  #files: TableFiles;
  #cache: BlockCache;
  #index: PackedIndex;
  #bloom: Uint8Array | undefined;
  #loading = new Map<number, Promise<readonly Entry[]>>();
  #closed = false;

  private constructor(path: string, fileNum: number, size: number, files: TableFiles, cache: BlockCache, index: PackedIndex,
    bloom: Uint8Array | undefined, dels: RangeTombstone[], props: TableProps) {
    this.#path = path;
    this.fileNum = fileNum;
    this.#files = files;
    this.#cache = cache;
    this.#index = index;
    this.#bloom = bloom;
    this.rangeTombstones = dels;
    this.props = props;
    this.meta = { ...propsToMeta(props, size), fileNum };
    this.blockCount = index.length;
  }

  /** Opens a table; its handle then lives in `files` (default: a private, unbounded one). */
  static async open(fs: FS, path: string, fileNum: number, cache: BlockCache, files = new TableFiles(fs, Infinity)): Promise<Table> {
    let file: ReadableFile;
    try {
      file = await fs.openReadable(path);
    } catch (err) {
      throw ioError(`open ${path}`, err);
    }
    try {
      const size = file.size();
      if (size < FOOTER_BYTES) throw corruption(`file too short for an sstable (${size} bytes)`, path, 0);
      const footer = decodeFooter(await readAt(file, path, size - FOOTER_BYTES, FOOTER_BYTES), size, path);
      // Meta blocks lie between the end of data (= index offset) and the footer: one read.
      const metaStart = footer.index.offset;
      const meta = await readAt(file, path, metaStart, size - FOOTER_BYTES - metaStart);
      const block = (h: BlockHandle): Uint8Array => {
        if (h.offset < metaStart) throw corruption('meta block before the index', path, h.offset);
        return openBlock(meta.subarray(h.offset - metaStart, h.offset - metaStart + h.length), path, h.offset);
      };
      const index = new PackedIndex(decodeIndex(block(footer.index), metaStart, path, footer.index.offset));
      let bloom: Uint8Array | undefined;
      if (footer.bloom.length > 0) {
        bloom = block(footer.bloom).slice();
        const problem = bloomProblem(bloom);
        // A filter of an unknown policy is ignored (mayContain answers true); a broken one of ours is corruption.
        if (problem !== undefined && bloomPolicy(bloom) === BLOOM_POLICY) throw corruption(problem, path, footer.bloom.offset);
        if (problem !== undefined) bloom = undefined;
      }
      const dels = footer.rangeDel.length > 0 ? decodeRangeDels(block(footer.rangeDel), path, footer.rangeDel.offset) : [];
      const props = decodeProps(block(footer.props), path, footer.props.offset);
      if (props.dataBlocks !== index.length || props.rangeTombstones !== dels.length) {
        throw corruption('properties disagree with index or range-del block', path, footer.props.offset);
      }
      files.adopt(fileNum, path, file);
      return new Table(path, fileNum, size, files, cache, index, bloom, dels, props);
    } catch (err) {
      await file.close().catch(() => undefined);
      throw err;
    }
  }

  /** Memory held for the block index and the bloom filter, bytes. */
  get metaBytes(): number {
    return this.#index.bytes + (this.#bloom?.length ?? 0);
  }

  /** Bloom check on the user key; true when the table has no (usable) filter. */
  mayContain(key: Uint8Array): boolean {
    return this.#bloom === undefined || bloomMayContain(this.#bloom, key);
  }

  /** Newest entry (highest seq <= maxSeq) for exactly (key, ts), any kind; undefined if none. */
  async get(key: Uint8Array, ts: number, maxSeq: number): Promise<Entry | undefined> {
    if (!this.mayContain(key)) return undefined;
    const idx = this.#index;
    // First block whose last (key, ts) >= target; versions of one (key, ts) may continue into later blocks.
    let i = lowerBound(idx.length, (m) => idx.compare(m, 1, key, ts) < 0);
    for (; i < idx.length; i++) {
      if (idx.compare(i, 0, key, ts) > 0) break;
      if (ts < idx.minTs(i) || ts > idx.maxTs(i)) continue;
      const es = await this.#readBlock(i, true);
      for (let j = lowerBound(es.length, (m) => compareKeyTs((es[m] as Entry).key, (es[m] as Entry).ts, key, ts) < 0); j < es.length; j++) {
        const e = es[j] as Entry;
        if (e.ts !== ts || compareBytes(e.key, key) !== 0) return undefined;
        if (e.seq <= maxSeq) return e;
      }
    }
    return undefined;
  }

  /** Newest entry with seq <= maxSeq at the highest ts of `key` that has one; any kind. */
  async latest(key: Uint8Array, maxSeq: number): Promise<Entry | undefined> {
    if (!this.mayContain(key)) return undefined;
    const idx = this.#index;
    let best: Entry | undefined;
    // Backwards from the last block that can hold `key`; seq ascends within one ts going back.
    for (let i = lowerBound(idx.length, (m) => idx.compare(m, 0, key, NaN) <= 0) - 1; i >= 0; i--) {
      if (idx.compare(i, 1, key, NaN) < 0) break;
      const es = await this.#readBlock(i, true);
      for (let j = lowerBound(es.length, (m) => compareBytes((es[m] as Entry).key, key) <= 0) - 1; j >= 0; j--) {
        const e = es[j] as Entry;
        if (compareBytes(e.key, key) !== 0 || (best !== undefined && e.ts !== best.ts)) return best;
        if (e.seq <= maxSeq) best = e;
      }
    }
    return best;
  }

  /** Streams runs of matching entries, one block at a time (see TableIterOptions). */
  iter(opts: TableIterOptions): { nextRun(): Promise<Entry[] | undefined> } {
    const { lower, upper, reverse = false, fillCache = true } = opts;
    const tsFrom = opts.tsFrom ?? Number.MIN_SAFE_INTEGER;
    const tsTo = opts.tsTo ?? Number.MAX_SAFE_INTEGER;
    const idx = this.#index;
    let first = lower === undefined ? 0 : lowerBound(idx.length, (m) => idx.compare(m, 1, lower, NaN) < 0);
    let last = upper === undefined ? idx.length - 1 : lowerBound(idx.length, (m) => idx.compare(m, 0, upper, NaN) < 0) - 1;
    if (tsFrom > tsTo || (lower !== undefined && upper !== undefined && compareBytes(lower, upper) >= 0)) last = first - 1;
    const next = async (): Promise<Entry[] | undefined> => {
      while (first <= last) {
        const i = reverse ? last-- : first++;
        const minTs = idx.minTs(i);
        const maxTs = idx.maxTs(i);
        if (maxTs < tsFrom || minTs > tsTo) continue;
        const es = await this.#readBlock(i, fillCache);
        const a = lower === undefined ? 0 : lowerBound(es.length, (m) => compareBytes((es[m] as Entry).key, lower) < 0);
        const b = upper === undefined ? es.length : lowerBound(es.length, (m) => compareBytes((es[m] as Entry).key, upper) < 0);
        let run = es.slice(a, b);
        if (minTs < tsFrom || maxTs > tsTo) run = run.filter((e) => e.ts >= tsFrom && e.ts <= tsTo);
        if (run.length === 0) continue;
        return reverse ? run.reverse() : run;
      }
      return undefined;
    };
    return { nextRun: next };
  }

  /** Reads every data block from the file and checks checksums, decoding, order and index/props agreement. */
  async verify(): Promise<string[]> {
    const problems: string[] = [];
    const p = this.props;
    let prev: Entry | undefined;
    const n = { entries: 0, puts: 0, deletes: 0, raw: 0 };
    for (let i = 0; i < this.#index.length; i++) {
      const ie = this.#index.entry(i);
      const at = (msg: string): void => void problems.push(`${this.#path}@${ie.offset}: ${msg}`);
      let es: Entry[];
      try {
        const payload = openBlock(await this.readRange(ie.offset, ie.length), this.#path, ie.offset);
        n.raw += payload.length;
        es = decodeBlock(payload, this.#path, ie.offset);
      } catch (err) {
        if (!isFlowError(err)) throw err;
        at(err.message);
        prev = undefined;
        continue;
      }
      const f = es[0];
      const l = es[es.length - 1];
      if (f === undefined || l === undefined) {
        at('empty block');
        continue;
      }
      if (compareKeyTs(f.key, f.ts, ie.firstKey, ie.firstTs) !== 0) at('first entry differs from index');
      if (compareKeyTs(l.key, l.ts, ie.lastKey, ie.lastTs) !== 0) at('last entry differs from index');
      let minTs = Number.MAX_SAFE_INTEGER;
      let maxTs = Number.MIN_SAFE_INTEGER;
      let maxExp = Number.MIN_SAFE_INTEGER;
      for (const e of es) {
        if (prev !== undefined && compareEntries(prev, e) >= 0) at('entries out of internal order');
        prev = e;
        minTs = Math.min(minTs, e.ts);
        maxTs = Math.max(maxTs, e.ts);
        maxExp = Math.max(maxExp, e.expireAt);
        n.entries++;
        if (e.kind === Kind.PUT) n.puts++;
        else n.deletes++;
        if (!this.mayContain(e.key)) at('bloom filter misses a key');
      }
      if (minTs !== ie.minTs || maxTs !== ie.maxTs || maxExp !== ie.maxExpireAt) at('ts/expiry bounds differ from index');
    }
    if (problems.length === 0 && (n.entries !== p.entries || n.puts !== p.puts || n.deletes !== p.deletes || n.raw !== p.rawDataBytes)) {
      problems.push(`${this.#path}: entry counts or raw bytes differ from properties`);
    }
    return problems;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#files.close(this.fileNum);
  }

  /** Exactly `length` raw bytes of the file at `offset` (compaction input reads). */
  readRange(offset: number, length: number): Promise<Uint8Array> {
    if (this.#closed) return Promise.reject(new FlowError(ErrorCode.CLOSED, `table ${this.#path} is closed`));
    return this.#files.use(this.fileNum, (f) => readAt(f, this.#path, offset, length));
  }

  async #readBlock(i: number, fillCache: boolean): Promise<readonly Entry[]> {
    const offset = this.#index.offset(i);
    const hit = this.#cache.get(this.fileNum, offset);
    if (hit !== undefined) return hit;
    const loading = this.#loading.get(offset);
    if (loading !== undefined) return loading;
    const p = (async () => {
      if (this.#closed) throw new FlowError(ErrorCode.CLOSED, `table ${this.#path} is closed`);
      const stored = await this.readRange(offset, this.#index.blockLength(i));
      let payload = openBlock(stored, this.#path, offset);
      // Don't let cached subarrays pin a much larger buffer.
      if (payload.buffer.byteLength > 2 * payload.length + 4096) payload = payload.slice();
      const es = decodeBlock(payload, this.#path, offset);
      if (es.length === 0) throw corruption('empty data block', this.#path, offset);
      if (fillCache) this.#cache.put(this.fileNum, offset, es, payload.length + es.length * ENTRY_OVERHEAD);
      return es;
    })();
    this.#loading.set(offset, p);
    try {
      return await p;
    } finally {
      this.#loading.delete(offset);
    }
  }
}

/** Reads exactly `length` bytes of a table file; typed errors (CORRUPTION for short reads, IO_ERROR). */
export async function readAt(file: ReadableFile, path: string, offset: number, length: number): Promise<Uint8Array> {
  try {
    const buf = await file.readAt(offset, length);
    if (buf.length !== length) throw corruption(`short read (${buf.length} of ${length})`, path, offset);
    return buf;
  } catch (err) {
    if (isFlowError(err)) throw err;
    if ((err as { code?: unknown } | null)?.code === 'EOF') throw corruption('unexpected end of file', path, offset);
    throw ioError(`read ${path}@${offset}`, err);
  }
}

/** Smallest m in [0, n) with !before(m), or n. */
function lowerBound(n: number, before: (m: number) => boolean): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const m = (lo + hi) >>> 1;
    if (before(m)) lo = m + 1;
    else hi = m;
  }
  return lo;
}
