/**
 * recover(): opens a data dir. Order: lock → CURRENT → replay MANIFEST → open tables →
 * replay WAL files >= logNumber into a memtable (torn tail truncated, mid-log corruption
 * is an error unless walSalvage) → write a fresh MANIFEST → new WAL file → remove orphans.
 * The sequence counter resumes at max(manifest lastSeq, every replayed seq).
 */
import { ErrorCode, FlowError, ioError, isFlowError } from './base/errors.ts';
import { LOCK, parseFileName, tableFileName, walFileName } from './base/file-names.ts';
import { type ManifestState, emptyManifestState, readCurrent, replayManifest } from './manifest/manifest.ts';
import { Memtable } from './memtable/memtable.ts';
import type { ResolvedOptions } from './options.ts';
import { BlockCache } from './sstable/block-cache.ts';
import { TableFiles } from './sstable/table-files.ts';
import { Table } from './sstable/reader.ts';
import { VersionSet, missingTable } from './version-set.ts';
import { type FS, type FileLock, joinPath, mkdirDurable } from './vfs/fs.ts';
import { type ReadWalResult, WalWriter, readWal } from './wal/wal.ts';

export interface Recovered {
  cache: BlockCache;
  files: TableFiles;
  versions: VersionSet;
  lock: FileLock;
  wal: WalWriter;
  memtable: Memtable;
  lastSeq: number;
}

export async function recover(dir: string, opts: ResolvedOptions): Promise<Recovered> {
  const fs = opts.fs;
  let st;
  try {
    st = await fs.stat(dir);
  } catch (e) {
    throw ioError(`stat ${dir}`, e);
  }
  if (st === undefined) {
    if (!opts.createIfMissing) throw new FlowError(ErrorCode.NOT_OPEN, `${dir} does not exist and createIfMissing is false`);
    await mkdirDurable(fs, dir).catch((e: unknown) => { throw ioError(`mkdir ${dir}`, e); });
  } else if (!st.isDirectory) {
    throw new FlowError(ErrorCode.INVALID_ARGUMENT, `${dir} is not a directory`);
  }
  let lock: FileLock;
  try {
    lock = await fs.lock(joinPath(dir, LOCK));
  } catch (e) {
    if ((e as { code?: unknown }).code === 'ELOCKED') {
      throw new FlowError(ErrorCode.LOCKED, `${dir} is in use by another engine (lock file ${LOCK})`, { cause: e });
    }
    throw ioError('lock', e);
  }
  const tables: Table[] = [];
  try {
    return await recoverLocked(dir, opts, lock, tables);
  } catch (e) {
    for (const t of tables) await t.close().catch(() => undefined);
    await lock.release().catch(() => undefined);
    throw isFlowError(e) ? e : ioError('open', e);
  }
}

async function recoverLocked(dir: string, opts: ResolvedOptions, lock: FileLock, tables: Table[]): Promise<Recovered> {
  const fs = opts.fs;
  const current = await readCurrent(fs, dir);
  const state: ManifestState = current === undefined ? emptyManifestState() : await replayManifest(fs, dir, current);
  const names = await fs.list(dir);
  let maxNum = 0;
  const wals: number[] = [];
  for (const name of names) {
    const p = parseFileName(name);
    if (p === undefined) continue;
    if (p.num > maxNum) maxNum = p.num;
    if (p.kind === 'wal' && p.num >= state.logNumber) wals.push(p.num);
  }
  wals.sort((a, b) => a - b);
  state.nextFileNum = Math.max(state.nextFileNum, maxNum + 1);

  const cache = new BlockCache(opts.blockCacheBytes);
  const files = new TableFiles(fs, opts.maxOpenFiles);
  for (const rec of state.tables.values()) {
    const path = joinPath(dir, tableFileName(rec.fileNum));
    if ((await fs.stat(path)) === undefined) throw missingTable(rec.fileNum);
    tables.push(await Table.open(fs, path, rec.fileNum, cache, files));
  }

  const walNum = state.nextFileNum++;
  // WAL files that replay nothing (no batch, nothing salvaged away) are removed below: without
  // this, every open of an idle database would leave one more empty WAL behind.
  const emptyWals = new Set<number>();
  let firstLogNum = walNum;
  const replayed: ReadWalResult[] = [];
  for (let i = 0; i < wals.length; i++) {
    const num = wals[i] as number;
    const res = await readWal(fs, joinPath(dir, walFileName(num)), { isLastFile: i === wals.length - 1, salvage: opts.walSalvage });
    if (res.batches.length === 0 && res.dropped === 0) emptyWals.add(num);
    else if (firstLogNum === walNum) firstLogNum = num;
    replayed.push(res);
  }
  const mt = new Memtable(firstLogNum);
  let lastSeq = state.lastSeq;
  for (const res of replayed) {
    for (const b of res.batches) {
      for (let j = 0; j < b.entries.length; j++) {
        const e = b.entries[j]!;
        e.seq = b.firstSeq + j;
        mt.add(e);
        if (e.seq > lastSeq) lastSeq = e.seq;
      }
    }
  }
  state.lastSeq = lastSeq;
  state.logNumber = mt.firstLogNum;

  const versions = await VersionSet.create(fs, dir, state, tables, current);
  const wal = await WalWriter.create(fs, joinPath(dir, walFileName(walNum)), walNum);
  await fs.syncDir(dir);

  // Orphans: tables from an unfinished flush, temp files, obsolete WAL files, and every
  // manifest listed before the fresh one was written (the old CURRENT's, one whose removal
  // a crash undid, or one written before a crash stopped the switch of CURRENT to it).
  const live = new Set(state.tables.keys());
  for (const name of names) {
    const p = parseFileName(name);
    const orphan =
      p !== undefined &&
      ((p.kind === 'table' && !live.has(p.num)) || p.kind === 'temp' || p.kind === 'manifest' ||
        (p.kind === 'wal' && (p.num < state.logNumber || emptyWals.has(p.num))));
    if (orphan) await fs.remove(joinPath(dir, name)).catch(() => undefined);
  }
  return { cache, files, versions, lock, wal, memtable: mt, lastSeq };
}
