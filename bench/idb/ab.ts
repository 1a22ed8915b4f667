/**
 * In-process A/B of @flowdb/idb CPU per op: an older idb/src tree ("base") against this one
 * ("new"), and fake-indexeddb, in one process, alternating per round (order reversed every
 * other round), warm after the first rounds. On a shared machine this resolves 10–20% changes
 * that separate runs of run.ts or profile.ts (cold JIT, load swings) do not.
 *   git archive <commit> idb | tar -x -C /tmp/idb-base
 *   mkdir -p /tmp/idb-base/node_modules/@flowdb && ln -s "$PWD/engine" /tmp/idb-base/node_modules/@flowdb/engine
 *   node bench/idb/ab.ts --base /tmp/idb-base [--rounds 9] [--systems base,new,fake] [--n 20000] [--base-engine]
 * Systems over the engine are durable (sync always, walSyncedOnWrite, durability strict).
 * --base-engine: system base runs over the engine in <base>/engine/src too (git archive <commit>
 * idb engine | tar -x -C <base>), so engine changes count; without it both use this tree's engine.
 * Prints the median and every round's process CPU µs/op per phase.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openEngine } from '@flowdb/engine';
import { IDBFactory } from 'fake-indexeddb';
import type { FactoryLike } from '@flowdb/idb/testing';
import { cursorWalk, indexLookups, openBenchDb, pointReads, randomIds, writeBatches } from './workload.ts';

const { values: args } = parseArgs({
  options: {
    base: { type: 'string' },
    rounds: { type: 'string', default: '9' },
    systems: { type: 'string', default: 'base,new,fake' },
    n: { type: 'string', default: '20000' },
    'base-engine': { type: 'boolean', default: false },
  },
});
type OpenEngine = typeof openEngine;
const baseOpenEngine: OpenEngine = args['base-engine']
  ? ((await import(join(args.base ?? '.', 'engine/src/index.ts'))) as { openEngine: OpenEngine }).openEngine
  : openEngine;
type CreateFactory = (o: { kv: unknown; walSyncedOnWrite?: boolean }) => unknown;
const factories: Record<string, CreateFactory> = {};
const systems = args.systems.split(',');
for (const s of systems) {
  if (s === 'new') factories[s] = ((await import('@flowdb/idb')) as { createIDBFactory: CreateFactory }).createIDBFactory;
  else if (s === 'base') {
    if (args.base === undefined) throw new Error('--base <dir holding idb/src> is required for system base');
    factories[s] = ((await import(join(args.base, 'idb/src/index.ts'))) as { createIDBFactory: CreateFactory }).createIDBFactory;
  } else if (s !== 'fake') throw new Error(`unknown system ${s}`);
}

const N = Number(args.n);
const ids = randomIds(N, N, 7);
const PHASES = ['batch', 'get-100', 'get-1', 'index', 'cursor'] as const;
const cpu = new Map<string, number[]>();
async function measure(key: string, ops: number, fn: () => Promise<unknown>): Promise<void> {
  const c0 = process.cpuUsage();
  await fn();
  const c = process.cpuUsage(c0);
  cpu.set(key, [...(cpu.get(key) ?? []), (c.user + c.system) / ops]);
}

for (let r = 0; r < Number(args.rounds); r++) {
  for (const s of r % 2 === 0 ? systems : [...systems].reverse()) {
    const dir = mkdtempSync(join(tmpdir(), 'idb-ab-'));
    const engine = await (s === 'base' ? baseOpenEngine : openEngine)(dir, { sync: { mode: 'always' } });
    const create = factories[s];
    const idb = (create === undefined ? new IDBFactory() : create({ kv: engine, walSyncedOnWrite: true })) as FactoryLike;
    const durability = s === 'fake' ? 'default' : 'strict';
    try {
      const db = await openBenchDb(idb);
      await measure(`batch ${s}`, N, () => writeBatches(db, durability, 0, N, 100, 1e9));
      await measure(`get-100 ${s}`, ids.length, () => pointReads(db, ids, 100));
      const few = ids.slice(0, Math.min(5000, ids.length));
      await measure(`get-1 ${s}`, few.length, () => pointReads(db, few, 1));
      await measure(`index ${s}`, ids.length, () => indexLookups(db, ids, 100));
      await measure(`cursor ${s}`, N, () => cursorWalk(db));
      db.close();
    } finally {
      await engine.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1] as number;
for (const p of PHASES) {
  const cells = systems.map((s) => {
    const xs = cpu.get(`${p} ${s}`) ?? [];
    return `${s} ${median(xs).toFixed(1).padStart(5)} [${xs.map((x) => x.toFixed(0)).join(' ')}]`;
  });
  console.log(`${p.padEnd(8)} ${cells.join('   ')}`);
}
