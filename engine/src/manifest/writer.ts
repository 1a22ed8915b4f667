/**
 * ManifestWriter: appends VersionEdits to one MANIFEST file, syncing each.
 * Format: docs/formats/manifest.md. After any failed append or sync the file may end in a
 * partial frame, so the writer refuses further edits: roll to a new manifest instead.
 */
import { ErrorCode, FlowError, ioError } from '../base/errors.ts';
import { manifestFileName } from '../base/file-names.ts';
import { joinPath, type FS, type WritableFile } from '../vfs/fs.ts';
import { COMPARATOR_NAME, MANIFEST_FORMAT_VERSION, encodeEdit, type VersionEdit } from './edit.ts';

export class ManifestWriter {
  readonly manifestNum: number;
  readonly path: string;
  #file: WritableFile;
  #size = 0;
  /** Serializes appends. */
  #queue: Promise<void> = Promise.resolve();
  #failed: unknown = undefined;

  private constructor(manifestNum: number, path: string, file: WritableFile) {
    this.manifestNum = manifestNum;
    this.path = path;
    this.#file = file;
  }

  /** Creates MANIFEST-<num> holding `snapshot` (marked snapshot), synced, name synced. */
  static async create(fs: FS, dir: string, manifestNum: number, snapshot: VersionEdit): Promise<ManifestWriter> {
    const path = joinPath(dir, manifestFileName(manifestNum));
    let file: WritableFile;
    try {
      file = await fs.create(path);
    } catch (err) {
      throw ioError(`create manifest ${path}`, err);
    }
    const w = new ManifestWriter(manifestNum, path, file);
    const first: VersionEdit = {
      ...snapshot,
      snapshot: true,
      formatVersion: snapshot.formatVersion ?? MANIFEST_FORMAT_VERSION,
      comparator: snapshot.comparator ?? COMPARATOR_NAME,
    };
    try {
      await w.append(first);
      await fs.syncDir(dir);
    } catch (err) {
      await file.close().catch(() => {});
      throw ioError(`create manifest ${path}`, err);
    }
    return w;
  }

  /** Appends one edit and syncs it. Edits are written in call order. */
  append(edit: VersionEdit): Promise<void> {
    const frame = encodeEdit(edit);
    const run = this.#queue.then(() => this.#write(frame));
    this.#queue = run.catch(() => {});
    return run;
  }

  async #write(frame: Uint8Array): Promise<void> {
    if (this.#failed !== undefined) {
      throw new FlowError(ErrorCode.IO_ERROR, `manifest ${this.path} failed earlier; roll to a new manifest`, {
        cause: this.#failed,
      });
    }
    try {
      await this.#file.append(frame);
      await this.#file.sync();
    } catch (err) {
      this.#failed = err;
      throw ioError(`append to manifest ${this.path}`, err);
    }
    this.#size += frame.length;
  }

  size(): number {
    return this.#size;
  }

  async close(): Promise<void> {
    await this.#queue;
    try {
      await this.#file.close();
    } catch (err) {
      throw ioError(`close manifest ${this.path}`, err);
    }
  }
}
