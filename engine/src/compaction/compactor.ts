/**
 * Compactor: runs compactions for one Engine, one at a time (a mutex), in the background after
 * flushes or when asked (compact(), write stalls). The merge's CPU work (decode, merge, encode)
 * runs in an engine worker thread (run.ts; in-thread, time-sliced, with workerThreads: false or
 * when no worker can start); every file operation stays on this thread, on the FS seam.
 * Installation order (crash safe):
 *   outputs written + synced, directory synced → ONE manifest edit {add outputs at their level,
 *   remove inputs} → input files deleted once no reader holds them (acquire/release ref counts).
 * A crash before the edit leaves orphan outputs, after it orphan inputs; recovery deletes both.
 * A failed manifest write turns the engine read-only (as for flushes).
 */
import type { EventEmitter } from 'node:events';
import type { CompactionEvent, EngineEvents, TableProblem } from '../api.ts';
import { ErrorCode, FlowError, ioError, isFlowError } from '../base/errors.ts';
import { tableFileName } from '../base/file-names.ts';
import { Mutex } from '../base/mutex.ts';
import type { ResolvedOptions } from '../options.ts';
import type { BlockCache } from '../sstable/block-cache.ts';
import type { TableFiles } from '../sstable/table-files.ts';
import type { Table } from '../sstable/reader.ts';
import { joinPath } from '../vfs/fs.ts';
import type { VersionSet } from '../version-set.ts';
import {
  NUM_LEVELS, type Plan, type Pointers, groupLevels, levelBytes, manualPlan, pendingBytes, pick, pickExpired,
} from './levels.ts';
import { CompactionAborted } from './merge.ts';
import { runMerge } from './run.ts';

export interface CompactorHost {
  dir: string;
  opts: ResolvedOptions;
  cache: BlockCache;
  files: TableFiles;
  versions: VersionSet;
  events: EventEmitter<EngineEvents>;
  /** Live snapshot seqs, ascending. */
  snapshots(): number[];
  lastSeq(): number;
  isOpen(): boolean;
  setReadOnly(e: unknown): void;
}

const SLOWDOWN_MS = 1;
/** A manual compaction's merges below L0 take inputs of at most this many target files' bytes. */
const MANUAL_MERGE_FILES = 8;

export class Compactor {
  readonly #h: CompactorHost;
  readonly #mutex = new Mutex();
  #loop: Promise<void> | undefined;
  #again = false;
  #closing = false;
  #refs = new Map<Table, number>();
  #obsolete = new Set<Table>();
  #pointers: Pointers = Array.from({ length: NUM_LEVELS }, () => undefined);
  #waiters: (() => void)[] = [];
  exactGets = 0;
  tablesProbed = 0;
  readonly s = {
    runs: 0, bytesIn: 0, bytesOut: 0, micros: 0, flushBytes: 0, purged: 0, lastAt: undefined as number | undefined,
    expiredDropped: 0, moves: 0, stalls: 0, stallMicros: 0,
  };

  constructor(h: CompactorHost) {
    this.#h = h;
  }

  // ---- references ------------------------------------------------------------------------

  acquire(tables: readonly Table[]): void {
    for (const t of tables) this.#refs.set(t, (this.#refs.get(t) ?? 0) + 1);
  }

  release(tables: readonly Table[]): void {
    for (const t of tables) {
      const n = (this.#refs.get(t) ?? 1) - 1;
      if (n > 0) {
        this.#refs.set(t, n);
        continue;
      }
      this.#refs.delete(t);
      if (this.#obsolete.delete(t)) void this.#deleteTable(t);
    }
  }

  async #retire(tables: readonly Table[]): Promise<void> {
    for (const t of tables) {
      if ((this.#refs.get(t) ?? 0) > 0) this.#obsolete.add(t);
      else await this.#deleteTable(t);
    }
  }

  async #deleteTable(t: Table): Promise<void> {
    this.#h.cache.evictFile(t.fileNum);
    await t.close().catch(() => undefined);
    // A failure leaves an orphan that recovery removes.
    await this.#h.opts.fs.remove(joinPath(this.#h.dir, tableFileName(t.fileNum))).catch(() => undefined);
  }

  // ---- levels, stalls ----------------------------------------------------------------------

  levels(): Table[][] {
    const v = this.#h.versions;
    return groupLevels(v.tables(), (t) => v.level(t));
  }

  l0Count(): number {
    const v = this.#h.versions;
    let n = 0;
    for (const t of v.tables()) if (v.level(t) === 0) n++;
    return n;
  }

  flushed(bytes: number): void {
    this.s.flushBytes += bytes;
    if (this.#h.opts.autoCompaction) this.schedule();
  }

  async slowdown(): Promise<void> {
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, SLOWDOWN_MS));
    this.s.stallMicros += (performance.now() - t0) * 1000;
  }

  /** Blocks a writer while L0 holds >= limit tables. */
  async stallUntilBelow(limit: number, frozen: number): Promise<void> {
    const t0 = performance.now();
    this.s.stalls++;
    this.#h.events.emit('writeStallBegan', { frozenMemtables: frozen, l0Tables: this.l0Count() });
    try {
      while (this.l0Count() >= limit && this.#h.isOpen()) {
        const woke = new Promise<void>((r) => this.#waiters.push(r));
        this.schedule();
        await woke;
      }
    } finally {
      const ms = performance.now() - t0;
      this.s.stallMicros += ms * 1000;
      this.#h.events.emit('writeStallEnded', { durationMs: ms });
    }
  }

  #wake(): void {
    for (const w of this.#waiters.splice(0)) w();
  }

  // ---- scheduling --------------------------------------------------------------------------

  /** Runs background compactions until no level needs one (timer-free: after flushes, stalls). */
  schedule(): void {
    if (this.#loop !== undefined) {
      this.#again = true;
      return;
    }
    if (this.#closing || !this.#h.isOpen()) return;
    this.#loop = this.#run().finally(() => {
      this.#loop = undefined;
      this.#wake();
      if (this.#again && !this.#closing) {
        this.#again = false;
        this.schedule();
      }
    });
  }

  async #run(): Promise<void> {
    let failures = 0;
    for (;;) {
      this.#again = false;
      if (this.#closing || !this.#h.isOpen()) return;
      let did: boolean;
      try {
        did = await this.#mutex.run(() => this.#autoOnce());
        failures = 0;
      } catch (e) {
        if (e instanceof CompactionAborted) return;
        this.#h.events.emit('backgroundError', { error: ioError('compaction', e) });
        if (++failures >= 5) return;
        await new Promise((r) => setTimeout(r, 20 * 2 ** failures).unref());
        continue;
      }
      this.#wake();
      if (!did) return;
    }
  }

  async #autoOnce(): Promise<boolean> {
    if (this.#closing || !this.#h.isOpen()) return false;
    const now = this.#h.opts.clock.nowMicros();
    const dead = pickExpired(this.#h.versions.tables(), now);
    if (dead.length > 0) {
      await this.#execute({ kind: 'drop', tables: dead });
      return true;
    }
    const plan = pick(this.levels(), { levelBaseBytes: this.#h.opts.levelBaseBytes, targetFileBytes: this.#h.opts.targetFileBytes, now }, this.#pointers);
    if (plan === undefined) return false;
    await this.#execute(plan);
    return true;
  }

  /** Resolves when no background compaction is running or scheduled. */
  async idle(): Promise<void> {
    while (this.#loop !== undefined) await this.#loop.catch(() => undefined);
  }

  /** Runs `fn` with no compaction in progress. */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    return this.#mutex.run(fn);
  }

  async compactRange(start: Uint8Array | undefined, end: Uint8Array | undefined): Promise<void> {
    await this.#mutex.run(async () => {
      const dead = pickExpired(this.#h.versions.tables(), this.#h.opts.clock.nowMicros());
      if (dead.length > 0) await this.#execute({ kind: 'drop', tables: dead });
      let from = 0;
      for (;;) {
        if (this.#closing) throw new FlowError(ErrorCode.CLOSED, 'the engine is closing');
        const plan = manualPlan(this.levels(), start, end, from, this.#h.opts.clock.nowMicros(), MANUAL_MERGE_FILES * this.#h.opts.targetFileBytes);
        if (plan === undefined || plan.kind !== 'merge') break;
        await this.#execute(plan);
        if (plan.outLevel === plan.level) break;
        // L0 is merged whole; a level below may have in-range tables left for the next bounded merge.
        from = plan.level === 0 ? 1 : plan.level;
      }
    });
    this.#wake();
    if (this.#h.opts.autoCompaction) this.schedule();
  }

  async #execute(plan: Plan): Promise<void> {
    const h = this.#h;
    const started = performance.now();
    const inputs = plan.kind === 'merge' ? plan.inputs : plan.tables;
    const level = plan.kind === 'drop' ? -1 : plan.level;
    const outLevel = plan.kind === 'merge' ? plan.outLevel : plan.kind === 'move' ? plan.level + 1 : -1;
    const bytesIn = plan.kind === 'merge' ? levelBytes(inputs) : 0;
    const base = { level, outputLevel: outLevel, kind: plan.kind, inputs: inputs.map((t) => t.fileNum), bytesIn };
    h.events.emit('compactionStarted', base);
    let outputs: Table[] = [];
    let entriesIn = 0;
    let entriesOut = 0;
    if (plan.kind === 'merge') {
      const snaps = h.snapshots();
      const res = await runMerge({
        fs: h.opts.fs, dir: h.dir, cache: h.cache, files: h.files,
        writer: { blockBytes: h.opts.blockBytes, bloomBitsPerKey: h.opts.bloomBitsPerKey, compression: h.opts.compression },
        targetFileBytes: h.opts.targetFileBytes,
        newFileNum: () => h.versions.newFileNum(),
        snapshots: snaps, now: h.opts.clock.nowMicros(), bottommost: plan.bottommost,
        shouldStop: () => this.#closing, useWorker: h.opts.workerThreads,
      }, inputs);
      outputs = res.outputs;
      entriesIn = res.entriesIn + res.tombstonesIn;
      entriesOut = res.entriesOut + res.tombstonesOut;
    } else if (plan.kind === 'drop') {
      for (const t of inputs) entriesIn += t.meta.entries;
    }
    try {
      if (plan.kind === 'move') await h.versions.apply({ add: inputs, remove: inputs, lastSeq: h.lastSeq(), level: outLevel });
      else await h.versions.apply({ add: outputs, remove: inputs, lastSeq: h.lastSeq(), level: Math.max(outLevel, 0) });
    } catch (e) {
      for (const t of outputs) await t.close().catch(() => undefined);
      const err = new FlowError(ErrorCode.READ_ONLY, `manifest write failed: ${(e as Error).message}`, { cause: e });
      h.setReadOnly(err);
      throw err;
    }
    if (plan.kind !== 'move') await this.#retire(inputs);
    const ms = performance.now() - started;
    const bytesOut = levelBytes(outputs);
    this.s.runs++;
    this.s.micros += Math.round(ms * 1000);
    this.s.bytesIn += bytesIn;
    this.s.bytesOut += bytesOut;
    this.s.purged += Math.max(0, entriesIn - entriesOut);
    this.s.lastAt = h.opts.clock.nowMicros();
    if (plan.kind === 'drop') this.s.expiredDropped += inputs.length;
    if (plan.kind === 'move') this.s.moves++;
    h.events.emit('compactionFinished', {
      ...base, outputs: plan.kind === 'move' ? base.inputs : outputs.map((t) => t.fileNum), bytesOut, durationMs: ms,
    });
  }

  // ---- verify, stats, close ------------------------------------------------------------------

  async verify(): Promise<TableProblem[]> {
    const tables = this.#h.versions.tables();
    this.acquire(tables);
    try {
      const out: TableProblem[] = [];
      for (const t of tables) {
        const file = joinPath(this.#h.dir, tableFileName(t.fileNum));
        let problems: string[];
        try {
          problems = await t.verify();
        } catch (e) {
          problems = [isFlowError(e) ? e.message : String(e)];
        }
        out.push({ file, problems });
      }
      return out;
    } finally {
      this.release(tables);
    }
  }

  stats(userBytes: number, flushStalls: number, flushStallMicros: number) {
    const levels = this.levels();
    const bytesPerLevel = levels.map(levelBytes);
    const total = bytesPerLevel.reduce((a, b) => a + b, 0);
    let last = 0;
    for (let l = 0; l < NUM_LEVELS; l++) if ((bytesPerLevel[l] as number) > 0) last = l;
    return {
      compactionBytesIn: this.s.bytesIn,
      compactionBytesOut: this.s.bytesOut,
      compactionMicros: this.s.micros,
      flushBytes: this.s.flushBytes,
      writeAmplification: userBytes === 0 ? 0 : (this.s.flushBytes + this.s.bytesOut) / userBytes,
      spaceAmplification: total === 0 ? 1 : total / (bytesPerLevel[last] as number),
      readAmplification: this.exactGets === 0 ? 0 : this.tablesProbed / this.exactGets,
      pendingCompactionBytes: pendingBytes(levels, this.#h.opts.levelBaseBytes),
      tablesPerLevel: levels.map((l) => l.length),
      bytesPerLevel,
      expiredTablesDropped: this.s.expiredDropped,
      trivialMoves: this.s.moves,
      writeStalls: flushStalls + this.s.stalls,
      writeStallMicros: Math.round(flushStallMicros + this.s.stallMicros),
    };
  }

  /** Stops background work (an in-flight merge aborts at its next yield) and frees retired tables. */
  async close(): Promise<void> {
    this.#closing = true;
    this.#wake();
    await this.#loop?.catch(() => undefined);
    await this.#mutex.run(async () => undefined);
    for (const t of this.#obsolete) await this.#deleteTable(t);
    this.#obsolete.clear();
  }
}
