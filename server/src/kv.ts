/** KVService handlers. Contracts: proto/flowdb/v1/kv_service.proto. */
import { Code, ConnectError, type HandlerContext, type ServiceImpl } from '@connectrpc/connect';
import { create, type DescMessage, type MessageInitShape, type MessageShape } from '@bufbuild/protobuf';
import type { BatchOp, PutOp, Record as EngineRecord, ScanOptions } from '@flowdb/engine';
import { prefixSuccessor } from '@flowdb/engine';
import {
  KVService, type BatchGetRequestSchema, type BatchGetResponseSchema, type BatchRequestSchema, type BatchResponseSchema,
  type DeleteRangeRequest, type DeleteRangeRequestSchema, type DeleteRangeResponseSchema, type DeleteRequest, type DeleteRequestSchema,
  type DeleteResponseSchema, type GetRequestSchema, type GetResponseSchema, type IngestRequest, type IngestResponseSchema, type PutRequest,
  type PutRequestSchema, type PutResponseSchema, type ScanRequest, type ScanResponseSchema,
} from './gen/flowdb/v1/kv_service_pb.ts';
import { Durability, RecordSchema } from './gen/flowdb/v1/types_pb.ts';
import { type Deps, EMPTY, big, num } from './deps.ts';
import { invalid, rpcError, toConnectError, shuttingDown } from './errors.ts';
import type { LockRequest } from './locks.ts';
import { decodedOf, type DecodedIngest } from './ingest-decode.ts';

type RecordInit = MessageInitShape<typeof RecordSchema>;
/** The empty Record of ops without prev_kv (one shared message; never mutated). */
const NO_PREV = create(RecordSchema);

// Hot-path guards: field names (strings) are built only when a check fails.
/** Deps.checkKey's rule (1..maxKeyBytes); checkKey builds the error. */
const keyOk = (d: Deps, k: Uint8Array): boolean => k.length > 0 && k.length <= d.config.maxKeyBytes;
/** num() naming `field + suffix` only on failure. */
function numAt(v: bigint, field: string, suffix: string): number {
  const n = Number(v);
  return Number.isSafeInteger(n) ? n : num(v, field + suffix);
}
const NO_EXPIRY = Number.MAX_SAFE_INTEGER;
const SCAN_CHUNK_RECORDS = 256;
const SCAN_CHUNK_BYTES = 1024 * 1024;

export function toRecord(r: EngineRecord, keysOnly = false): RecordInit {
  return {
    key: r.key,
    ts: big(r.ts),
    value: keysOnly ? EMPTY : r.value,
    seq: big(r.seq),
    ...(r.expireAt === undefined || r.expireAt >= NO_EXPIRY ? {} : { expireAtUs: big(r.expireAt) }),
  };
}

function conditionFailed(key: Uint8Array, actual: number, expected: string): ConnectError {
  return rpcError(Code.Aborted, 'ERROR_REASON_CONDITION_FAILED', `condition failed: expected ${expected}, key has version ${actual}`, {
    metadata: { key: Buffer.from(key).toString('base64'), actual_version: String(actual) },
  });
}

interface PreparedWrite {
  op: BatchOp;
  lockKey: Uint8Array | undefined;
  expected: number | undefined;
  prevKv: boolean;
}

function preparePut(d: Deps, r: PutRequest, field: string): PreparedWrite {
  if (!keyOk(d, r.key)) d.checkKey(r.key, `${field}.key`);
  if (r.value.length > d.config.maxValueBytes) d.checkValue(r.value, `${field}.value`);
  const op: PutOp = { type: 'put', key: r.key, value: r.value, ts: r.ts === undefined ? d.nowMicros() : numAt(r.ts, field, '.ts') };
  const ttlMs = numAt(r.ttlMs, field, '.ttl_ms');
  if (ttlMs < 0) throw invalid(`${field}.ttl_ms`, 'ttl_ms must be >= 0');
  const expireAtUs = numAt(r.expireAtUs, field, '.expire_at_us');
  if (expireAtUs !== 0) {
    if (expireAtUs <= d.nowMicros()) throw invalid(`${field}.expire_at_us`, 'expire_at_us is in the past');
    op.expireAt = expireAtUs;
  } else if (ttlMs > 0) {
    op.expireAt = d.nowMicros() + ttlMs * 1000;
    d.checkTs(op.expireAt, `${field}.ttl_ms`);
  }
  let expected: number | undefined = r.expectedVersion === undefined ? undefined : numAt(r.expectedVersion, field, '.expected_version');
  if (r.ifAbsent) {
    if (expected !== undefined && expected !== 0) throw invalid(`${field}.if_absent`, 'if_absent conflicts with a non-zero expected_version');
    expected = 0;
  }
  if (expected !== undefined && expected < 0) throw invalid(`${field}.expected_version`, 'expected_version must be >= 0');
  return { op, lockKey: r.key, expected, prevKv: r.prevKv };
}

function prepareDelete(d: Deps, r: DeleteRequest, field: string): PreparedWrite {
  if (!keyOk(d, r.key)) d.checkKey(r.key, `${field}.key`);
  const ts = r.ts === undefined ? undefined : numAt(r.ts, field, '.ts');
  const expected = r.expectedVersion === undefined ? undefined : numAt(r.expectedVersion, field, '.expected_version');
  if (expected !== undefined && expected <= 0) throw invalid(`${field}.expected_version`, 'expected_version must be > 0 for deletes');
  const op: BatchOp = ts === undefined ? { type: 'del', key: r.key } : { type: 'del', key: r.key, ts };
  return { op, lockKey: r.key, expected, prevKv: r.prevKv };
}

function prepareDeleteRange(d: Deps, r: DeleteRangeRequest, field: string): { start: Uint8Array; end: Uint8Array } {
  if (r.prefix.length > 0) {
    if (r.start.length > 0 || r.end.length > 0) throw invalid(`${field}.prefix`, 'prefix cannot be combined with start/end', 'ERROR_REASON_INVALID_RANGE');
    d.checkKey(r.prefix, `${field}.prefix`);
    const end = prefixSuccessor(r.prefix);
    // A prefix of only 0xff bytes has no successor: bound by the largest key.
    return { start: r.prefix, end: end ?? new Uint8Array(d.config.maxKeyBytes + 1).fill(0xff) };
  }
  if (r.start.length === 0 || r.end.length === 0) throw invalid(`${field}.start`, 'start and end (or prefix) are required', 'ERROR_REASON_INVALID_RANGE');
  if (Buffer.compare(r.start, r.end) >= 0) throw invalid(`${field}.end`, 'end must be greater than start', 'ERROR_REASON_INVALID_RANGE');
  return { start: r.start, end: r.end };
}

/** Checks conditions and collects previous values; caller holds the key locks. */
async function checkConditions(d: Deps, writes: PreparedWrite[]): Promise<(EngineRecord | undefined)[]> {
  return Promise.all(
    writes.map(async (w) => {
      if (w.lockKey === undefined || (w.expected === undefined && !w.prevKv)) return undefined;
      const cur = await d.engine.get(w.lockKey);
      const actual = cur?.seq ?? 0;
      if (w.expected !== undefined && actual !== w.expected) {
        throw conditionFailed(w.lockKey, actual, w.expected === 0 ? 'an absent key' : `version ${w.expected}`);
      }
      return cur;
    }),
  );
}

function header(h: { seq: number; firstSeq: number; durability: Durability }) {
  return { seq: big(h.seq), firstSeq: big(h.firstSeq), durability: h.durability };
}

// Continuation tokens: base64url(JSON [base64 key, ts]).
function encodeToken(r: EngineRecord): string {
  return Buffer.from(JSON.stringify([Buffer.from(r.key).toString('base64'), r.ts])).toString('base64url');
}
function decodeToken(t: string): { key: Uint8Array; ts: number } {
  try {
    const v = JSON.parse(Buffer.from(t, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(v) && v.length === 2 && typeof v[0] === 'string' && Number.isSafeInteger(v[1])) {
      return { key: new Uint8Array(Buffer.from(v[0], 'base64')), ts: v[1] as number };
    }
  } catch {
    // fall through
  }
  throw invalid('continuation_token', 'malformed continuation_token', 'ERROR_REASON_INVALID_TOKEN');
}

function scanOptions(d: Deps, r: ScanRequest): { opts: ScanOptions; after: { key: Uint8Array; ts: number } | undefined } {
  const opts: ScanOptions = { reverse: r.reverse, keysOnly: r.keysOnly || r.countOnly };
  if (r.prefix.length > 0) {
    if (r.start.length > 0 || r.end.length > 0) throw invalid('prefix', 'prefix cannot be combined with start/end', 'ERROR_REASON_INVALID_RANGE');
    opts.gte = r.prefix;
    const end = prefixSuccessor(r.prefix);
    if (end !== undefined) opts.lt = end;
  } else {
    if (r.start.length > 0) opts.gte = r.start;
    if (r.end.length > 0) opts.lt = r.end;
    if (r.start.length > 0 && r.end.length > 0 && Buffer.compare(r.start, r.end) >= 0) {
      throw invalid('end', 'end must be greater than start', 'ERROR_REASON_INVALID_RANGE');
    }
  }
  if (r.tsFrom !== undefined) opts.tsFrom = num(r.tsFrom, 'ts_from');
  if (r.tsTo !== undefined) opts.tsTo = num(r.tsTo, 'ts_to');
  if (opts.tsFrom !== undefined && opts.tsTo !== undefined && opts.tsFrom > opts.tsTo) throw invalid('ts_to', 'ts_to must be >= ts_from', 'ERROR_REASON_INVALID_RANGE');
  if (num(r.limit, 'limit') < 0) throw invalid('limit', 'limit must be >= 0');
  let after: { key: Uint8Array; ts: number } | undefined;
  if (r.continuationToken !== '') {
    after = decodeToken(r.continuationToken);
    if (r.reverse) {
      delete opts.lt;
      opts.lte = after.key;
    } else {
      opts.gte = after.key;
    }
  }
  return { opts, after };
}

/** True when record r is at or before the resume position (already streamed). */
function alreadySeen(r: EngineRecord, after: { key: Uint8Array; ts: number }, reverse: boolean): boolean {
  const c = Buffer.compare(r.key, after.key);
  if (c !== 0) return reverse ? c > 0 : c < 0;
  return reverse ? r.ts >= after.ts : r.ts <= after.ts;
}

type Unary<I extends DescMessage, O extends DescMessage> = (req: MessageShape<I>, signal: AbortSignal) => Promise<MessageInitShape<O>>;

/** The unary KVService handlers, shared by the Connect router and the gRPC fast path. */
export interface KVUnary {
  put: Unary<typeof PutRequestSchema, typeof PutResponseSchema>;
  get: Unary<typeof GetRequestSchema, typeof GetResponseSchema>;
  batchGet: Unary<typeof BatchGetRequestSchema, typeof BatchGetResponseSchema>;
  delete: Unary<typeof DeleteRequestSchema, typeof DeleteResponseSchema>;
  deleteRange: Unary<typeof DeleteRangeRequestSchema, typeof DeleteRangeResponseSchema>;
  batch: Unary<typeof BatchRequestSchema, typeof BatchResponseSchema>;
}

/** Conditional writes (and prev_kv reads) lock their key exclusively; plain writes share it. */
const lockOf = (w: PreparedWrite): LockRequest | undefined =>
  w.lockKey === undefined ? undefined : { key: w.lockKey, exclusive: w.expected !== undefined || w.prevKv };

async function writeOne(d: Deps, w: PreparedWrite, durability: Durability, signal: AbortSignal) {
  const [prev] = w.expected === undefined && !w.prevKv ? [undefined] : await checkConditions(d, [w]);
  const h = await d.commit([w.op], durability, signal);
  return { header: header(h), ...(w.prevKv && prev !== undefined ? { prev: toRecord(prev) } : {}) };
}

export function kvUnary(d: Deps): KVUnary {
  return {
    put(req, signal) {
      const w = preparePut(d, req, 'put');
      return d.locks.with([lockOf(w) as LockRequest], () => writeOne(d, w, req.durability, signal));
    },

    async get(req) {
      d.checkKey(req.key, 'key');
      const r = await d.engine.get(req.key, req.ts === undefined ? {} : { ts: num(req.ts, 'ts') });
      if (r === undefined) return { found: false };
      const ttl = r.expireAt === undefined || r.expireAt >= NO_EXPIRY ? 0 : Math.max(1, Math.ceil((r.expireAt - d.nowMicros()) / 1000));
      return { found: true, record: toRecord(r, req.keysOnly), ttlRemainingMs: big(ttl) };
    },

    async batchGet(req) {
      if (req.keys.length === 0) throw invalid('keys', 'keys must not be empty');
      d.checkCount(req.keys.length, d.config.maxBatchKeys, 'keys');
      const ts = req.ts === undefined ? undefined : num(req.ts, 'ts');
      const errors = req.keys.map((k, i) => {
        try {
          d.checkKey(k, `keys[${i}]`);
          return undefined;
        } catch (e) {
          const ce = e as ConnectError;
          const reason = k.length === 0 ? 'ERROR_REASON_EMPTY_KEY' : 'ERROR_REASON_KEY_TOO_LARGE';
          return { code: ce.code, reason, message: ce.rawMessage };
        }
      });
      const good = req.keys.filter((_, i) => errors[i] === undefined);
      const snap = d.engine.snapshot();
      let got: (EngineRecord | undefined)[];
      try {
        got = good.length === 0 ? [] : await d.engine.getMany(good, ts === undefined ? { snapshot: snap } : { ts, snapshot: snap });
      } finally {
        snap.release();
      }
      let j = 0;
      return {
        results: req.keys.map((key, i) => {
          const err = errors[i];
          if (err !== undefined) return { key, found: false, error: err };
          const r = got[j++];
          return r === undefined ? { key, found: false } : { key, found: true, record: toRecord(r, req.keysOnly) };
        }),
      };
    },

    delete(req, signal) {
      const w = prepareDelete(d, req, 'delete');
      return d.locks.with([lockOf(w) as LockRequest], () => writeOne(d, w, req.durability, signal));
    },

    async deleteRange(req, signal) {
      const { start, end } = prepareDeleteRange(d, req, 'delete_range');
      const deleted = req.returnCount ? await d.engine.count({ gte: start, lt: end }) : 0;
      const h = await d.commit([{ type: 'delRange', start, end }], req.durability, signal);
      return { header: header(h), deleted: big(deleted) };
    },

    batch(req, signal) {
      if (req.ops.length === 0) throw invalid('ops', 'ops must not be empty');
      d.checkCount(req.ops.length, d.config.maxBatchOps, 'ops');
      const writes: PreparedWrite[] = req.ops.map((o, i) => {
        switch (o.op.case) {
          case 'put':
            return preparePut(d, o.op.value, `ops[${i}].put`);
          case 'delete':
            return prepareDelete(d, o.op.value, `ops[${i}].delete`);
          case 'deleteRange': {
            const { start, end } = prepareDeleteRange(d, o.op.value, `ops[${i}].delete_range`);
            return { op: { type: 'delRange', start, end }, lockKey: undefined, expected: undefined, prevKv: false };
          }
          default:
            throw invalid(`ops[${i}]`, `ops[${i}] has no operation`);
        }
      });
      const locks: LockRequest[] = [];
      let conditional = false;
      for (const w of writes) {
        const l = lockOf(w);
        if (l === undefined) continue;
        locks.push(l);
        conditional ||= l.exclusive;
      }
      return d.locks.with(locks, async () => {
        const prevs = conditional ? await checkConditions(d, writes) : undefined;
        const h = await d.commit(writes.map((w) => w.op), req.durability, signal);
        return { header: header(h), prevs: writes.map((w, i) => (w.prevKv && prevs?.[i] !== undefined ? toRecord(prevs[i]) : NO_PREV)) };
      });
    },
  };
}

export function kvService(d: Deps): ServiceImpl<typeof KVService> {
  const u = kvUnary(d);
  return {
    put: (req, ctx) => u.put(req, ctx.signal),
    get: (req, ctx) => u.get(req, ctx.signal),
    batchGet: (req, ctx) => u.batchGet(req, ctx.signal),
    delete: (req, ctx) => u.delete(req, ctx.signal),
    deleteRange: (req, ctx) => u.deleteRange(req, ctx.signal),
    batch: (req, ctx) => u.batch(req, ctx.signal),
    scan: (req, ctx) => scan(d, req, ctx),
    ingest: (reqs, ctx) => {
      ctx.responseHeader.set('flowdb-max-in-flight', String(d.config.maxInFlight));
      return ingest(d, reqs);
    },
  };
}

async function* scan(d: Deps, req: ScanRequest, ctx: HandlerContext): AsyncGenerator<MessageInitShape<typeof ScanResponseSchema>> {
  const { opts, after } = scanOptions(d, req);
  // --max-scan-records: an explicit larger limit is refused; no limit is capped (more=true, page on).
  const cap = req.countOnly ? 0 : d.config.maxScanRecords;
  if (cap > 0 && req.limit > BigInt(cap)) d.checkCount(Number(req.limit), cap, 'limit');
  const limit = req.limit === 0n ? (cap > 0 ? cap : Infinity) : Number(req.limit);
  if (req.countOnly && after === undefined && limit === Infinity) {
    yield { count: big(await d.engine.count(opts)), done: true };
    return;
  }
  let chunk: RecordInit[] = [];
  let chunkBytes = 0;
  let n = 0;
  let last: EngineRecord | undefined;
  let more = false;
  const it = d.engine.scan(opts);
  try {
    for await (const r of it) {
      ctx.signal.throwIfAborted();
      if (d.draining) throw shuttingDown();
      if (after !== undefined && alreadySeen(r, after, req.reverse)) continue;
      if (n >= limit) {
        more = true;
        break;
      }
      n++;
      last = r;
      if (req.countOnly) continue;
      chunk.push(toRecord(r, req.keysOnly));
      chunkBytes += r.key.length + (req.keysOnly ? 0 : r.value.length) + 32;
      if (chunk.length >= SCAN_CHUNK_RECORDS || chunkBytes >= SCAN_CHUNK_BYTES) {
        yield { records: chunk, continuationToken: encodeToken(r) };
        chunk = [];
        chunkBytes = 0;
      }
    }
  } finally {
    await it.return?.();
  }
  yield {
    records: chunk,
    continuationToken: last === undefined ? req.continuationToken : encodeToken(last),
    count: big(n),
    more,
    done: true,
  };
}

/** Validates a fast-path batch in place: resolves ts 0 to now and ttl_ms to expireAt. */
function decodedOps(d: Deps, dec: DecodedIngest, now: number): PutOp[] {
  if (dec.unsafe !== undefined) {
    const f = `points[${dec.unsafe.index}].${dec.unsafe.field}`;
    throw invalid(f, `${f} must be a safe integer (|v| <= 2^53-1)`);
  }
  const { ops, ttlMs } = dec;
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i] as PutOp;
    if (!keyOk(d, op.key)) d.checkKey(op.key, `points[${i}].key`);
    if (op.value.length > d.config.maxValueBytes) d.checkValue(op.value, `points[${i}].value`);
    if (op.ts === 0) op.ts = now;
    const ttl = ttlMs[i] as number;
    if (ttl < 0) throw invalid(`points[${i}].ttl_ms`, 'ttl_ms must be >= 0');
    if (ttl > 0) op.expireAt = now + ttl * 1000;
  }
  return ops;
}

type IngestResponseInit = MessageInitShape<typeof IngestResponseSchema>;

/** The Ingest handler (Connect and the gRPC fast path); the caller sets the flowdb-max-in-flight header. */
export async function* ingest(d: Deps, reqs: AsyncIterable<IngestRequest>): AsyncGenerator<IngestResponseInit> {
  const max = d.config.maxInFlight;
  if (d.draining) throw shuttingDown();
  const pending: Promise<IngestResponseInit>[] = [];
  let wake: (() => void) | undefined;
  const notify = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  let readerDone = false;
  let readerError: unknown;
  const reject = (batchId: bigint, status: Code, reason: string, message: string, retryDelayMs = 0): IngestResponseInit => ({
    batchId, status, reason, message, retryDelayMs,
  });

  const write = async (req: IngestRequest): Promise<IngestResponseInit> => {
    const { batchId } = req;
    try {
      const dec = decodedOf.get(req);
      const n = dec === undefined ? req.points.length : dec.ops.length;
      if (n === 0) return reject(batchId, Code.InvalidArgument, 'ERROR_REASON_INVALID_ARGUMENT', 'points must not be empty');
      d.checkCount(n, d.config.maxBatchOps, 'points');
      const now = d.nowMicros();
      const ops: BatchOp[] = dec !== undefined ? decodedOps(d, dec, now) : req.points.map((p, i) => {
        d.checkKey(p.key, `points[${i}].key`);
        d.checkValue(p.value, `points[${i}].value`);
        const ts = p.ts === 0n ? now : num(p.ts, `points[${i}].ts`);
        const op: PutOp = { type: 'put', key: p.key, value: p.value, ts };
        const ttlMs = num(p.ttlMs, `points[${i}].ttl_ms`);
        if (ttlMs < 0) throw invalid(`points[${i}].ttl_ms`, 'ttl_ms must be >= 0');
        if (ttlMs > 0) op.expireAt = now + ttlMs * 1000;
        return op;
      });
      const h = await d.commit(ops, req.durability);
      return { batchId, status: 0, header: header(h), records: ops.length };
    } catch (e) {
      const ce = toConnectError(e);
      const info = ce.details.length > 0 ? reasonOf(ce) : 'ERROR_REASON_INTERNAL';
      return reject(batchId, ce.code, info, ce.rawMessage, ce.code === Code.ResourceExhausted && info === 'ERROR_REASON_OVERLOADED' ? 50 : 0);
    }
  };

  // Reader: pulls batches eagerly so overload is detected; stops on drain.
  // One drain listener per pull, removed when the pull settles: a race against
  // one long-lived promise (and a listener never removed) kept every request of
  // every stream reachable from the server's drain signal (a memory leak).
  const signal = d.drain.signal;
  const pull = <T>(it: AsyncIterator<T>): Promise<IteratorResult<T> | 'drain'> =>
    new Promise((resolve, reject) => {
      if (signal.aborted) return resolve('drain');
      const onDrain = () => resolve('drain');
      signal.addEventListener('abort', onDrain, { once: true });
      it.next().then(
        (v) => (signal.removeEventListener('abort', onDrain), resolve(v)),
        (e: unknown) => (signal.removeEventListener('abort', onDrain), reject(e)),
      );
    });
  const reader = (async () => {
    const it = reqs[Symbol.asyncIterator]();
    try {
      for (;;) {
        const next = await pull(it);
        if (next === 'drain' || next.done === true) break;
        const req = next.value;
        if (pending.length >= max) {
          pending.push(Promise.resolve(reject(req.batchId, Code.ResourceExhausted, 'ERROR_REASON_OVERLOADED', `more than ${max} batches in flight`, 50)));
        } else {
          pending.push(write(req));
        }
        notify();
      }
    } catch (e) {
      readerError = e;
    } finally {
      readerDone = true;
      notify();
    }
  })();

  for (;;) {
    const p = pending[0];
    if (p !== undefined) {
      const res = await p;
      pending.shift();
      yield res;
      continue;
    }
    if (readerDone) break;
    await new Promise<void>((r) => (wake = r));
  }
  await reader;
  if (readerError !== undefined) throw toConnectError(readerError);
  if (d.draining) throw shuttingDown();
}

function reasonOf(e: ConnectError): string {
  for (const det of e.details) {
    if ('desc' in det && det.desc.typeName === 'google.rpc.ErrorInfo') return (det.value as { reason?: string }).reason ?? '';
  }
  return 'ERROR_REASON_INTERNAL';
}

export { Durability };
