/**
 * Concurrent write load through the TS client: put writers, multi-key Batch writers and Ingest
 * streams, every unit registered with the oracle before it is handed to the client. Runs until
 * `stop` aborts (the server is being killed or stopped). A failure before `stopping()` is true is
 * unexpected unless it is backpressure (RESOURCE_EXHAUSTED: the unit must then be absent); after
 * it, the unit's fate is unknown and its code must be in `afterStop` (undefined: any code).
 */
import { Code, connectionReset } from '@flowdb/client';
import { type OwnedClient, codeName, isCode, openClient } from './client.ts';
import { type Kind, type Oracle, keyOf, unitId, valueOf } from './oracle.ts';
import type { Rng } from './util.ts';

export interface LoadOptions {
  baseUrl: string;
  cycle: number;
  oracle: Oracle;
  rng: Rng;
  /** Put/Batch writers and Ingest streams. */
  writers: number;
  ingesters: number;
  stop: AbortSignal;
  /** True from the moment the harness decides to kill or stop the server. */
  stopping: () => boolean;
  afterStop: ReadonlySet<string> | undefined;
}

export interface LoadResult {
  acked: number;
  /** Failure counts by code, split by before / after the stop; `reset:<code>`: a TCP reset under the call. */
  codes: Map<string, number>;
  /** Failures after the stop caused by a TCP reset (the client reports them as UNAVAILABLE). */
  resets: string[];
  /** Unexpected failures (the harness fails on any). */
  unexpected: string[];
}

export async function runLoad(o: LoadOptions): Promise<LoadResult> {
  const res: LoadResult = { acked: 0, codes: new Map(), unexpected: [], resets: [] };
  const clients: OwnedClient[] = [];
  let next = 0;
  /** `definite`: a rejection of this unit alone (unary call), so backpressure means not applied. */
  const failed = (id: string, kind: Kind, e: unknown, definite = true, okBefore = 0): void => {
    const name = codeName(e);
    const after = o.stopping();
    const k = `${after ? 'after' : 'before'}:${name}`;
    res.codes.set(k, (res.codes.get(k) ?? 0) + 1);
    const what = `${kind} ${id}: ${name}: ${(e as Error).message} (after ${okBefore} completed calls on this client)`;
    if (connectionReset(e)) {
      res.codes.set(`reset:${name}`, (res.codes.get(`reset:${name}`) ?? 0) + 1);
      if (after) res.resets.push(what);
    }
    if (!after) {
      if (isCode(e, Code.ResourceExhausted)) {
        if (definite) o.oracle.rejected(id);
      } else {
        res.unexpected.push(what);
      }
    } else if (o.afterStop !== undefined && !o.afterStop.has(name)) {
      res.unexpected.push(`during shutdown: ${what}`);
    }
  };

  const writer = async (w: number): Promise<void> => {
    const c = openClient(o.baseUrl);
    clients.push(c);
    let ok = 0;
    while (!o.stop.aborted) {
      const id = unitId(o.cycle, w, next++);
      const batch = o.rng.int(2) === 0;
      const n = batch ? 2 + o.rng.int(7) : 1;
      o.oracle.sent(o.cycle, id, batch ? 'batch' : 'put', n);
      try {
        const r = batch
          ? await c.db.batch(Array.from({ length: n }, (_, i) => ({ put: { key: keyOf(id, i), value: valueOf(id, i) } })), { timeoutMs: 20_000 })
          : await c.db.put(keyOf(id, 0), valueOf(id, 0), { timeoutMs: 20_000 });
        o.oracle.acked(id, r.firstSeq, r.seq);
        res.acked++;
        ok++;
      } catch (e) {
        failed(id, batch ? 'batch' : 'put', e, true, ok);
        if (o.stopping()) return;
      }
    }
  };

  const ingester = async (w: number): Promise<void> => {
    const c = openClient(o.baseUrl);
    clients.push(c);
    let ok = 0;
    while (!o.stop.aborted) {
      const ids: string[] = [];
      const rng = o.rng;
      const oracle = o.oracle;
      const cycle = o.cycle;
      const stop = o.stop;
      const count = 5 + rng.int(40);
      async function* source() {
        for (let b = 0; b < count && !stop.aborted; b++) {
          const id = unitId(cycle, w, next++);
          const n = 1 + rng.int(12);
          oracle.sent(cycle, id, 'ingest', n);
          ids.push(id);
          yield Array.from({ length: n }, (_, i) => ({ key: keyOf(id, i), value: valueOf(id, i) }));
        }
      }
      const acked = new Set<string>();
      try {
        for await (const ack of c.db.ingest(source(), { maxInFlight: 8 })) {
          const id = ids[ack.batchId - 1];
          if (id === undefined) throw new Error(`ingest ack for unknown batch ${ack.batchId}`);
          oracle.acked(id, ack.firstSeq, ack.seq);
          acked.add(id);
          res.acked++;
          ok++;
        }
      } catch (e) {
        // The stream failed: batches not acknowledged have an unknown fate.
        failed(`stream of ${ids.length} batches (${ids.length - acked.size} unacknowledged)`, 'ingest', e, false, ok);
        if (o.stopping()) return;
      }
    }
  };

  const tasks: Promise<void>[] = [];
  for (let w = 0; w < o.writers; w++) tasks.push(writer(w));
  for (let w = 0; w < o.ingesters; w++) tasks.push(ingester(o.writers + w));
  try {
    await Promise.all(tasks);
  } finally {
    for (const c of clients) c.close();
  }
  return res;
}
