/** The systems under test: @flowdb/idb durable (plain and pipelined) and relaxed over a NodeFS engine, and fake-indexeddb. */
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { openEngine } from '@flowdb/engine';
import { IDBFactory } from 'fake-indexeddb';
import type { FactoryLike } from '@flowdb/idb/testing';

export const SYSTEMS = ['flowdb-durable', 'flowdb-pipelined', 'flowdb-relaxed', 'fake-indexeddb'] as const;
export type SystemName = (typeof SYSTEMS)[number];
export type Durability = 'strict' | 'relaxed' | 'default';

export interface System {
  name: SystemName;
  indexedDB: FactoryLike;
  /** Passed to every readwrite transaction. */
  durability: Durability;
  close(): Promise<void>;
}

type CreateFactory = (o: { kv: unknown; walSyncedOnWrite?: boolean; commitPipelining?: boolean }) => unknown;

export const DESCRIPTIONS: Record<SystemName, string> = {
  'flowdb-durable': '@flowdb/idb, NodeFS engine, sync always (walSyncedOnWrite), transactions durability strict: complete after the fsync',
  'flowdb-pipelined': '@flowdb/idb with commitPipelining, NodeFS engine, sync always (walSyncedOnWrite), transactions durability strict: batches queued meanwhile share one write and fsync',
  'flowdb-relaxed': '@flowdb/idb, NodeFS engine, sync none, transactions durability relaxed',
  'fake-indexeddb': 'fake-indexeddb (in memory, no persistence)',
};

export async function openSystem(name: SystemName, tmpRoot: string): Promise<System> {
  if (name === 'fake-indexeddb') {
    return { name, indexedDB: new IDBFactory() as FactoryLike, durability: 'default', close: async () => {} };
  }
  const mod = (await import('@flowdb/idb')) as { createIDBFactory?: CreateFactory };
  if (typeof mod.createIDBFactory !== 'function') throw new Error('@flowdb/idb does not export createIDBFactory yet');
  const dir = mkdtempSync(join(tmpRoot, `idb-bench-${name}-`));
  const durable = name !== 'flowdb-relaxed';
  const engine = await openEngine(dir, { sync: durable ? { mode: 'always' } : { mode: 'none' } });
  const indexedDB = mod.createIDBFactory({ kv: engine, walSyncedOnWrite: durable, commitPipelining: name === 'flowdb-pipelined' }) as FactoryLike;
  return {
    name,
    indexedDB,
    durability: durable ? 'strict' : 'relaxed',
    close: async () => {
      await engine.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
