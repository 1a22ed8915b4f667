/** Checks, through a running server, the units of some cycles and the recovered lastSeq. */
import { openClient } from './client.ts';
import { type CheckReport, type Found, type Oracle, cyclePrefix } from './oracle.ts';

export async function rpcCheck(baseUrl: string, oracle: Oracle, cycles: readonly number[], what: string): Promise<CheckReport> {
  const c = openClient(baseUrl);
  try {
    const found: Found[] = [];
    for (const cycle of cycles) {
      for await (const r of c.db.scanPrefix(cyclePrefix(cycle), { timeoutMs: 60_000 })) found.push({ key: r.key, value: r.value, seq: r.seq });
    }
    const stats = await c.db.getStats({ timeoutMs: 30_000 });
    const lastSeq = Number(stats?.lastSeq ?? 0n);
    if (lastSeq < oracle.maxAckedSeq) throw new Error(`${what}: recovered lastSeq ${lastSeq} < acknowledged seq ${oracle.maxAckedSeq}`);
    return oracle.check(found, cycles, what);
  } finally {
    c.close();
  }
}
