/**
 * VersionSet: the live set of tables, the MANIFEST that records it, and file numbers.
 * apply() logs an edit (synced) before the new table set becomes visible; tables()
 * returns an immutable array (newest data first) that readers may hold while it changes.
 */
import { ErrorCode, FlowError, ioError } from './base/errors.ts';
import { manifestFileName, parseFileName, tableFileName } from './base/file-names.ts';
import {
  type ManifestState, ManifestWriter, type TableRecord, type VersionEdit, applyEdit, setCurrent, stateToSnapshotEdit,
} from './manifest/manifest.ts';
import type { Table } from './sstable/reader.ts';
import type { TableMeta } from './sstable/writer.ts';
import { type FS, joinPath, mkdirDurable } from './vfs/fs.ts';
import { Mutex } from './base/mutex.ts';

const ROLL_MANIFEST_BYTES = 4 << 20;

export interface Change {
  add: Table[];
  remove: Table[];
  logNumber?: number;
  lastSeq: number;
  /** Level of the added tables (default 0: flush output). */
  level?: number;
}

export function tableRecord(meta: TableMeta, level: number): TableRecord {
  return {
    fileNum: meta.fileNum, level, size: meta.size, entries: meta.entries,
    smallestKey: Buffer.from(meta.smallestKey).toString('base64'), largestKey: Buffer.from(meta.largestKey).toString('base64'),
    minTs: meta.minTs, maxTs: meta.maxTs, minSeq: meta.minSeq, maxSeq: meta.maxSeq,
    minExpireAt: meta.minExpireAt, maxExpireAt: meta.maxExpireAt,
  };
}

export class VersionSet {
  readonly #fs: FS;
  readonly #dir: string;
  #state: ManifestState;
  #tables: readonly Table[];
  #manifest: ManifestWriter;
  #nextFileNum: number;
  readonly #applyMutex = new Mutex();

  private constructor(fs: FS, dir: string, state: ManifestState, tables: Table[], manifest: ManifestWriter) {
    this.#fs = fs;
    this.#dir = dir;
    this.#state = state;
    this.#tables = sortTables(tables);
    this.#manifest = manifest;
    this.#nextFileNum = state.nextFileNum;
  }

  /** Writes a fresh MANIFEST holding `state`, makes it CURRENT, and removes the old one. */
  static async create(fs: FS, dir: string, state: ManifestState, tables: Table[], oldManifest: number | undefined): Promise<VersionSet> {
    const num = state.nextFileNum++;
    const w = await ManifestWriter.create(fs, dir, num, stateToSnapshotEdit(state));
    await setCurrent(fs, dir, num);
    if (oldManifest !== undefined) await fs.remove(joinPath(dir, manifestFileName(oldManifest))).catch(() => undefined);
    return new VersionSet(fs, dir, state, tables, w);
  }

  newFileNum(): number {
    return this.#nextFileNum++;
  }

  tables(): readonly Table[] {
    return this.#tables;
  }

  get logNumber(): number {
    return this.#state.logNumber;
  }

  /** Level of a live table (0 when unknown). */
  level(t: Table): number {
    return this.#state.tables.get(t.fileNum)?.level ?? 0;
  }

  /** Logs the change durably, then installs it. Serialized (flush and compaction both apply). */
  apply(c: Change): Promise<void> {
    return this.#applyMutex.run(() => this.#apply(c));
  }

  async #apply(c: Change): Promise<void> {
    const edit: VersionEdit = {
      addTables: c.add.map((t) => tableRecord(t.meta, c.level ?? 0)),
      removeTables: c.remove.map((t) => t.fileNum),
      lastSeq: c.lastSeq,
      nextFileNum: this.#nextFileNum,
      ...(c.logNumber !== undefined ? { logNumber: c.logNumber } : {}),
    };
    await this.#manifest.append(edit);
    applyEdit(this.#state, edit);
    const gone = new Set(c.remove);
    this.#tables = sortTables([...this.#tables.filter((t) => !gone.has(t)), ...c.add]);
    if (this.#manifest.size() > ROLL_MANIFEST_BYTES) await this.#roll();
  }

  async #roll(): Promise<void> {
    const old = this.#manifest;
    this.#state.nextFileNum = Math.max(this.#state.nextFileNum, this.#nextFileNum);
    const num = this.newFileNum();
    this.#state.nextFileNum = this.#nextFileNum;
    this.#manifest = await ManifestWriter.create(this.#fs, this.#dir, num, stateToSnapshotEdit(this.#state));
    await setCurrent(this.#fs, this.#dir, num);
    await old.close().catch(() => undefined);
    await this.#fs.remove(old.path).catch(() => undefined);
  }

  /** Removes WAL files numbered below logNumber; returns their numbers. */
  async removeObsoleteWals(logNumber: number): Promise<number[]> {
    const removed: number[] = [];
    for (const name of await this.#fs.list(this.#dir)) {
      const p = parseFileName(name);
      if (p?.kind !== 'wal' || p.num >= logNumber) continue;
      await this.#fs.remove(joinPath(this.#dir, name)).catch(() => undefined);
      removed.push(p.num);
    }
    return removed;
  }

  /** Copies the live tables into `dir` with a fresh MANIFEST and CURRENT. */
  async checkpoint(dir: string): Promise<void> {
    const fs = this.#fs;
    const tables = this.#tables;
    const state: ManifestState = {
      ...this.#state,
      tables: new Map(tables.map((t) => [t.fileNum, tableRecord(t.meta, this.level(t))])),
      nextFileNum: this.#nextFileNum + 1,
    };
    try {
      await mkdirDurable(fs, dir);
      for (const t of tables) {
        const data = await fs.readFile(joinPath(this.#dir, tableFileName(t.fileNum)));
        const f = await fs.create(joinPath(dir, tableFileName(t.fileNum)));
        await f.append(data);
        await f.sync();
        await f.close();
      }
      const w = await ManifestWriter.create(fs, dir, this.#nextFileNum, stateToSnapshotEdit(state));
      await w.close();
      await setCurrent(fs, dir, this.#nextFileNum);
      await fs.syncDir(dir);
    } catch (e) {
      throw ioError(`checkpoint to ${dir}`, e);
    }
  }

  async close(): Promise<void> {
    await this.#manifest.close().catch(() => undefined);
    for (const t of this.#tables) await t.close().catch(() => undefined);
  }
}

/** Newest data first: by maxSeq descending. */
function sortTables(ts: Table[]): Table[] {
  return ts.sort((a, b) => b.meta.maxSeq - a.meta.maxSeq);
}

export function missingTable(num: number): FlowError {
  return new FlowError(ErrorCode.CORRUPTION, `table ${tableFileName(num)} listed in the manifest is missing`);
}
