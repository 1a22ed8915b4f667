/**
 * syncWal() after a WAL rotation in sync mode 'none' (or 'interval'): the frozen memtable's
 * records live only in the old WAL until their flush is installed, so syncWal() must make them
 * durable too. Flushes are held back (no table file can be created) so the old WAL is all there is.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openEngine } from '../src/index.ts';
import type { WritableFile } from '../src/vfs/fs.ts';
import { MemFS } from '../src/vfs/index.ts';

/** MemFS whose table creations wait for `open()`. */
class HeldTablesFS extends MemFS {
  #release: (() => void) | undefined;
  #held = new Promise<void>((r) => { this.#release = r; });
  open(): void { this.#release?.(); }
  override async create(path: string): Promise<WritableFile> {
    if (path.endsWith('.sst')) await this.#held;
    return super.create(path);
  }
}

for (const mode of ['none', 'interval'] as const) {
  test(`sync ${mode}: syncWal() after a rotation covers the frozen memtable's WAL`, async () => {
    const fs = new HeldTablesFS();
    const sync = mode === 'none' ? { mode } : { mode, intervalMs: 3_600_000 };
    const db = await openEngine('/db', { fs, sync, memtableBytes: 64 << 10, workerThreads: false, autoCompaction: false });
    let frozen = 0;
    db.events.on('memtableFrozen', () => frozen++);
    const keys: string[] = [];
    // Until one memtable froze, then a few more into the new one (a second freeze would stall:
    // its flush is held back).
    for (let i = 0, after = 0; frozen === 0 || after++ < 3; i++) {
      const key = `k${String(i).padStart(4, '0')}`;
      await db.write([{ type: 'put', key: Buffer.from(key), value: Buffer.alloc(1000, i) }]);
      keys.push(key);
    }
    await db.syncWal();
    const after = fs.crashClone();
    fs.open();
    await db.close();
    const re = await openEngine('/db', { fs: after, workerThreads: false });
    try {
      const missing = [];
      for (const k of keys) if ((await re.get(Buffer.from(k))) === undefined) missing.push(k);
      assert.deepEqual(missing, [], `${missing.length} of ${keys.length} synced records lost`);
    } finally {
      await re.close();
    }
  });
}
