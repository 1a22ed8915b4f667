/**
 * Opens a stopped server's data directory with @flowdb/engine in this process: verify() must
 * find no damaged table, and a full scan must match the oracle.
 */
import { openEngine } from '@flowdb/engine';
import { type CheckReport, type Oracle, utf8 } from './oracle.ts';

export interface EngineCheck extends CheckReport {
  tables: number;
  tablesPerLevel: number[];
  /** Wall time of the check. */
  ms: number;
}

export async function engineCheck(dir: string, oracle: Oracle, memtableBytes: number, what: string): Promise<EngineCheck> {
  const started = performance.now();
  const db = await openEngine(dir, { sync: { mode: 'always' }, memtableBytes });
  try {
    const damaged = (await db.verify()).filter((t) => t.problems.length > 0);
    if (damaged.length > 0) throw new Error(`${what}: verify found damaged tables: ${JSON.stringify(damaged)}`);
    const check = oracle.checker(undefined, what);
    for await (const r of db.scan({ prefix: utf8('r/') })) check.add(r);
    const s = db.stats();
    if (s.lastSeq < oracle.maxAckedSeq) throw new Error(`${what}: lastSeq ${s.lastSeq} < acknowledged seq ${oracle.maxAckedSeq}`);
    const rep = check.finish();
    return { ...rep, tables: s.sstableCount, tablesPerLevel: s.tablesPerLevel, ms: performance.now() - started };
  } finally {
    await db.close();
  }
}
