/**
 * Engine: the LSM database handle (see docs/design.md).
 *
 * Write path: write() validates and queues a batch; one commit loop (the group leader)
 * takes every queued batch, assigns contiguous seqs, appends one WAL buffer, fsyncs once
 * (sync=always), applies to the active memtable and resolves every writer. A full memtable
 * is frozen behind a new WAL file and flushed to an SSTable in the background; writers
 * stall (never fail) while maxFrozenMemtables are waiting.
 * Read path: memtables and tables are merged by read.ts at a sequence number.
 * Failures: a failed WAL append is rolled back (truncate) and the group rejected; a failed
 * fsync or manifest write makes the engine read-only (writes fail with READ_ONLY).
 */
import { EventEmitter } from 'node:events';
import type {
  BatchOp, CompactRange, EngineEvents, EngineStats, FirstOptions, GetOptions, KV, OpenOptions, Record, ScanOptions, Snapshot, TableProblem, WriteResult,
} from './api.ts';
import { Compactor } from './compaction/compactor.ts';
import { CompactionAborted } from './compaction/merge.ts';
import { toEntries } from './batch.ts';
import { type Entry, Kind, NO_EXPIRY, type RangeTombstone, compareBytes, keySuccessor, prefixSuccessor } from './base/entry.ts';
import { ErrorCode, FlowError, ioError, isFlowError } from './base/errors.ts';
import { LOCK, parseFileName, tableFileName, walFileName } from './base/file-names.ts';
import { LatencyHistogram } from './base/histogram.ts';
import { Mutex } from './base/mutex.ts';
import { Memtable } from './memtable/memtable.ts';
import { ArenaPool } from './memtable/skiplist.ts';
import { type ResolvedOptions, resolveOptions } from './options.ts';
import {
  type Bounds, type RunSource, collectTombstones, coveredBy, firstVisible, inBounds, isLive, memtableSource, mergeRuns,
  resolveVisible,
} from './read.ts';
import { BlockCache } from './sstable/block-cache.ts';
import type { TableFiles } from './sstable/table-files.ts';
import { Table } from './sstable/reader.ts';
import { WORKER_MIN_BYTES, flushPool, writeMemtable } from './flush/build.ts';
import { type FS, type FileLock, joinPath } from './vfs/fs.ts';
import { NodeFS } from './vfs/node-fs.ts';
import { WalWriter, encodeBatch } from './wal/wal.ts';
import { type Recovered, recover } from './recovery.ts';
import { VersionSet } from './version-set.ts';

interface PendingWrite {
  entries: Entry[];
  bytes: number;
  startedAt: number;
  resolve: (r: WriteResult) => void;
  reject: (e: unknown) => void;
}

const MAX_GROUP_BYTES = 8 << 20;
const FLUSH_RETRY_LIMIT = 5;

/** Opens (creating or recovering) the database in `dir`. */
export async function openEngine(dir: string, options: OpenOptions = {}): Promise<Engine> {
  const opts = resolveOptions(options, () => new NodeFS());
  const rec = await recover(dir, opts);
  return new Engine(dir, opts, rec);
}

export class Engine implements KV {
  readonly events = new EventEmitter<EngineEvents>();
  readonly dir: string;
  readonly #opts: ResolvedOptions;
  readonly #fs: FS;
  readonly #cache: BlockCache;
  readonly #files: TableFiles;
  readonly #versions: VersionSet;
  readonly #lock: FileLock;
  readonly #walMutex = new Mutex();
  #wal: WalWriter;
  #walDirty = false;
  #active: Memtable;
  /** Frozen memtables, newest first. */
  #frozen: Memtable[] = [];
  /** Buffers of flushed memtables, reused by the next active one. */
  readonly #arenas = new ArenaPool(1);
  #lastSeq: number;
  #queue: PendingWrite[] = [];
  #committing = false;
  #commitIdle: (() => void)[] = [];
  #flushing: Promise<void> | undefined;
  #flushWaiters: { resolve: () => void; reject: (e: unknown) => void }[] = [];
  #flushFailures = 0;
  #bgError: FlowError | undefined;
  #state: 'open' | 'closing' | 'closed' = 'open';
  #closePromise: Promise<void> | undefined;
  #syncTimer: NodeJS.Timeout | undefined;
  #snapshots = new Map<number, number>();
  #stallStartedAt: number | undefined;
  readonly #startedAt: number;
  readonly #s = {
    recordsWritten: 0, bytesWritten: 0, recordsRead: 0, recordsExpired: 0, flushes: 0, batches: 0, syncs: 0,
    stalls: 0, stallMicros: 0, lastFlushAt: undefined as number | undefined, compressionRatio: 0,
  };
  readonly #writeLat = new LatencyHistogram();
  readonly #getLat = new LatencyHistogram();
  readonly #flushLat = new LatencyHistogram();
  readonly #compactor: Compactor;

  /** Use openEngine(). */
  constructor(dir: string, opts: ResolvedOptions, rec: Recovered) {
    this.dir = dir;
    this.#opts = opts;
    this.#fs = opts.fs;
    this.#cache = rec.cache;
    this.#files = rec.files;
    this.#versions = rec.versions;
    this.#lock = rec.lock;
    this.#wal = rec.wal;
    this.#active = rec.memtable;
    this.#lastSeq = rec.lastSeq;
    this.#startedAt = opts.clock.nowMicros();
    if (opts.sync.mode === 'interval') {
      this.#syncTimer = setInterval(() => void this.#intervalSync(), opts.sync.intervalMs);
      this.#syncTimer.unref();
    }
    this.#compactor = new Compactor({
      dir, opts, cache: this.#cache, files: this.#files, versions: this.#versions,
      events: this.events,
      snapshots: () => [...this.#snapshots.keys()].sort((a, b) => a - b),
      lastSeq: () => this.#lastSeq,
      isOpen: () => this.#state === 'open' && this.#bgError === undefined,
      setReadOnly: (e) => this.#setBgError(e),
    });
    if (opts.workerThreads && opts.memtableBytes >= WORKER_MIN_BYTES) flushPool.warm();
    if (this.#active.bytes >= opts.memtableBytes) void this.flush().catch(() => undefined);
    if (opts.autoCompaction) this.#compactor.schedule();
  }

  // ---- lifecycle -------------------------------------------------------------------------

  #checkOpen(): void {
    if (this.#state !== 'open') throw new FlowError(ErrorCode.CLOSED, 'the engine is closed');
  }

  #checkWritable(): void {
    this.#checkOpen();
    if (this.#bgError !== undefined) {
      throw new FlowError(ErrorCode.READ_ONLY, `the engine is read-only after an error: ${this.#bgError.message}`, { cause: this.#bgError });
    }
  }

  #setBgError(err: unknown): void {
    if (this.#bgError !== undefined) return;
    this.#bgError = ioError('background', err);
    this.events.emit('backgroundError', { error: this.#bgError });
    for (const w of this.#flushWaiters.splice(0)) w.reject(this.#bgError);
  }

  close(): Promise<void> {
    this.#closePromise ??= this.#close();
    return this.#closePromise;
  }

  async #close(): Promise<void> {
    this.#state = 'closing';
    if (this.#syncTimer !== undefined) clearInterval(this.#syncTimer);
    if (this.#committing) await new Promise<void>((r) => this.#commitIdle.push(r));
    await this.#flushing?.catch(() => undefined);
    await this.#compactor.close();
    let err: unknown;
    await this.#walMutex.run(async () => {
      try {
        if (this.#bgError === undefined && this.#walDirty) await this.#wal.sync();
      } catch (e) {
        err = ioError('close: wal sync', e);
      }
      await this.#wal.close().catch(() => undefined);
    });
    await this.#versions.close();
    await this.#lock.release().catch(() => undefined);
    this.#state = 'closed';
    if (err !== undefined) throw err;
  }

  // ---- writes ----------------------------------------------------------------------------

  write(ops: BatchOp[]): Promise<WriteResult> {
    try {
      this.#checkWritable();
      const now = this.#opts.clock.nowMicros();
      const entries = toEntries(ops, { now, defaultTtlMicros: this.#opts.defaultTtlMicros });
      if (entries.length === 0) return Promise.resolve({ seq: this.#lastSeq, firstSeq: this.#lastSeq + 1 });
      let bytes = 0;
      for (const e of entries) bytes += e.key.length + e.value.length;
      return new Promise<WriteResult>((resolve, reject) => {
        this.#queue.push({ entries, bytes, startedAt: performance.now(), resolve, reject });
        if (!this.#committing) void this.#commitLoop();
      });
    } catch (e) {
      return Promise.reject(e);
    }
  }

  deleteRange(start: Uint8Array, end: Uint8Array): Promise<WriteResult> {
    return this.write([{ type: 'delRange', start, end }]);
  }

  async #commitLoop(): Promise<void> {
    this.#committing = true;
    try {
      while (this.#queue.length > 0) {
        try {
          if (this.#bgError !== undefined) throw this.#bgError;
          await this.#makeRoomForWrite();
        } catch (e) {
          const err = isFlowError(e) ? e : ioError('make room for write', e);
          for (const w of this.#queue.splice(0)) w.reject(err);
          break;
        }
        let n = 0;
        let bytes = 0;
        while (n < this.#queue.length && (n === 0 || bytes < MAX_GROUP_BYTES)) bytes += (this.#queue[n++] as PendingWrite).bytes;
        await this.#walMutex.run(() => this.#commitGroup(this.#queue.splice(0, n)));
      }
    } finally {
      this.#committing = false;
      for (const r of this.#commitIdle.splice(0)) r();
    }
  }

  async #commitGroup(group: PendingWrite[]): Promise<void> {
    const firstSeq = this.#lastSeq + 1;
    let seq = firstSeq;
    const frames: Uint8Array[] = [];
    let records = 0;
    let bytes = 0;
    for (const w of group) {
      const start = seq;
      for (const e of w.entries) e.seq = seq++;
      frames.push(encodeBatch(start, w.entries));
      records += w.entries.length;
      bytes += w.bytes;
    }
    const buf = frames.length === 1 ? (frames[0] as Uint8Array) : Buffer.concat(frames);
    const sizeBefore = this.#wal.size();
    try {
      await this.#wal.append(buf);
    } catch (e) {
      const err = ioError('wal append', e);
      await this.#rollbackWal(sizeBefore);
      for (const w of group) w.reject(err);
      return;
    }
    this.#walDirty = true;
    const synced = this.#opts.sync.mode === 'always';
    if (synced) {
      try {
        await this.#syncLocked();
      } catch (err) {
        for (const w of group) w.reject(err);
        return;
      }
    }
    const mt = this.#active;
    for (const w of group) for (const e of w.entries) mt.add(e);
    this.#lastSeq = seq - 1;
    this.#s.recordsWritten += records;
    this.#s.bytesWritten += bytes;
    this.#s.batches += group.length;
    const now = performance.now();
    let s = firstSeq;
    for (const w of group) {
      const first = s;
      s += w.entries.length;
      this.#writeLat.record((now - w.startedAt) * 1000);
      w.resolve({ firstSeq: first, seq: s - 1 });
    }
    if (this.events.listenerCount('batchCommitted') > 0) {
      this.events.emit('batchCommitted', { firstSeq, lastSeq: this.#lastSeq, records, bytes: buf.length, synced, groupSize: group.length });
    }
  }

  /** Restores the WAL to `size` after a failed append; read-only when that fails too. */
  async #rollbackWal(size: number): Promise<void> {
    try {
      await this.#wal.rollbackTo(size);
    } catch (e) {
      this.#setBgError(ioError('wal rollback', e));
    }
  }

  async #makeRoomForWrite(): Promise<void> {
    for (;;) {
      if (this.#bgError !== undefined) throw this.#bgError;
      if (this.#compactor.l0Count() >= this.#opts.l0StopTables) {
        await this.#compactor.stallUntilBelow(this.#opts.l0StopTables, this.#frozen.length);
        if (this.#state !== 'open') throw new FlowError(ErrorCode.CLOSED, 'the engine is closing');
        continue;
      }
      if (this.#active.bytes < this.#opts.memtableBytes || this.#active.isEmpty()) {
        if (this.#compactor.l0Count() >= this.#opts.l0SlowdownTables) await this.#compactor.slowdown();
        return;
      }
      if (this.#frozen.length >= this.#opts.maxFrozenMemtables) {
        await this.#stall();
        continue;
      }
      await this.#walMutex.run(() => this.#rotate());
    }
  }

  async #stall(): Promise<void> {
    const began = performance.now();
    this.#s.stalls++;
    this.events.emit('writeStallBegan', { frozenMemtables: this.#frozen.length });
    try {
      await this.#waitForFlush();
    } finally {
      const ms = performance.now() - began;
      this.#s.stallMicros += ms * 1000;
      this.events.emit('writeStallEnded', { durationMs: ms });
    }
  }

  /** Freezes the active memtable behind a new WAL file. Caller holds #walMutex. */
  async #rotate(): Promise<void> {
    if (this.#active.isEmpty()) return;
    const num = this.#versions.newFileNum();
    const path = joinPath(this.dir, walFileName(num));
    const next = await WalWriter.create(this.#fs, path, num);
    try {
      await this.#fs.syncDir(this.dir);
      // In every mode: syncWal() after this covers only the new WAL.
      if (this.#walDirty) await this.#wal.sync();
    } catch (e) {
      await next.close().catch(() => undefined);
      await this.#fs.remove(path).catch(() => undefined);
      throw ioError('wal rotate', e);
    }
    await this.#wal.close().catch(() => undefined);
    this.#wal = next;
    this.#walDirty = false;
    const frozen = this.#active;
    this.#frozen.unshift(frozen);
    this.#active = new Memtable(num, this.#arenas);
    this.events.emit('memtableFrozen', { records: frozen.records, bytes: frozen.bytes, walFileNum: num });
    this.#scheduleFlush();
  }

  async #intervalSync(): Promise<void> {
    if (!this.#walDirty || this.#bgError !== undefined || this.#state !== 'open') return;
    await this.#walMutex.run(async () => {
      if (this.#walDirty) await this.#syncLocked().catch(() => undefined);
    });
  }

  async syncWal(): Promise<void> {
    this.#checkOpen();
    await this.#walMutex.run(() => this.#syncLocked());
  }

  /**
   * fsyncs the WAL. Caller holds #walMutex. NB: after a failed fsync the page cache state is
   * unknown and a retry could falsely succeed, so a failure makes the engine read-only.
   */
  async #syncLocked(): Promise<void> {
    try {
      await this.#wal.sync();
      this.#walDirty = false;
      this.#s.syncs++;
    } catch (e) {
      const err = ioError('wal sync', e);
      this.#setBgError(err);
      throw err;
    }
  }

  // ---- flush -----------------------------------------------------------------------------

  /** Freezes the active memtable and waits until every frozen memtable is in an SSTable. */
  async flush(): Promise<void> {
    this.#checkWritable();
    await this.#walMutex.run(() => this.#rotate());
    if (this.#frozen.length > 0) await this.#waitForFlush(true);
  }

  #waitForFlush(all = false): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (this.#bgError !== undefined) return reject(this.#bgError);
      const w = {
        resolve: () => {
          if (all && this.#frozen.length > 0) this.#flushWaiters.push(w);
          else resolve();
        },
        reject,
      };
      this.#flushWaiters.push(w);
      this.#scheduleFlush();
    });
  }

  #scheduleFlush(): void {
    if (this.#flushing !== undefined || this.#frozen.length === 0) return;
    this.#flushing = this.#flushLoop().finally(() => {
      this.#flushing = undefined;
    });
  }

  async #flushLoop(): Promise<void> {
    while (this.#frozen.length > 0 && this.#bgError === undefined) {
      try {
        await this.#flushOne(this.#frozen[this.#frozen.length - 1] as Memtable);
        this.#flushFailures = 0;
      } catch (e) {
        const err = ioError('flush', e);
        this.events.emit('backgroundError', { error: err });
        if (++this.#flushFailures >= FLUSH_RETRY_LIMIT || isFlowError(err, ErrorCode.READ_ONLY)) {
          this.#setBgError(err);
          return;
        }
        for (const w of this.#flushWaiters.splice(0)) w.reject(err);
        await new Promise((r) => setTimeout(r, 20 * 2 ** this.#flushFailures).unref());
        if (this.#state === 'closed') return;
      }
      for (const w of this.#flushWaiters.splice(0)) w.resolve();
    }
  }

  async #flushOne(mt: Memtable): Promise<void> {
    const started = performance.now();
    const fileNum = this.#versions.newFileNum();
    this.events.emit('flushStarted', { fileNum, records: mt.records, bytes: mt.bytes });
    let table: Table | undefined;
    if (!mt.isEmpty()) {
      const path = joinPath(this.dir, tableFileName(fileNum));
      const wopts = { blockBytes: this.#opts.blockBytes, bloomBitsPerKey: this.#opts.bloomBitsPerKey, compression: this.#opts.compression };
      const meta = await writeMemtable(this.#fs, path, fileNum, wopts, mt, this.#opts.workerThreads);
      try {
        await this.#fs.syncDir(this.dir);
        table = await Table.open(this.#fs, path, fileNum, this.#cache, this.#files);
        this.#s.compressionRatio = meta.rawDataBytes > 0 ? meta.size / meta.rawDataBytes : 0;
      } catch (e) {
        await table?.close().catch(() => undefined);
        await this.#fs.remove(path).catch(() => undefined);
        throw e;
      }
    }
    const older = this.#frozen.indexOf(mt);
    const next = older > 0 ? (this.#frozen[older - 1] as Memtable) : this.#active;
    const logNumber = next.firstLogNum;
    try {
      await this.#versions.apply({ add: table === undefined ? [] : [table], remove: [], logNumber, lastSeq: this.#lastSeq });
    } catch (e) {
      await table?.close().catch(() => undefined);
      throw new FlowError(ErrorCode.READ_ONLY, `manifest write failed: ${(e as Error).message}`, { cause: e });
    }
    this.#frozen.splice(this.#frozen.indexOf(mt), 1);
    const removed = await this.#versions.removeObsoleteWals(logNumber);
    if (removed.length > 0) this.events.emit('walTruncated', { removedFileNums: removed });
    const ms = performance.now() - started;
    this.#flushLat.record(ms * 1000);
    this.#compactor.flushed(table?.meta.size ?? 0);
    this.#s.flushes++;
    this.#s.lastFlushAt = this.#opts.clock.nowMicros();
    this.events.emit('flushFinished', {
      fileNum, records: mt.records, bytes: table?.meta.size ?? 0, durationMs: ms,
      minTs: Number.isFinite(mt.minTs) ? mt.minTs : 0, maxTs: Number.isFinite(mt.maxTs) ? mt.maxTs : 0,
    });
    mt.retire(this.#arenas);
  }

  // ---- reads -----------------------------------------------------------------------------

  snapshot(): Snapshot {
    this.#checkOpen();
    const seq = this.#lastSeq;
    this.#snapshots.set(seq, (this.#snapshots.get(seq) ?? 0) + 1);
    let released = false;
    return {
      seq,
      release: () => {
        if (released) return;
        released = true;
        const n = (this.#snapshots.get(seq) ?? 1) - 1;
        if (n <= 0) this.#snapshots.delete(seq);
        else this.#snapshots.set(seq, n);
      },
    };
  }

  #readSeq(snap: Snapshot | undefined): number {
    return snap === undefined ? this.#lastSeq : snap.seq;
  }

  async get(key: Uint8Array, opts: GetOptions = {}): Promise<Record | undefined> {
    this.#checkOpen();
    if (!(key instanceof Uint8Array)) throw new FlowError(ErrorCode.INVALID_ARGUMENT, 'key must be a Uint8Array');
    const started = performance.now();
    let rec: Record | undefined;
    if (opts.ts === undefined) {
      const readSeq = this.#readSeq(opts.snapshot);
      const tables = this.#versions.tables();
      this.#compactor.acquire(tables);
      let hit: Entry | undefined | null;
      try {
        hit = await this.#getLatestIn(key, readSeq, tables);
      } finally {
        this.#compactor.release(tables);
      }
      if (hit === null) {
        // The newest version is not live: let the merge path find an older ts.
        rec = await this.first({ gte: key, lte: key, reverse: true, ...(opts.snapshot ? { snapshot: opts.snapshot } : {}) });
      } else if (hit !== undefined) {
        this.#s.recordsRead++;
        rec = toRecord(hit, false);
      }
    } else {
      if (!Number.isSafeInteger(opts.ts)) throw new FlowError(ErrorCode.INVALID_ARGUMENT, `ts must be a safe integer, got ${opts.ts}`);
      rec = await this.#getExact(key, opts.ts, this.#readSeq(opts.snapshot));
      if (rec !== undefined) this.#s.recordsRead++;
    }
    this.#getLat.record((performance.now() - started) * 1000);
    return rec;
  }

  /**
   * Get-latest without the merge path: every source's newest visible version at its highest
   * ts; the overall highest ts wins (then the highest seq). Returns null when that version is
   * not live (deleted, expired, covered): older ts must then be searched by a scan.
   */
  async #getLatestIn(key: Uint8Array, readSeq: number, tables: readonly Table[]): Promise<Entry | undefined | null> {
    const mems = [this.#active, ...this.#frozen];
    let best: Entry | undefined;
    const better = (e: Entry | undefined): void => {
      if (e !== undefined && (best === undefined || e.ts > best.ts || (e.ts === best.ts && e.seq > best.seq))) best = e;
    };
    for (const mt of mems) if (mt.minSeq <= readSeq) better(mt.latest(key, readSeq));
    for (const t of tables) {
      const m = t.meta;
      if (m.minSeq > readSeq || m.puts + m.deletes === 0) continue;
      if (compareBytes(key, m.smallestKey) < 0 || compareBytes(key, m.largestKey) > 0) continue;
      if (best !== undefined && m.maxTs < (best as Entry).ts) continue;
      better(await t.latest(key, readSeq));
    }
    const found = best as Entry | undefined;
    if (found === undefined) return undefined;
    const lists: (readonly RangeTombstone[])[] = [];
    for (const mt of mems) if (mt.maxSeq > found.seq) lists.push(mt.rangeTombstones);
    for (const t of tables) if (t.meta.maxSeq > found.seq && t.rangeTombstones.length > 0) lists.push(t.rangeTombstones);
    const b: Bounds = { lower: key, upper: keySuccessor(key), tsFrom: Number.MIN_SAFE_INTEGER, tsTo: Number.MAX_SAFE_INTEGER };
    const tombs = lists.length === 0 ? [] : collectTombstones(lists, b, readSeq);
    return isLive(found, tombs, this.#opts.clock.nowMicros()) ? found : null;
  }

  async #getExact(key: Uint8Array, ts: number, readSeq: number): Promise<Record | undefined> {
    const tables = this.#versions.tables();
    this.#compactor.acquire(tables);
    try {
      return await this.#getExactIn(key, ts, readSeq, tables);
    } finally {
      this.#compactor.release(tables);
    }
  }

  async #getExactIn(key: Uint8Array, ts: number, readSeq: number, tables: readonly Table[]): Promise<Record | undefined> {
    const mems = [this.#active, ...this.#frozen];
    let best: Entry | undefined;
    for (const mt of mems) {
      const e = mt.get(key, ts, readSeq);
      if (e !== undefined) {
        best = e;
        break;
      }
    }
    if (best === undefined) {
      this.#compactor.exactGets++;
      for (const t of tables) {
        const m = t.meta;
        if (ts < m.minTs || ts > m.maxTs) continue;
        if (compareBytes(key, m.smallestKey) < 0 || compareBytes(key, m.largestKey) > 0) continue;
        this.#compactor.tablesProbed++;
        if (!t.mayContain(key)) continue;
        const e = await t.get(key, ts, readSeq);
        if (e !== undefined && (best === undefined || e.seq > best.seq)) best = e;
      }
    }
    if (best === undefined) return undefined;
    const seq = best.seq;
    const lists: (readonly RangeTombstone[])[] = [];
    for (const mt of mems) if (mt.maxSeq > seq) lists.push(mt.rangeTombstones);
    for (const t of tables) if (t.meta.maxSeq > seq && t.rangeTombstones.length > 0) lists.push(t.rangeTombstones);
    const b: Bounds = { lower: key, upper: keySuccessor(key), tsFrom: ts, tsTo: ts };
    const tombs = collectTombstones(lists, b, readSeq);
    const now = this.#opts.clock.nowMicros();
    if (!isLive(best, tombs, now)) {
      if (best.kind === Kind.PUT && best.expireAt <= now && !coveredBy(tombs, key, seq)) this.#s.recordsExpired++;
      return undefined;
    }
    return toRecord(best, false);
  }

  getMany(keys: Uint8Array[], opts: GetOptions = {}): Promise<(Record | undefined)[]> {
    return Promise.all(keys.map((k) => this.get(k, opts)));
  }

  async count(opts: ScanOptions = {}): Promise<number> {
    let n = 0;
    for await (const _ of this.scan({ ...opts, keysOnly: true })) n++;
    return n;
  }

  scan(opts: ScanOptions = {}): AsyncIterableIterator<Record> {
    this.#checkOpen();
    const b = scanBounds(opts);
    const readSeq = this.#readSeq(opts.snapshot);
    const reverse = opts.reverse === true;
    const { mems, tables } = this.#pin();
    return this.#holding(mems, tables, this.#scan(b, readSeq, reverse, mems, tables, opts.limit, opts.keysOnly === true));
  }

  /** The memtables and tables a read sees now, kept alive (files, arenas) until #unpin. */
  #pin(): { mems: Memtable[]; tables: readonly Table[] } {
    const mems = [this.#active, ...this.#frozen];
    const tables = this.#versions.tables();
    this.#compactor.acquire(tables);
    for (const mt of mems) mt.retain();
    return { mems, tables };
  }

  #unpin(mems: Memtable[], tables: readonly Table[]): void {
    this.#compactor.release(tables);
    for (const mt of mems) mt.release();
  }

  /** Keeps `tables` and `mems` pinned until the scan finishes or is closed. */
  async *#holding(mems: Memtable[], tables: readonly Table[], it: AsyncGenerator<Record>): AsyncGenerator<Record> {
    try {
      yield* it;
    } finally {
      this.#unpin(mems, tables);
    }
  }

  // ---- compaction ----------------------------------------------------------------------------

  /** Manual compaction of keys [start, end) down to the bottom level (flushes first). */
  async compact(range: CompactRange = {}): Promise<void> {
    this.#checkWritable();
    await this.flush();
    try {
      await this.#compactor.compactRange(range.start, range.end);
    } catch (e) {
      // Callers get FlowErrors only: a failed table write/sync surfaces as IO_ERROR/NO_SPACE.
      if (e instanceof CompactionAborted) throw new FlowError(ErrorCode.CLOSED, 'the engine closed during compaction', { cause: e });
      throw ioError('compaction', e);
    }
  }

  /** Resolves when background compaction has nothing left to do (tests, benchmarks). */
  async compactionIdle(): Promise<void> {
    await this.#compactor.idle();
  }

  /** Checks every live table's checksums, order and properties; lists damaged files. */
  async verify(): Promise<TableProblem[]> {
    this.#checkOpen();
    return this.#compactor.verify();
  }

  async *#scan(
    b: Bounds | undefined, readSeq: number, reverse: boolean, mems: Memtable[], tables: readonly Table[],
    limit: number | undefined, keysOnly: boolean,
  ): AsyncGenerator<Record> {
    if (b === undefined || limit === 0) return;
    const { sources, tombs } = this.#sources(b, readSeq, reverse, mems, tables, undefined);
    const now = this.#opts.clock.nowMicros();
    let n = 0;
    for await (const e of resolveVisible(mergeRuns(sources, reverse), readSeq, tombs, now)) {
      this.#s.recordsRead++;
      yield toRecord(e, keysOnly);
      if (limit !== undefined && ++n >= limit) return;
    }
  }

  /**
   * The read sources of a scan over `b` at readSeq (memtables, then tables that may hold keys in
   * range) and the range tombstones that can hide them. `firstRun` sizes the memtables' first run.
   */
  #sources(
    b: Bounds, readSeq: number, reverse: boolean, mems: readonly Memtable[], tables: readonly Table[], firstRun: number | undefined,
  ): { sources: RunSource[]; tombs: RangeTombstone[] } {
    // A scan of one key (get latest) can skip tables by their bloom filter.
    const pointKey = b.lower !== undefined && b.upper !== undefined && isSuccessorOf(b.upper, b.lower) ? b.lower : undefined;
    const sources: RunSource[] = [];
    const lists: (readonly RangeTombstone[])[] = [];
    for (const mt of mems) {
      if (mt.minSeq > readSeq) continue;
      sources.push(memtableSource(mt, b, reverse, firstRun));
      lists.push(mt.rangeTombstones);
    }
    for (const t of tables) {
      const m = t.meta;
      if (m.minSeq > readSeq) continue;
      if (b.upper !== undefined && compareBytes(m.smallestKey, b.upper) >= 0) continue;
      if (b.lower !== undefined && compareBytes(m.largestKey, b.lower) < 0) continue;
      lists.push(t.rangeTombstones);
      if (m.puts + m.deletes === 0 || m.maxTs < b.tsFrom || m.minTs > b.tsTo) continue;
      if (pointKey !== undefined && !t.mayContain(pointKey)) continue;
      const it = t.iter({
        ...(b.lower !== undefined ? { lower: b.lower } : {}),
        ...(b.upper !== undefined ? { upper: b.upper } : {}),
        tsFrom: b.tsFrom, tsTo: b.tsTo, reverse,
      });
      sources.push(it);
    }
    return { sources, tombs: collectTombstones(lists, b, readSeq) };
  }

  /**
   * The first record scan(opts) would yield (undefined when none), without the scan's iterator
   * pipeline: what a point lookup in a range or an existence check under a prefix needs.
   * Honours every scan option but `limit` (INVALID_ARGUMENT).
   */
  async first(opts: FirstOptions = {}): Promise<Record | undefined> {
    this.#checkOpen();
    if ((opts as ScanOptions).limit !== undefined) throw new FlowError(ErrorCode.INVALID_ARGUMENT, 'first() takes no limit');
    const b = scanBounds(opts);
    if (b === undefined) return undefined;
    const readSeq = this.#readSeq(opts.snapshot);
    const reverse = opts.reverse === true;
    const { mems, tables } = this.#pin();
    let e: Entry | undefined;
    try {
      const { sources, tombs } = this.#sources(b, readSeq, reverse, mems, tables, 1);
      e = await firstVisible(sources, reverse, readSeq, tombs, this.#opts.clock.nowMicros());
    } finally {
      this.#unpin(mems, tables);
    }
    if (e === undefined) return undefined;
    this.#s.recordsRead++;
    return toRecord(e, opts.keysOnly === true);
  }

  // ---- checkpoint, stats -------------------------------------------------------------------

  /** Writes a consistent, openable copy of the database into `dir` (which must not exist). */
  async checkpoint(dir: string): Promise<void> {
    this.#checkWritable();
    if (await this.#fs.stat(dir)) throw new FlowError(ErrorCode.INVALID_ARGUMENT, `checkpoint target ${dir} already exists`);
    await this.flush();
    await this.#compactor.exclusive(() => this.#versions.checkpoint(dir));
  }

  stats(): EngineStats {
    const mems = [this.#active, ...this.#frozen];
    const tables = this.#versions.tables();
    const now = this.#opts.clock.nowMicros();
    const hits = this.#cache.hits;
    const misses = this.#cache.misses;
    return {
      totalRecordsWritten: this.#s.recordsWritten,
      totalBytesWritten: this.#s.bytesWritten,
      totalRecordsRead: this.#s.recordsRead,
      totalRecordsExpired: this.#s.recordsExpired,
      totalFlushes: this.#s.flushes,
      totalGcRuns: this.#compactor.s.runs,
      totalCompactionRuns: this.#compactor.s.runs,
      recordsPurgedByGc: this.#compactor.s.purged,
      totalBatches: this.#s.batches,
      totalSyncs: this.#s.syncs,
      memtableRecords: mems.reduce((a, m) => a + m.records, 0),
      memtableBytes: mems.reduce((a, m) => a + m.bytes, 0),
      frozenMemtableCount: this.#frozen.length,
      sstableCount: tables.length,
      sstableBytes: tables.reduce((a, t) => a + t.meta.size, 0),
      walBytes: this.#wal.size(),
      walFiles: 1 + this.#frozen.length,
      blockIndexEntries: tables.reduce((a, t) => a + t.blockCount, 0),
      tableMetaBytes: tables.reduce((a, t) => a + t.metaBytes, 0),
      memtablePoolBytes: this.#arenas.bytes,
      blockCacheBytes: this.#cache.bytes(),
      tableFilesOpen: this.#files.open,
      tableFileReopens: this.#files.reopens,
      blockCacheHits: hits,
      blockCacheMisses: misses,
      blockCacheHitRate: hits + misses === 0 ? 0 : hits / (hits + misses),
      compressionRatio: this.#s.compressionRatio,
      lastSeq: this.#lastSeq,
      uptimeSecs: (now - this.#startedAt) / 1e6,
      lastFlushAt: this.#s.lastFlushAt,
      lastCompactionAt: this.#compactor.s.lastAt,
      lastGcAt: this.#compactor.s.lastAt,
      writeLatency: this.#writeLat.summary(),
      getLatency: this.#getLat.summary(),
      flushLatency: this.#flushLat.summary(),
      readOnly: this.#bgError !== undefined,
      backgroundError: this.#bgError?.message,
      ...this.#compactor.stats(this.#s.bytesWritten, this.#s.stalls, this.#s.stallMicros),
    };
  }
}

/** True when `upper` is `lower` + 0x00, the bounds of exactly one key. */
function isSuccessorOf(upper: Uint8Array, lower: Uint8Array): boolean {
  return upper.length === lower.length + 1 && upper[lower.length] === 0 && compareBytes(upper.subarray(0, lower.length), lower) === 0;
}

function toRecord(e: Entry, keysOnly: boolean): Record {
  return {
    key: e.key,
    ts: e.ts,
    value: keysOnly ? new Uint8Array(0) : e.value,
    expireAt: e.expireAt === NO_EXPIRY ? undefined : e.expireAt,
    seq: e.seq,
  };
}

function maxKey(a: Uint8Array | undefined, b: Uint8Array | undefined): Uint8Array | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return compareBytes(a, b) >= 0 ? a : b;
}

function minKey(a: Uint8Array | undefined, b: Uint8Array | undefined): Uint8Array | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return compareBytes(a, b) <= 0 ? a : b;
}

/** Scan options → [lower, upper) key bounds and an inclusive ts range; undefined when empty. */
export function scanBounds(o: ScanOptions): Bounds | undefined {
  const bad = (m: string) => new FlowError(ErrorCode.INVALID_ARGUMENT, m);
  if (o.gt !== undefined && o.gte !== undefined) throw bad('give gt or gte, not both');
  if (o.lt !== undefined && o.lte !== undefined) throw bad('give lt or lte, not both');
  for (const k of ['prefix', 'gt', 'gte', 'lt', 'lte'] as const) {
    const v = o[k];
    if (v !== undefined && !(v instanceof Uint8Array)) throw bad(`${k} must be a Uint8Array`);
  }
  if (o.limit !== undefined && (!Number.isSafeInteger(o.limit) || o.limit < 0)) throw bad('limit must be a non-negative integer');
  const tsFrom = o.tsFrom ?? Number.MIN_SAFE_INTEGER;
  const tsTo = o.tsTo ?? Number.MAX_SAFE_INTEGER;
  if (!Number.isSafeInteger(tsFrom) || !Number.isSafeInteger(tsTo)) throw bad('tsFrom/tsTo must be safe integers');
  let lower = o.gte ?? (o.gt !== undefined ? keySuccessor(o.gt) : undefined);
  let upper = o.lt ?? (o.lte !== undefined ? keySuccessor(o.lte) : undefined);
  if (o.prefix !== undefined) {
    lower = maxKey(lower, o.prefix);
    upper = minKey(upper, prefixSuccessor(o.prefix));
  }
  if (tsFrom > tsTo) return undefined;
  if (lower !== undefined && upper !== undefined && compareBytes(lower, upper) >= 0) return undefined;
  return { lower, upper, tsFrom, tsTo };
}

export { inBounds };
