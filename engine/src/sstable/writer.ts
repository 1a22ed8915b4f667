/**
 * TableWriter: streams entries (internal order) into an SSTable file. The encoding is
 * TableEncoder's (encoder.ts); drain() appends sealed blocks to the file; finish() writes the
 * meta blocks and footer, syncs and closes.
 */
import type { Entry, RangeTombstone } from '../base/entry.ts';
import { ioError } from '../base/errors.ts';
import type { FS, WritableFile } from '../vfs/fs.ts';
import { TableEncoder, type TableWriterOptions, checkWriterOptions } from './encoder.ts';
import type { TableProps } from './props.ts';

export type { TableWriterOptions } from './encoder.ts';

/**
 * What the engine keeps of a table: its properties (props.ts) and its file size.
 * Empty-set convention: a min over nothing is Number.MAX_SAFE_INTEGER, a max over nothing
 * Number.MIN_SAFE_INTEGER. largestKey may be a range tombstone's exclusive end.
 */
export type TableMeta = Omit<TableProps, 'dataBlocks' | 'compression' | 'blockBytes' | 'bloomBitsPerKey' | 'bloomPolicy'> & {
  size: number;
};

export class TableWriter {
  #path: string;
  #file: WritableFile;
  #enc: TableEncoder;
  #chain: Promise<void> = Promise.resolve();
  #state: 'open' | 'done' | 'failed' = 'open';

  private constructor(path: string, fileNum: number, opts: TableWriterOptions, file: WritableFile) {
    this.#path = path;
    this.#file = file;
    this.#enc = new TableEncoder(fileNum, opts);
  }

  static async create(fs: FS, path: string, fileNum: number, opts: TableWriterOptions): Promise<TableWriter> {
    checkWriterOptions(opts);
    let file: WritableFile;
    try {
      file = await fs.create(path);
    } catch (err) {
      throw ioError(`create ${path}`, err);
    }
    return new TableWriter(path, fileNum, opts, file);
  }

  /** Entries must arrive in strict internal order; kind PUT or DELETE. */
  add(e: Entry): void {
    this.#checkOpen();
    this.#enc.add(e);
  }

  addRangeTombstone(t: RangeTombstone): void {
    this.#checkOpen();
    this.#enc.addRangeTombstone(t);
  }

  /** Bytes encoded but not yet appended to the file. */
  bufferedBytes(): number {
    return this.#enc.bufferedBytes();
  }

  /** Appends every sealed block to the file. */
  drain(): Promise<void> {
    return this.#append(this.#enc.take());
  }

  #append(bufs: Uint8Array[]): Promise<void> {
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
    const { tail, props, size } = this.#enc.finish();
    try {
      await this.#append(tail);
      await this.#file.sync();
      await this.#file.close();
    } catch (err) {
      this.#state = 'failed';
      throw ioError(`finish ${this.#path}`, err);
    }
    this.#state = 'done';
    return propsToMeta(props, size);
  }

  /** Closes without finishing; the caller removes the file. Never throws. */
  async abort(): Promise<void> {
    if (this.#state === 'done') return;
    this.#state = 'failed';
    await this.#chain.catch(() => undefined);
    await this.#file.close().catch(() => undefined);
    this.#state = 'done';
  }

  #checkOpen(): void {
    if (this.#state !== 'open') throw new Error(`TableWriter for ${this.#path} is ${this.#state === 'done' ? 'closed' : 'failed'}`);
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
