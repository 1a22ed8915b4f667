/** StatsService handlers. */
import type { ServiceImpl } from '@connectrpc/connect';
import type { MessageInitShape } from '@bufbuild/protobuf';
import type { EngineStats } from '@flowdb/engine';
import { StatsService, EngineStatsSchema } from './gen/flowdb/v1/stats_service_pb.ts';
import { big, type Deps } from './deps.ts';
import { fromPlain } from './plain.ts';
import { invalid, shuttingDown } from './errors.ts';

export function toStats(s: EngineStats): MessageInitShape<typeof EngineStatsSchema> {
  const { lastFlushAt, lastCompactionAt, lastGcAt, backgroundError, ...rest } = s;
  return fromPlain(EngineStatsSchema, {
    ...rest,
    lastFlushAtUs: lastFlushAt ?? 0,
    lastCompactionAtUs: lastCompactionAt ?? 0,
    lastGcAtUs: lastGcAt ?? 0,
    backgroundError: backgroundError ?? '',
  });
}

export function statsService(d: Deps): ServiceImpl<typeof StatsService> {
  return {
    getStats() {
      return { stats: toStats(d.engine.stats()) };
    },
    async *watchStats(req, ctx) {
      const ms = req.intervalMs === 0 ? 1000 : req.intervalMs;
      if (ms < 100 || ms > 3_600_000) throw invalid('interval_ms', 'interval_ms must be 100..3600000 (or 0)');
      const signal = AbortSignal.any([ctx.signal, d.drain.signal]);
      for (;;) {
        if (d.draining) throw shuttingDown();
        ctx.signal.throwIfAborted();
        yield { stats: toStats(d.engine.stats()), timeUs: big(d.nowMicros()) };
        await sleep(ms, signal);
      }
    },
  };
}

export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const t = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
