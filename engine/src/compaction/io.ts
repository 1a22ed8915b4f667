/**
 * FilesIO: a merge's file operations on the FS seam, on the main thread, for the in-thread
 * merge and (through remote.ts messages) the worker. Output operations run strictly in call
 * order; after one fails, every later one fails with the same error. Per output:
 * create -> appends -> sync -> close. abort() closes and removes every output it created.
 */
import { ioError } from '../base/errors.ts';
import { tableFileName } from '../base/file-names.ts';
import { type FS, type WritableFile, joinPath } from '../vfs/fs.ts';
import type { MergeIO } from './merge.ts';

/** An input table's bytes (Table.readRange: through the engine's table file handles). */
export interface InputFile {
  readRange(offset: number, length: number): Promise<Uint8Array>;
}

export class FilesIO implements MergeIO {
  readonly #fs: FS;
  readonly #dir: string;
  readonly #inputs: readonly InputFile[];
  readonly #newFileNum: () => number;
  #out: { file: WritableFile; path: string } | undefined;
  #chain: Promise<unknown> = Promise.resolve();
  /** Outputs created so far, in order. */
  readonly created: { fileNum: number; path: string }[] = [];

  constructor(fs: FS, dir: string, inputs: readonly InputFile[], newFileNum: () => number) {
    this.#fs = fs;
    this.#dir = dir;
    this.#inputs = inputs;
    this.#newFileNum = newFileNum;
  }

  async read(input: number, offset: number, length: number): Promise<Uint8Array> {
    const t = this.#inputs[input];
    if (t === undefined) throw new RangeError(`no merge input ${input}`);
    return t.readRange(offset, length);
  }

  open(): Promise<number> {
    return this.#then(async () => {
      if (this.#out !== undefined) throw new Error('FilesIO.open: the previous output is not finished');
      const fileNum = this.#newFileNum();
      const path = joinPath(this.#dir, tableFileName(fileNum));
      this.created.push({ fileNum, path });
      try {
        this.#out = { file: await this.#fs.create(path), path };
      } catch (err) {
        throw ioError(`create ${path}`, err);
      }
      return fileNum;
    });
  }

  append(bufs: Uint8Array[]): Promise<void> {
    return this.#then(() => this.#append(bufs));
  }

  finish(tail: Uint8Array[]): Promise<void> {
    return this.#then(async () => {
      const out = this.#current();
      await this.#append(tail);
      try {
        await out.file.sync();
        await out.file.close();
      } catch (err) {
        throw ioError(`finish ${out.path}`, err);
      }
      this.#out = undefined;
    });
  }

  /** After a failure: closes the open output and removes every created one. Never throws. */
  async abort(): Promise<void> {
    await this.#chain.catch(() => undefined);
    await this.#out?.file.close().catch(() => undefined);
    this.#out = undefined;
    for (const c of this.created) await this.#fs.remove(c.path).catch(() => undefined);
  }

  #then<T>(op: () => Promise<T>): Promise<T> {
    const p = this.#chain.then(op);
    this.#chain = p;
    return p;
  }

  #current(): { file: WritableFile; path: string } {
    if (this.#out === undefined) throw new Error('FilesIO: no output is open');
    return this.#out;
  }

  async #append(bufs: Uint8Array[]): Promise<void> {
    const out = this.#current();
    if (bufs.length === 0) return;
    try {
      await out.file.append(bufs.length === 1 ? (bufs[0] as Uint8Array) : Buffer.concat(bufs));
    } catch (err) {
      throw ioError(`append ${out.path}`, err);
    }
  }
}
