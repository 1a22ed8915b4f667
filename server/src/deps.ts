/** What every service handler needs: the engine, limits, the write path, lifecycle. */
import { Code } from '@connectrpc/connect';
import type { BatchOp, KV } from '@flowdb/engine';
import type { Config } from './config.ts';
import type { Logger } from './log.ts';
import { ChangeFeed } from './changes.ts';
import { KeyLocks } from './locks.ts';
import { Durability } from './gen/flowdb/v1/types_pb.ts';
import { invalid, overloaded, rpcError, shuttingDown } from './errors.ts';

export interface Header {
  seq: number;
  firstSeq: number;
  durability: Durability;
}

export class Deps {
  readonly engine: KV;
  readonly config: Config;
  readonly log: Logger;
  readonly changes: ChangeFeed;
  readonly locks = new KeyLocks();
  /** Aborted when the server starts draining: streams end, new calls are refused. */
  readonly drain = new AbortController();
  #inFlightBytes = 0;
  #lastTs = 0;

  constructor(engine: KV, config: Config, log: Logger) {
    this.engine = engine;
    this.config = config;
    this.log = log;
    this.changes = new ChangeFeed(engine.stats().lastSeq, config.changeRetention);
  }

  get draining(): boolean {
    return this.drain.signal.aborted;
  }

  /** Server clock, µs since the epoch, strictly increasing within this process. */
  nowMicros(): number {
    const now = Math.floor((performance.timeOrigin + performance.now()) * 1000);
    this.#lastTs = now > this.#lastTs ? now : this.#lastTs + 1;
    return this.#lastTs;
  }

  checkKey(key: Uint8Array, field: string): void {
    if (key.length === 0) throw invalid(field, `${field} must not be empty`, 'ERROR_REASON_EMPTY_KEY');
    if (key.length > this.config.maxKeyBytes) {
      throw rpcError(Code.ResourceExhausted, 'ERROR_REASON_KEY_TOO_LARGE', `${field} is ${key.length} bytes, max ${this.config.maxKeyBytes}`, {
        field, metadata: { limit: String(this.config.maxKeyBytes) },
      });
    }
  }

  checkValue(value: Uint8Array, field: string): void {
    if (value.length > this.config.maxValueBytes) {
      throw rpcError(Code.ResourceExhausted, 'ERROR_REASON_VALUE_TOO_LARGE', `${field} is ${value.length} bytes, max ${this.config.maxValueBytes}`, {
        field, metadata: { limit: String(this.config.maxValueBytes) },
      });
    }
  }

  checkTs(ts: number, field: string): void {
    if (!Number.isSafeInteger(ts)) throw invalid(field, `${field} must be a safe integer (|ts| <= 2^53-1)`);
  }

  checkCount(n: number, limit: number, field: string): void {
    if (n > limit) {
      throw rpcError(Code.ResourceExhausted, 'ERROR_REASON_TOO_MANY_ITEMS', `${field} has ${n} items, max ${limit}`, {
        field, metadata: { limit: String(limit) },
      });
    }
  }

  /**
   * The single write path: refuses when draining or overloaded, writes,
   * syncs when asked, records the changes, and reports the durability reached.
   */
  async commit(ops: BatchOp[], durability: Durability, signal?: AbortSignal): Promise<Header> {
    if (this.draining) throw shuttingDown();
    signal?.throwIfAborted();
    let bytes = 0;
    for (const op of ops) bytes += op.type === 'put' ? op.key.length + op.value.length + 32 : op.type === 'del' ? op.key.length + 16 : op.start.length + op.end.length + 16;
    if (this.#inFlightBytes > 0 && this.#inFlightBytes + bytes > this.config.maxInFlightBytes) {
      throw overloaded(`${this.#inFlightBytes} write bytes in flight, max ${this.config.maxInFlightBytes}`, 50);
    }
    this.#inFlightBytes += bytes;
    try {
      const r = await this.engine.write(ops);
      let synced = this.config.sync.mode === 'always';
      if (!synced && durability === Durability.SYNCED) {
        await this.engine.syncWal();
        synced = true;
      }
      this.changes.recordOps(r.firstSeq, ops);
      return { seq: r.seq, firstSeq: r.firstSeq, durability: synced ? Durability.SYNCED : Durability.BUFFERED };
    } finally {
      this.#inFlightBytes -= bytes;
    }
  }
}

export const EMPTY = new Uint8Array(0);

/** A proto int64 as a safe JS number (INVALID_ARGUMENT naming the field otherwise). */
export function num(v: bigint, field: string): number {
  const n = Number(v);
  if (!Number.isSafeInteger(n)) throw invalid(field, `${field} must be a safe integer (|v| <= 2^53-1)`);
  return n;
}
export const big = (n: number): bigint => BigInt(Math.trunc(n));
