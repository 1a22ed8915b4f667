/** Options: defaults and validation for open(). Bad options throw RangeError/TypeError. */
import type { Clock, Compression, OpenOptions, SyncMode } from './api.ts';
import type { FS } from './vfs/fs.ts';

export interface ResolvedOptions {
  fs: FS;
  sync: SyncMode;
  memtableBytes: number;
  maxFrozenMemtables: number;
  blockBytes: number;
  bloomBitsPerKey: number;
  compression: Compression;
  defaultTtlMicros: number | undefined;
  blockCacheBytes: number;
  maxOpenFiles: number;
  createIfMissing: boolean;
  walSalvage: boolean;
  clock: Clock;
  levelBaseBytes: number;
  targetFileBytes: number;
  autoCompaction: boolean;
  l0SlowdownTables: number;
  l0StopTables: number;
  workerThreads: boolean;
}

export const systemClock: Clock = { nowMicros: () => Date.now() * 1000 };

function intIn(name: string, v: number | undefined, def: number, min: number, max: number): number {
  if (v === undefined) return def;
  if (!Number.isSafeInteger(v) || v < min || v > max) {
    throw new RangeError(`option ${name} must be an integer in [${min}, ${max}], got ${v}`);
  }
  return v;
}

export function resolveOptions(o: OpenOptions, defaultFs: () => FS): ResolvedOptions {
  const sync = o.sync ?? { mode: 'always' };
  if (sync.mode === 'interval') intIn('sync.intervalMs', sync.intervalMs, 0, 1, 3_600_000);
  else if (sync.mode !== 'always' && sync.mode !== 'none') throw new RangeError(`unknown sync mode`);
  const compression = o.compression ?? 'none';
  if (compression !== 'none' && compression !== 'zstd') throw new RangeError(`unknown compression ${String(compression)}`);
  let ttl: number | undefined;
  if (o.defaultTtlMicros !== undefined) ttl = intIn('defaultTtlMicros', o.defaultTtlMicros, 0, 1, Number.MAX_SAFE_INTEGER);
  return {
    fs: o.fs ?? defaultFs(),
    sync,
    memtableBytes: intIn('memtableBytes', o.memtableBytes, 16 << 20, 1024, 2 ** 31),
    maxFrozenMemtables: intIn('maxFrozenMemtables', o.maxFrozenMemtables, 2, 1, 64),
    blockBytes: intIn('blockBytes', o.blockBytes, 4096, 64, 1 << 20),
    bloomBitsPerKey: intIn('bloomBitsPerKey', o.bloomBitsPerKey, 10, 0, 64),
    compression,
    defaultTtlMicros: ttl,
    blockCacheBytes: intIn('blockCacheBytes', o.blockCacheBytes, 32 << 20, 0, 2 ** 40),
    maxOpenFiles: intIn('maxOpenFiles', o.maxOpenFiles, 1000, 16, 1_000_000),
    createIfMissing: o.createIfMissing ?? true,
    walSalvage: o.walSalvage ?? false,
    clock: o.clock ?? systemClock,
    levelBaseBytes: intIn('levelBaseBytes', o.levelBaseBytes, 64 << 20, 1024, 2 ** 40),
    targetFileBytes: intIn('targetFileBytes', o.targetFileBytes, 32 << 20, 256, 2 ** 34),
    autoCompaction: o.autoCompaction ?? true,
    l0SlowdownTables: intIn('l0SlowdownTables', o.l0SlowdownTables, 12, 2, 1000),
    l0StopTables: intIn('l0StopTables', o.l0StopTables, 20, 2, 1000),
    workerThreads: o.workerThreads ?? true,
  };
}
