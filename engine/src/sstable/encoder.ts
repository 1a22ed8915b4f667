/**
 * TableEncoder: the CPU half of writing an SSTable (format: docs/formats/sstable.md). add()
 * encodes and seals data blocks into memory; take() hands them out; finish() returns the
 * index, bloom, range-del and properties blocks plus the footer. No I/O, so it also runs in
 * the flush worker. TableWriter (writer.ts) puts the bytes into a file.
 */
import { type Entry, Kind, type RangeTombstone, compareBytes } from '../base/entry.ts';
import { BLOOM_POLICY, BloomBuilder } from '../bloom/bloom.ts';
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

const MAX = Number.MAX_SAFE_INTEGER;
const MIN = Number.MIN_SAFE_INTEGER;

export function checkWriterOptions(opts: TableWriterOptions): void {
  if (!Number.isSafeInteger(opts.blockBytes) || opts.blockBytes < 1) throw new RangeError('blockBytes must be a positive integer');
  if (!(opts.bloomBitsPerKey >= 0 && opts.bloomBitsPerKey <= 64)) throw new RangeError('bloomBitsPerKey must be in [0, 64]');
  if (opts.compression !== 'none' && opts.compression !== 'zstd') throw new RangeError(`unknown compression ${String(opts.compression)}`);
}

export interface EncodedTail {
  /** Index, bloom, range-del, props blocks and the footer: the end of the file. */
  tail: Uint8Array[];
  props: TableProps;
  /** File size once everything is written. */
  size: number;
}

export class TableEncoder {
  #fileNum: number;
  #opts: TableWriterOptions;
  #block = new BlockBuilder();
  #bloom: BloomBuilder | undefined;
  #pending: Uint8Array[] = [];
  #pendingBytes = 0;
  /** File offset of the next sealed block. */
  #offset = 0;
  #index: IndexEntry[] = [];
  #tombstones: RangeTombstone[] = [];
  #first: Entry | undefined;
  #prev: Entry | undefined;
  #blk = { firstKey: new Uint8Array(0), firstTs: 0, minTs: MAX, maxTs: MIN, maxExpireAt: MIN };
  #s = { entries: 0, puts: 0, deletes: 0, minTs: MAX, maxTs: MIN, minSeq: MAX, maxSeq: MIN, minExp: MAX, maxExp: MIN, raw: 0 };

  constructor(fileNum: number, opts: TableWriterOptions) {
    checkWriterOptions(opts);
    this.#fileNum = fileNum;
    this.#opts = { ...opts };
    if (opts.bloomBitsPerKey > 0) this.#bloom = new BloomBuilder();
  }
  /** Entries must arrive in strict internal order; kind PUT or DELETE. */
  add(e: Entry): void {
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
    if (compareBytes(t.start, t.end) >= 0) throw new Error('TableWriter.addRangeTombstone: start must be < end');
    if (!Number.isSafeInteger(t.seq) || t.seq < 0) throw new Error('TableWriter.addRangeTombstone: bad seq');
    this.#tombstones.push({ start: t.start.slice(), end: t.end.slice(), seq: t.seq });
    this.#seq(t.seq);
  }

  /** Bytes encoded but not yet taken. */
  bufferedBytes(): number {
    return this.#pendingBytes + this.#block.size;
  }

  /** Sealed blocks not yet taken, in file order. */
  take(): Uint8Array[] {
    const out = this.#pending;
    this.#pending = [];
    this.#pendingBytes = 0;
    return out;
  }

  /** Cuts the last block and encodes the meta blocks and footer; take() everything first. */
  finish(): EncodedTail {
    if (this.#block.count > 0) this.#cutBlock();
    const data = this.take();
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
    return { tail: [...data, ...this.take()], props, size: this.#offset };
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

