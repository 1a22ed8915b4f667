/** EventsService handlers: pipeline Watch and the WatchChanges change feed. */
import { Code, type ServiceImpl } from '@connectrpc/connect';
import type { MessageInitShape } from '@bufbuild/protobuf';
import type { EngineEvents } from '@flowdb/engine';
import { prefixSuccessor } from '@flowdb/engine';
import {
  BatchCommittedSchema, ChangeType, CompactionSchema, EventsService, EventType, FlushFinishedSchema, FlushStartedSchema,
  MemtableFrozenSchema, WalTruncatedSchema, WriteStallBeganSchema, type WatchResponseSchema,
} from './gen/flowdb/v1/events_service_pb.ts';
import { big, num, type Deps } from './deps.ts';
import { fromPlain } from './plain.ts';
import type { ChangeEntry } from './changes.ts';
import { invalid, rpcError, shuttingDown } from './errors.ts';

type WatchResponseInit = MessageInitShape<typeof WatchResponseSchema>;
const MAX_QUEUED = 4096;
const CHANGES_PER_RESPONSE = 256;

type Listener = { name: string; fn: (...a: never[]) => void };

function eventFor(name: string, e: Record<string, unknown>): WatchResponseInit | undefined {
  switch (name) {
    case 'batchCommitted':
      return { type: EventType.BATCH_COMMITTED, event: { case: 'batchCommitted', value: fromPlain(BatchCommittedSchema, e) } };
    case 'memtableFrozen':
      return { type: EventType.MEMTABLE_FROZEN, event: { case: 'memtableFrozen', value: fromPlain(MemtableFrozenSchema, e) } };
    case 'flushStarted':
      return { type: EventType.FLUSH_STARTED, event: { case: 'flushStarted', value: fromPlain(FlushStartedSchema, e) } };
    case 'flushFinished':
      return { type: EventType.FLUSH_FINISHED, event: { case: 'flushFinished', value: fromPlain(FlushFinishedSchema, e) } };
    case 'walTruncated':
      return { type: EventType.WAL_TRUNCATED, event: { case: 'walTruncated', value: fromPlain(WalTruncatedSchema, e) } };
    case 'writeStallBegan':
      return { type: EventType.WRITE_STALL_BEGAN, event: { case: 'writeStallBegan', value: fromPlain(WriteStallBeganSchema, e) } };
    case 'writeStallEnded':
      return { type: EventType.WRITE_STALL_ENDED, event: { case: 'writeStallEnded', value: e } };
    case 'compactionStarted':
    case 'compactionFinished':
      return {
        type: name === 'compactionStarted' ? EventType.COMPACTION_STARTED : EventType.COMPACTION_FINISHED,
        event: {
          case: 'compaction',
          value: fromPlain(CompactionSchema, { ...e, inputFileNums: e['inputs'] ?? [], outputFileNums: e['outputs'] ?? [] }),
        },
      };
    case 'backgroundError': {
      const err = e['error'] as { message?: string; code?: unknown } | undefined;
      return {
        type: EventType.BACKGROUND_ERROR,
        event: { case: 'backgroundError', value: { message: String(err?.message ?? ''), code: typeof err?.code === 'string' ? err.code : '' } },
      };
    }
    default:
      return undefined;
  }
}

const EVENT_NAMES: (keyof EngineEvents | 'compactionStarted' | 'compactionFinished')[] = [
  'batchCommitted', 'memtableFrozen', 'flushStarted', 'flushFinished', 'walTruncated', 'writeStallBegan', 'writeStallEnded',
  'backgroundError', 'compactionStarted', 'compactionFinished',
];

function matchesPrefix(c: ChangeEntry, prefix: Uint8Array, prefixEnd: Uint8Array | undefined): boolean {
  if (prefix.length === 0) return true;
  if (c.kind !== 'delRange') return Buffer.compare(c.key.subarray(0, prefix.length), prefix) === 0;
  // [key, rangeEnd) intersects [prefix, prefixEnd)
  const endOk = Buffer.compare(c.rangeEnd as Uint8Array, prefix) > 0;
  const startOk = prefixEnd === undefined || Buffer.compare(c.key, prefixEnd) < 0;
  return endOk && startOk;
}

export function eventsService(d: Deps): ServiceImpl<typeof EventsService> {
  return {
    async *watch(req, ctx) {
      if (d.draining) throw shuttingDown();
      const want = new Set(req.types.filter((t) => t !== EventType.UNSPECIFIED));
      const queue: WatchResponseInit[] = [];
      let dropped = 0;
      let wake: (() => void) | undefined;
      const emitter = d.engine.events as unknown as { on(n: string, f: (e: Record<string, unknown>) => void): void; off(n: string, f: (e: Record<string, unknown>) => void): void };
      const listeners: Listener[] = EVENT_NAMES.map((name) => {
        const fn = (e: Record<string, unknown>) => {
          const ev = eventFor(name, e);
          if (ev === undefined || (want.size > 0 && !want.has(ev.type as EventType))) return;
          ev.timeUs = big(d.nowMicros());
          if (queue.length >= MAX_QUEUED) {
            queue.shift();
            dropped++;
          }
          queue.push(ev);
          const w = wake;
          wake = undefined;
          w?.();
        };
        emitter.on(name, fn);
        return { name, fn: fn as (...a: never[]) => void };
      });
      const stop = AbortSignal.any([ctx.signal, d.drain.signal]);
      const onStop = () => {
        const w = wake;
        wake = undefined;
        w?.();
      };
      stop.addEventListener('abort', onStop, { once: true });
      try {
        for (;;) {
          const ev = queue.shift();
          if (ev !== undefined) {
            if (dropped > 0) {
              ev.dropped = big(dropped);
              dropped = 0;
            }
            yield ev;
            continue;
          }
          if (d.draining) throw shuttingDown();
          if (ctx.signal.aborted) return;
          await new Promise<void>((r) => (wake = r));
        }
      } finally {
        stop.removeEventListener('abort', onStop);
        for (const l of listeners) emitter.off(l.name, l.fn as never);
      }
    },

    async *watchChanges(req, ctx) {
      if (d.draining) throw shuttingDown();
      const interval = req.progressIntervalMs === 0 ? 5000 : req.progressIntervalMs;
      if (interval < 100 || interval > 600_000) throw invalid('progress_interval_ms', 'progress_interval_ms must be 100..600000 (or 0)');
      const startSeq = num(req.startSeq, 'start_seq');
      if (startSeq < 0) throw invalid('start_seq', 'start_seq must be >= 0');
      const feed = d.changes;
      let cursor = startSeq === 0 ? feed.lastSeq + 1 : startSeq;
      const prefixEnd = req.prefix.length > 0 ? prefixSuccessor(req.prefix) : undefined;
      const stop = AbortSignal.any([ctx.signal, d.drain.signal]);
      let lastSent = Date.now();
      for (;;) {
        if (cursor < feed.floor) {
          throw rpcError(Code.OutOfRange, 'ERROR_REASON_SEQ_COMPACTED', `seq ${cursor} is no longer retained; the oldest resumable seq is ${feed.floor}`, {
            metadata: { oldest_seq: String(feed.floor), requested_seq: String(cursor) },
          });
        }
        const batch = feed.readFrom(cursor, CHANGES_PER_RESPONSE);
        if (batch.length > 0) {
          const matching = batch.filter((c) => matchesPrefix(c, req.prefix, prefixEnd));
          cursor = (batch[batch.length - 1] as ChangeEntry).seq + 1;
          if (matching.length > 0) {
            yield {
              seq: big(cursor - 1),
              changes: matching.map((c) => ({
                type: c.kind === 'put' ? ChangeType.PUT : c.kind === 'del' ? ChangeType.DELETE : ChangeType.DELETE_RANGE,
                seq: big(c.seq),
                key: c.key,
                ...(c.ts === undefined ? {} : { ts: big(c.ts) }),
                value: req.keysOnly ? new Uint8Array(0) : c.value,
                expireAtUs: big(c.expireAt >= Number.MAX_SAFE_INTEGER ? 0 : c.expireAt),
                ...(c.rangeEnd === undefined ? {} : { rangeEnd: c.rangeEnd }),
              })),
            };
            lastSent = Date.now();
          }
          continue;
        }
        if (d.draining) throw shuttingDown();
        if (ctx.signal.aborted) return;
        const idle = Date.now() - lastSent;
        if (idle >= interval) {
          yield { progress: true, seq: big(Math.max(cursor - 1, feed.lastSeq)) };
          cursor = Math.max(cursor, feed.lastSeq + 1);
          lastSent = Date.now();
          continue;
        }
        await feed.wait(stop, interval - idle);
      }
    },
  };
}
