/**
 * WalWriter: appends pre-encoded BATCH frames (encodeBatch) to one WAL file.
 * Format: docs/formats/wal.md. Each append is a single write of one whole frame.
 * If an append fails, the file may hold part of the frame: roll back with
 * rollbackTo(sizeBefore) (or fs.truncate(path, sizeBefore)) before appending again.
 */
import { ioError } from '../base/errors.ts';
import { dirName, type FS, type WritableFile } from '../vfs/fs.ts';

export class WalWriter {
  readonly fileNum: number;
  readonly path: string;
  #fs: FS;
  #file: WritableFile;
  #size: number;
  #synced: number;

  private constructor(fs: FS, path: string, fileNum: number, file: WritableFile) {
    this.#fs = fs;
    this.path = path;
    this.fileNum = fileNum;
    this.#file = file;
    this.#size = file.size();
    this.#synced = this.#size;
  }

  /** Creates an empty WAL file and makes its name durable (syncDir). */
  static async create(fs: FS, path: string, fileNum: number): Promise<WalWriter> {
    let file: WritableFile;
    try {
      file = await fs.create(path);
    } catch (err) {
      throw ioError(`create WAL ${path}`, err);
    }
    try {
      await fs.syncDir(dirName(path));
    } catch (err) {
      await file.close().catch(() => {});
      throw ioError(`sync dir of WAL ${path}`, err);
    }
    return new WalWriter(fs, path, fileNum, file);
  }

  /** Reopens an existing WAL (already checked by readWal) to append at its end. */
  static async openAppend(fs: FS, path: string, fileNum: number): Promise<WalWriter> {
    try {
      return new WalWriter(fs, path, fileNum, await fs.openAppend(path));
    } catch (err) {
      throw ioError(`open WAL ${path}`, err);
    }
  }

  /** Appends one whole frame. On failure size() still reports the size before the call. */
  async append(frame: Uint8Array): Promise<void> {
    try {
      await this.#file.append(frame);
    } catch (err) {
      throw ioError(`append to WAL ${this.path}`, err);
    }
    this.#size += frame.length;
  }

  /** Makes every byte appended before this call durable. */
  async sync(): Promise<void> {
    const target = this.#size;
    try {
      await this.#file.sync();
    } catch (err) {
      throw ioError(`sync WAL ${this.path}`, err);
    }
    if (target > this.#synced) this.#synced = target;
  }

  /** Cuts the file back to `size` (e.g. size() taken before a failed append). */
  async rollbackTo(size: number): Promise<void> {
    try {
      await this.#fs.truncate(this.path, size);
    } catch (err) {
      throw ioError(`truncate WAL ${this.path}`, err);
    }
    this.#size = size;
    if (this.#synced > size) this.#synced = size;
  }

  size(): number {
    return this.#size;
  }

  syncedSize(): number {
    return this.#synced;
  }

  async close(): Promise<void> {
    try {
      await this.#file.close();
    } catch (err) {
      throw ioError(`close WAL ${this.path}`, err);
    }
  }
}
