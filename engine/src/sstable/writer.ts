/**
 * TableWriter: streams entries (internal order) into an SSTable. Format: docs/formats/sstable.md.
 * add() encodes and seals blocks synchronously into memory; drain() appends them to the file;
 * finish() writes index, bloom, range-del and properties blocks plus the footer, syncs and closes.
 */
import { type Entry, Kind, type RangeTombstone, compareBytes } from '../base/entry.ts';
import { ioError } from '../base/errors.ts';
import { BLOOM_POLICY, BloomBuilder } from '../bloom/bloom.ts';
import type { FS, WritableFile } from '../vfs/fs.ts';
import { BlockBuilder } from './block.ts';
import { type BlockHandle, type IndexEntry, encodeFooter, encodeIndex, sealBlock } from './format.ts';
import { type TableProps, encodeProps, encodeRangeDels } from './props.ts';

export interface TableWriterOptions {
  /** Target uncompressed data block size; a block is cut once it reaches this. */
  blockBytes: number;
  /** 0 = no bloom filter. */
  bloomBitsPerKey: number;
  compression: 'none' | 'zstd';
}

/**
 * What a finished table holds. Empty-set convention: a min over nothing is
 * Number.MAX_SAFE_INTEGER, a max over nothing Number.MIN_SAFE_INTEGER.
 * ts ranges cover entries only; seq ranges cover entries and range tombstones;
 * expireAt ranges cover PUTs only. largestKey may be a range tombstone's exclusive end.
 */
/** What the engine keeps of a table: its properties (props.ts) and its file size. */
export type TableMeta = Omit<TableProps, 'dataBlocks' | 'compression' | 'blockBytes' | 'bloomBitsPerKey' | 'bloomPolicy'> & {
  size: number;
};

const MAX = Number.MAX_SAFE_INTEGER;
const MIN = Number.MIN_SAFE_INTEGER;

export class TableWriter {
  #path: string;
  #fileNum: number;
  #opts: TableWriterOptions;
  #file: WritableFile;
  #block = new BlockBuilder();
  #bloom: BloomBuilder | undefined;
  #pending: Uint8Array[] = [];
  #pendingBytes = 0;
  /** File offset of the next sealed block (appended + pending). */
  #offset = 0;
  #index: IndexEntry[] = [];
  #tombstones: RangeTombstone[] = [];
  #first: Entry | undefined;
  #prev: Entry | undefined;
  #blk = { firstKey: new Uint8Array(0), firstTs: 0, minTs: MAX, maxTs: MIN, maxExpireAt: MIN };
  #s = { entries: 0, puts: 0, deletes: 0, minTs: MAX, maxTs: MIN, minSeq: MAX, maxSeq: MIN, minExp: MAX, maxExp: MIN, raw: 0 };
  #chain: Promise<void> = Promise.resolve();
  #state: 'open' | 'done' | 'failed' = 'open';

  private constructor(path: string, fileNum: number, opts: TableWriterOptions, file: WritableFile) {
    this.#path = path;
    this.#fileNum = fileNum;
    this.#opts = opts;
    this.#file = file;
    if (opts.bloomBitsPerKey > 0) this.#bloom = new BloomBuilder();
  }

  static async create(fs: FS, path: string, fileNum: number, opts: TableWriterOptions): Promise<TableWriter> {
    if (!Number.isSafeInteger(opts.blockBytes) || opts.blockBytes < 1) throw new RangeError('blockBytes must be a positive integer');
    if (!(opts.bloomBitsPerKey >= 0 && opts.bloomBitsPerKey <= 64)) throw new RangeError('bloomBitsPerKey must be in [0, 64]');
    if (opts.compression !== 'none' && opts.compression !== 'zstd') throw new RangeError(`unknown compression ${String(opts.compression)}`);
    let file: WritableFile;
    try {
      file = await fs.create(path);
    } catch (err) {
      throw ioError(`create ${path}`, err);
    }
    return new TableWriter(path, fileNum, { ...opts }, file);
  }

  /** Entries must arrive in strict internal order; kind PUT or DELETE. */
  add(e: Entry): void {
    this.#checkOpen();
    if (e.kind !== Kind.PUT && e.kind !== Kind.DELETE) throw new Error(`TableWriter.add: kind ${e.kind} not allowed`);
    if (!Number.isSafeInteger(e.ts) || !Number.isSafeInteger(e.seq) || e.seq < 0 || !Number.isSafeInteger(e.expireAt)) {
      throw new Error('TableWriter.add: ts, seq and expireAt must be safe integers');
    }
    const prev = this.#prev;
    let newKey = true;
    if (prev !== undefined) {
      const c = compareBytes(prev.key, e.key);
      newKey = c !== 0;
      if (c > 0 || (c === 0 && (prev.ts > e.ts || (prev.ts === e.ts && prev.seq <= e.seq)))) {
        throw new Error('TableWriter.add: entries out of internal order');
      }
    } else this.#first = e;
    if (newKey) this.#bloom?.add(e.key);

    const b = this.#blk;
    if (this.#block.count === 0) {
      b.firstKey = e.key.slice();
      b.firstTs = e.ts;
    }
    if (e.ts < b.minTs) b.minTs = e.ts;
    if (e.ts > b.maxTs) b.maxTs = e.ts;
    if (e.expireAt > b.maxExpireAt) b.maxExpireAt = e.expireAt;
    this.#block.add(e);
    this.#prev = e;

    const s = this.#s;
    s.entries++;
    if (e.kind === Kind.PUT) {
      s.puts++;
      if (e.expireAt < s.minExp) s.minExp = e.expireAt;
      if (e.expireAt > s.maxExp) s.maxExp = e.expireAt;
    } else s.deletes++;
    if (e.ts < s.minTs) s.minTs = e.ts;
    if (e.ts > s.maxTs) s.maxTs = e.ts;
    this.#seq(e.seq);
    if (this.#block.size >= this.#opts.blockBytes) this.#cutBlock();
  }

  addRangeTombstone(t: RangeTombstone): void {
    this.#checkOpen();
    if (compareBytes(t.start, t.end) >= 0) throw new Error('TableWriter.addRangeTombstone: start must be < end');
    if (!Number.isSafeInteger(t.seq) || t.seq < 0) throw new Error('TableWriter.addRangeTombstone: bad seq');
    this.#tombstones.push({ start: t.start.slice(), end: t.end.slice(), seq: t.seq });
    this.#seq(t.seq);
  }

  /** Bytes encoded but not yet appended to the file. */
  bufferedBytes(): number {
    return this.#pendingBytes + this.#block.size;
  }

  /** Appends every sealed block to the file. */
  drain(): Promise<void> {
    const bufs = this.#pending;
    this.#pending = [];
    this.#pendingBytes = 0;
    const run = async (): Promise<void> => {
      if (bufs.length === 0) return;
      try {
        await this.#file.append(bufs.length === 1 ? (bufs[0] as Uint8Array) : Buffer.concat(bufs));
      } catch (err) {
        this.#state = 'failed';
        throw ioError(`append ${this.#path}`, err);
      }
    };
    this.#chain = this.#chain.then(run);
    return this.#chain;
  }

  async finish(): Promise<TableMeta> {
    this.#checkOpen();
    if (this.#block.count > 0) this.#cutBlock();
    const s = this.#s;
    const index = this.#put(sealBlock(encodeIndex(this.#index), false));
    const bloom: BlockHandle =
      this.#bloom !== undefined && this.#bloom.count > 0
        ? this.#put(sealBlock(this.#bloom.finish(this.#opts.bloomBitsPerKey), false))
        : { offset: this.#offset, length: 0 };
    const dels = this.#tombstones.sort((a, b) => compareBytes(a.start, b.start) || b.seq - a.seq);
    const rangeDel = this.#put(sealBlock(encodeRangeDels(dels), false));

    let smallest = this.#first?.key;
    let largest = this.#prev?.key;
    for (const t of dels) {
      if (smallest === undefined || compareBytes(t.start, smallest) < 0) smallest = t.start;
      if (largest === undefined || compareBytes(t.end, largest) > 0) largest = t.end;
    }
    const props: TableProps = {
      fileNum: this.#fileNum,
      entries: s.entries,
      puts: s.puts,
      deletes: s.deletes,
      rangeTombstones: dels.length,
      smallestKey: (smallest ?? new Uint8Array(0)).slice(),
      largestKey: (largest ?? new Uint8Array(0)).slice(),
      minTs: s.minTs,
      maxTs: s.maxTs,
      minSeq: s.minSeq,
      maxSeq: s.maxSeq,
      minExpireAt: s.minExp,
      maxExpireAt: s.maxExp,
      rawDataBytes: s.raw,
      dataBlocks: this.#index.length,
      compression: this.#opts.compression,
      blockBytes: this.#opts.blockBytes,
      bloomBitsPerKey: bloom.length > 0 ? this.#opts.bloomBitsPerKey : 0,
      bloomPolicy: bloom.length > 0 ? BLOOM_POLICY : '',
    };
    const propsH = this.#put(sealBlock(encodeProps(props), false));
    this.#put(encodeFooter({ index, bloom, rangeDel, props: propsH }));
    try {
      await this.drain();
      await this.#file.sync();
      await this.#file.close();
    } catch (err) {
      this.#state = 'failed';
      throw ioError(`finish ${this.#path}`, err);
    }
    this.#state = 'done';
    return propsToMeta(props, this.#offset);
  }

  /** Closes without finishing; the caller removes the file. Never throws. */
  async abort(): Promise<void> {
    if (this.#state === 'done') return;
    this.#state = 'failed';
    this.#pending = [];
    this.#pendingBytes = 0;
    await this.#chain.catch(() => undefined);
    await this.#file.close().catch(() => undefined);
    this.#state = 'done';
  }

  #checkOpen(): void {
    if (this.#state !== 'open') throw new Error(`TableWriter for ${this.#path} is ${this.#state === 'done' ? 'closed' : 'failed'}`);
  }

  #seq(seq: number): void {
    if (seq < this.#s.minSeq) this.#s.minSeq = seq;
    if (seq > this.#s.maxSeq) this.#s.maxSeq = seq;
  }

  #put(sealed: Uint8Array): BlockHandle {
    const h = { offset: this.#offset, length: sealed.length };
    this.#pending.push(sealed);
    this.#pendingBytes += sealed.length;
    this.#offset += sealed.length;
    return h;
  }

  #cutBlock(): void {
    const raw = this.#block.finish();
    this.#s.raw += raw.length;
    const h = this.#put(sealBlock(raw, this.#opts.compression === 'zstd'));
    const last = this.#prev as Entry;
    const b = this.#blk;
    this.#index.push({ ...h, firstKey: b.firstKey, firstTs: b.firstTs, lastKey: last.key.slice(), lastTs: last.ts, minTs: b.minTs, maxTs: b.maxTs, maxExpireAt: b.maxExpireAt });
    this.#blk = { firstKey: new Uint8Array(0), firstTs: 0, minTs: MAX, maxTs: MIN, maxExpireAt: MIN };
  }
}

export function propsToMeta(p: TableProps, size: number): TableMeta {
  return {
    fileNum: p.fileNum,
    size,
    entries: p.entries,
    puts: p.puts,
    deletes: p.deletes,
    rangeTombstones: p.rangeTombstones,
    smallestKey: p.smallestKey,
    largestKey: p.largestKey,
    minTs: p.minTs,
    maxTs: p.maxTs,
    minSeq: p.minSeq,
    maxSeq: p.maxSeq,
    minExpireAt: p.minExpireAt,
    maxExpireAt: p.maxExpireAt,
    rawDataBytes: p.rawDataBytes,
  };
}
