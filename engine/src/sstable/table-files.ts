/**
 * TableFiles: the open file handles of the engine's tables, at most `max` of them idle-open at
 * once (least recently used closed first; LevelDB's max_open_files). A table keeps its index,
 * filter and properties in memory and reopens its file on the next read after an eviction.
 * Handles in use by a read are never closed under it, so the bound is soft: it can be exceeded
 * by the number of reads in flight. Compaction inputs read through the same handles.
 */
import { ErrorCode, FlowError, ioError } from '../base/errors.ts';
import type { FS, ReadableFile } from '../vfs/fs.ts';

interface Slot {
  path: string;
  file: Promise<ReadableFile> | undefined;
  busy: number;
  closed: boolean;
}

export class TableFiles {
  readonly #fs: FS;
  readonly #max: number;
  /** In LRU order: the first entry is the least recently used. */
  readonly #slots = new Map<number, Slot>();
  #open = 0;
  /** Handles opened again after an eviction. */
  reopens = 0;
  evictions = 0;

  constructor(fs: FS, max: number) {
    this.#fs = fs;
    this.#max = max;
  }

  /** Handles open now. */
  get open(): number {
    return this.#open;
  }

  /** Registers a table's file, already open (Table.open read its metadata through it). */
  adopt(fileNum: number, path: string, file: ReadableFile): void {
    this.#slots.set(fileNum, { path, file: Promise.resolve(file), busy: 0, closed: false });
    this.#open++;
    this.#evict();
  }

  /** Runs `fn` with the table's handle, reopening it if it was evicted. */
  async use<T>(fileNum: number, fn: (file: ReadableFile) => Promise<T>): Promise<T> {
    const s = this.#slots.get(fileNum);
    if (s === undefined || s.closed) throw new FlowError(ErrorCode.CLOSED, `table file ${fileNum} is closed`);
    this.#slots.delete(fileNum);
    this.#slots.set(fileNum, s);
    s.busy++;
    try {
      if (s.file === undefined) {
        this.reopens++;
        this.#open++;
        const p = this.#fs.openReadable(s.path);
        s.file = p;
        p.catch(() => {
          if (s.file === p) {
            s.file = undefined;
            this.#open--;
          }
        });
        this.#evict();
      }
      let file: ReadableFile;
      try {
        file = await s.file;
      } catch (err) {
        throw ioError(`open ${s.path}`, err);
      }
      return await fn(file);
    } finally {
      s.busy--;
      if (s.closed && s.busy === 0) await this.#closeFile(s);
      else this.#evict();
    }
  }

  /** Forgets a table: its handle closes now, or when its last read ends. */
  async close(fileNum: number): Promise<void> {
    const s = this.#slots.get(fileNum);
    if (s === undefined) return;
    this.#slots.delete(fileNum);
    s.closed = true;
    if (s.busy === 0) await this.#closeFile(s);
  }

  #evict(): void {
    if (this.#open <= this.#max) return;
    for (const s of this.#slots.values()) {
      if (this.#open <= this.#max) return;
      if (s.busy > 0 || s.file === undefined) continue;
      this.evictions++;
      void this.#closeFile(s);
    }
  }

  async #closeFile(s: Slot): Promise<void> {
    const p = s.file;
    if (p === undefined) return;
    s.file = undefined;
    this.#open--;
    await p.then((f) => f.close()).catch(() => undefined);
  }
}
