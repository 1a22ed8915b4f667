/** Validation of write ops and their conversion to entries (seq assigned at commit). */
import type { BatchOp } from './api.ts';
import { type Entry, Kind, MAX_KEY_BYTES, MAX_VALUE_BYTES, NO_EXPIRY, compareBytes, keySuccessor } from './base/entry.ts';
import { ErrorCode, FlowError } from './base/errors.ts';

const EMPTY = new Uint8Array(0);

function invalid(msg: string): FlowError {
  return new FlowError(ErrorCode.INVALID_ARGUMENT, msg);
}

function checkKey(key: unknown, what: string): Uint8Array {
  if (!(key instanceof Uint8Array)) throw invalid(`${what} must be a Uint8Array`);
  if (key.length > MAX_KEY_BYTES) throw invalid(`${what} is ${key.length} bytes; the limit is ${MAX_KEY_BYTES}`);
  return key;
}

function checkTs(ts: unknown, what: string): number {
  if (typeof ts !== 'number' || !Number.isSafeInteger(ts)) throw invalid(`${what} must be a safe integer (µs), got ${String(ts)}`);
  return ts;
}

export interface TtlContext {
  now: number;
  defaultTtlMicros: number | undefined;
}

function expiry(op: { expireAt?: number; ttlMicros?: number }, ctx: TtlContext): number {
  if (op.expireAt !== undefined) return checkTs(op.expireAt, 'expireAt');
  const ttl = op.ttlMicros ?? ctx.defaultTtlMicros;
  if (ttl === undefined) return NO_EXPIRY;
  if (!Number.isSafeInteger(ttl) || ttl <= 0) throw invalid(`ttlMicros must be a positive integer, got ${ttl}`);
  return Math.min(NO_EXPIRY, ctx.now + ttl);
}

/** Converts ops to entries (seq 0); empty ranges are dropped. Throws INVALID_ARGUMENT; never truncates. */
export function toEntries(ops: readonly BatchOp[], ctx: TtlContext): Entry[] {
  if (!Array.isArray(ops)) throw invalid('a batch must be an array of ops');
  const out: Entry[] = [];
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i] as BatchOp;
    switch (op?.type) {
      case 'put': {
        const key = checkKey(op.key, 'key');
        if (!(op.value instanceof Uint8Array)) throw invalid('value must be a Uint8Array');
        if (op.value.length > MAX_VALUE_BYTES) throw invalid(`value is ${op.value.length} bytes; the limit is ${MAX_VALUE_BYTES}`);
        const ts = op.ts === undefined ? ctx.now : checkTs(op.ts, 'ts');
        out.push({ key, ts, seq: 0, kind: Kind.PUT, expireAt: expiry(op, ctx), value: op.value });
        break;
      }
      case 'del': {
        const key = checkKey(op.key, 'key');
        if (op.ts === undefined) {
          out.push({ key, ts: 0, seq: 0, kind: Kind.RANGE_DELETE, expireAt: NO_EXPIRY, value: keySuccessor(key) });
        } else {
          out.push({ key, ts: checkTs(op.ts, 'ts'), seq: 0, kind: Kind.DELETE, expireAt: NO_EXPIRY, value: EMPTY });
        }
        break;
      }
      case 'delRange': {
        const start = checkKey(op.start, 'start');
        const end = checkKey(op.end, 'end');
        const c = compareBytes(start, end);
        if (c > 0) throw invalid('deleteRange: start is after end');
        // An empty range deletes nothing.
        if (c < 0) out.push({ key: start, ts: 0, seq: 0, kind: Kind.RANGE_DELETE, expireAt: NO_EXPIRY, value: end });
        break;
      }
      default:
        throw invalid(`unknown op type at index ${i}`);
    }
  }
  return out;
}
