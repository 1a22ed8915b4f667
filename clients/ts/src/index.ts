/**
 * @flowdb/client: a TypeScript client for the flowdb sidecar.
 *
 *   const db = new FlowClient({ baseUrl: 'http://127.0.0.1:50051' });
 *   await db.put('k', 'v');
 *   const rec = await db.get('k');              // undefined when absent
 *   for await (const r of db.scanPrefix('k')) …   // async iterator over chunks
 *
 * Every call accepts { signal, timeoutMs }; failures are FlowClientError with
 * `.code` and `.reason` (an ErrorReason name). Timestamps and seqs are numbers
 * (µs / sequence numbers, safe integers).
 */
import * as net from 'node:net';
import { Code, createClient, type CallOptions, type Client, type Interceptor, type Transport } from '@connectrpc/connect';
import { createConnectTransport, createGrpcTransport, createGrpcWebTransport } from '@connectrpc/connect-node';
import type { MessageInitShape } from '@bufbuild/protobuf';
import { KVService, type BatchOpSchema, type IngestRequest, type ScanRequestSchema } from './gen/flowdb/v1/kv_service_pb.ts';
import { StatsService, type EngineStats } from './gen/flowdb/v1/stats_service_pb.ts';
import { EventsService, type EventType, type WatchChangesResponse, type WatchResponse } from './gen/flowdb/v1/events_service_pb.ts';
import { Durability, type Record as PbRecord, type WriteHeader } from './gen/flowdb/v1/types_pb.ts';
import { Health } from './gen/grpc/health/v1/health_pb.ts';
import { FlowClientError, wrap, wrapStream } from './errors.ts';
import { DocumentClient } from './documents.ts';
import { FlowSessionManager } from './session.ts';

export { FlowClientError, connectionReset } from './errors.ts';
export { FlowSessionManager } from './session.ts';
export { Code } from '@connectrpc/connect';
export { Durability } from './gen/flowdb/v1/types_pb.ts';
export { EventType, ChangeType } from './gen/flowdb/v1/events_service_pb.ts';
export { ErrorReason } from './gen/flowdb/v1/errors_pb.ts';
export { KVService } from './gen/flowdb/v1/kv_service_pb.ts';
export { StatsService } from './gen/flowdb/v1/stats_service_pb.ts';
export { EventsService } from './gen/flowdb/v1/events_service_pb.ts';
export * from './documents.ts';

export type Bytes = Uint8Array | string;
const enc = new TextEncoder();
export const bytes = (b: Bytes): Uint8Array => (typeof b === 'string' ? enc.encode(b) : b);

export interface FlowRecord {
  key: Uint8Array;
  ts: number;
  value: Uint8Array;
  /** µs since the epoch; undefined: never expires. */
  expireAt: number | undefined;
  /** Version (commit seq) for compare-and-swap. */
  seq: number;
}
export interface Commit {
  seq: number;
  firstSeq: number;
  durability: Durability;
}

export interface FlowClientOptions {
  /** "http://127.0.0.1:50051" (also used as the authority for unix sockets). Default: $FLOWDB_ENDPOINT or http://127.0.0.1:50051. */
  baseUrl?: string;
  /** Connect over this unix socket instead of TCP. */
  unixSocket?: string;
  /** "grpc" (default, HTTP/2), "connect" or "grpc-web" (HTTP/2, or HTTP/1.1 with httpVersion "1.1": no bidi Ingest). */
  protocol?: 'grpc' | 'connect' | 'grpc-web';
  httpVersion?: '1.1' | '2';
  /** Bearer token; default $FLOWDB_TOKEN. */
  token?: string;
  /** Default deadline per unary call, ms. */
  timeoutMs?: number;
  /** Max message sizes; keep in line with the server's (default 4 MiB). */
  readMaxBytes?: number;
  writeMaxBytes?: number;
  /** Use this transport instead (tests: createRouterTransport). */
  transport?: Transport;
}

export interface CallOpts {
  signal?: AbortSignal;
  timeoutMs?: number;
}

const toRecord = (r: PbRecord): FlowRecord => ({
  key: r.key,
  ts: Number(r.ts),
  value: r.value,
  expireAt: r.expireAtUs === 0n ? undefined : Number(r.expireAtUs),
  seq: Number(r.seq),
});
const toCommit = (h: WriteHeader | undefined): Commit => ({ seq: Number(h?.seq ?? 0n), firstSeq: Number(h?.firstSeq ?? 0n), durability: h?.durability ?? Durability.UNSPECIFIED });
const opt = <T>(v: T | undefined, f: (x: T) => object): object => (v === undefined ? {} : f(v));

export interface PutOptions extends CallOpts {
  ts?: number;
  ttlMs?: number;
  expireAtUs?: number;
  prevKv?: boolean;
  /** CAS: the key's current version must be this (0: absent). */
  expectedVersion?: number;
  ifAbsent?: boolean;
  durability?: Durability;
}
export interface ScanOptions extends CallOpts {
  prefix?: Bytes;
  start?: Bytes;
  end?: Bytes;
  tsFrom?: number;
  tsTo?: number;
  reverse?: boolean;
  limit?: number;
  keysOnly?: boolean;
  continuationToken?: string;
}
export interface IngestPoint {
  key: Bytes;
  /** µs; 0/undefined: server clock. */
  ts?: number;
  value: Bytes;
  ttlMs?: number;
}
export interface IngestAck {
  batchId: number;
  seq: number;
  firstSeq: number;
  records: number;
  durability: Durability;
}
export type BatchOperation =
  | { put: { key: Bytes; value: Bytes } & Omit<PutOptions, 'signal' | 'timeoutMs'> }
  | { delete: { key: Bytes; ts?: number; expectedVersion?: number; prevKv?: boolean } }
  | { deleteRange: { start?: Bytes; end?: Bytes; prefix?: Bytes } };

export class FlowClient {
  readonly kv: Client<typeof KVService>;
  readonly statsClient: Client<typeof StatsService>;
  readonly events: Client<typeof EventsService>;
  readonly health: Client<typeof Health>;
  /** JSON documents (DocumentService). */
  readonly documents: DocumentClient;
  readonly #timeoutMs: number | undefined;
  /** The HTTP/2 connection manager of the built-in transport (none for HTTP/1.1 or a given transport). */
  readonly #sessions: FlowSessionManager | undefined;

  constructor(o: FlowClientOptions = {}) {
    this.#timeoutMs = o.timeoutMs;
    const token = o.token ?? process.env['FLOWDB_TOKEN'];
    const auth: Interceptor = (next) => (req) => {
      if (token !== undefined && token !== '') req.header.set('authorization', `Bearer ${token}`);
      return next(req);
    };
    let transport = o.transport;
    if (transport === undefined) {
      const baseUrl = o.baseUrl ?? process.env['FLOWDB_ENDPOINT'] ?? 'http://127.0.0.1:50051';
      const sock = o.unixSocket;
      const nodeOptions = sock === undefined ? undefined : { createConnection: () => net.connect(sock) };
      const httpVersion = o.protocol === undefined || o.protocol === 'grpc' ? '2' : (o.httpVersion ?? '2');
      // HTTP/2: our session manager (immune to the GOAWAY crash of connect-node 2.2.0, see session.ts).
      this.#sessions = httpVersion === '2' ? new FlowSessionManager(baseUrl, { pingIntervalMs: 30_000 }, nodeOptions) : undefined;
      const common = {
        baseUrl,
        interceptors: [auth],
        readMaxBytes: o.readMaxBytes ?? 4 * 1024 * 1024,
        writeMaxBytes: o.writeMaxBytes ?? 4 * 1024 * 1024,
        pingIntervalMs: 30_000,
        ...(nodeOptions === undefined ? {} : { nodeOptions }),
        ...(this.#sessions === undefined ? {} : { sessionManager: this.#sessions }),
      };
      transport = o.protocol === 'connect'
        ? createConnectTransport({ ...common, httpVersion })
        : o.protocol === 'grpc-web'
          ? createGrpcWebTransport({ ...common, httpVersion })
          : createGrpcTransport(common);
    }
    this.kv = createClient(KVService, transport);
    this.statsClient = createClient(StatsService, transport);
    this.events = createClient(EventsService, transport);
    this.health = createClient(Health, transport);
    this.documents = new DocumentClient(transport, o.timeoutMs === undefined ? {} : { timeoutMs: o.timeoutMs });
  }

  /** Closes the client's HTTP/2 connection (calls still open fail with CANCELLED); a later call reconnects. */
  close(): void {
    this.#sessions?.abort();
  }

  #opts(o: CallOpts | undefined): CallOptions {
    const timeoutMs = o?.timeoutMs ?? this.#timeoutMs;
    return { ...(o?.signal === undefined ? {} : { signal: o.signal }), ...(timeoutMs === undefined ? {} : { timeoutMs }) };
  }

  /** Writes one version; with expectedVersion/ifAbsent a compare-and-swap (FlowClientError reason ERROR_REASON_CONDITION_FAILED on mismatch). */
  put(key: Bytes, value: Bytes, o: PutOptions = {}): Promise<Commit & { prev: FlowRecord | undefined }> {
    return wrap(async () => {
      const r = await this.kv.put(putInit(key, value, o), this.#opts(o));
      return { ...toCommit(r.header), prev: r.prev === undefined ? undefined : toRecord(r.prev) };
    });
  }

  /** The latest live version (or the one at exactly `ts`), undefined when absent. */
  get(key: Bytes, o: CallOpts & { ts?: number; keysOnly?: boolean } = {}): Promise<FlowRecord | undefined> {
    return wrap(async () => {
      const r = await this.kv.get({ key: bytes(key), keysOnly: o.keysOnly ?? false, ...opt(o.ts, (ts) => ({ ts: BigInt(ts) })) }, this.#opts(o));
      return r.found && r.record !== undefined ? toRecord(r.record) : undefined;
    });
  }

  /** One entry per key, in order: a record, undefined (absent), or a FlowClientError for that key alone. */
  batchGet(keys: Bytes[], o: CallOpts & { ts?: number } = {}): Promise<(FlowRecord | undefined | FlowClientError)[]> {
    return wrap(async () => {
      const r = await this.kv.batchGet({ keys: keys.map(bytes), ...opt(o.ts, (ts) => ({ ts: BigInt(ts) })) }, this.#opts(o));
      return r.results.map((x) =>
        x.error !== undefined ? new FlowClientError(x.error.code as Code, x.error.reason, x.error.message)
        : x.found && x.record !== undefined ? toRecord(x.record) : undefined);
    });
  }

  delete(key: Bytes, o: CallOpts & { ts?: number; expectedVersion?: number; prevKv?: boolean; durability?: Durability } = {}): Promise<Commit & { prev: FlowRecord | undefined }> {
    return wrap(async () => {
      const r = await this.kv.delete(deleteInit(key, o), this.#opts(o));
      return { ...toCommit(r.header), prev: r.prev === undefined ? undefined : toRecord(r.prev) };
    });
  }

  deleteRange(range: { start?: Bytes; end?: Bytes; prefix?: Bytes; returnCount?: boolean }, o: CallOpts = {}): Promise<Commit & { deleted: number }> {
    return wrap(async () => {
      const r = await this.kv.deleteRange(
        { ...opt(range.start, (s) => ({ start: bytes(s) })), ...opt(range.end, (e) => ({ end: bytes(e) })), ...opt(range.prefix, (p) => ({ prefix: bytes(p) })), returnCount: range.returnCount ?? false },
        this.#opts(o),
      );
      return { ...toCommit(r.header), deleted: Number(r.deleted) };
    });
  }

  /** Atomic multi-op write. */
  batch(ops: BatchOperation[], o: CallOpts & { durability?: Durability } = {}): Promise<Commit & { prevs: (FlowRecord | undefined)[] }> {
    return wrap(async () => {
      const r = await this.kv.batch({ ops: ops.map(batchOpInit), durability: o.durability ?? Durability.UNSPECIFIED }, this.#opts(o));
      return { ...toCommit(r.header), prevs: r.prevs.map((p) => (p.key.length === 0 ? undefined : toRecord(p))) };
    });
  }

  /** Streams matching records; `onToken` sees each chunk's continuation token (for resuming). */
  async *scan(o: ScanOptions = {}, onToken?: (token: string, more: boolean) => void): AsyncGenerator<FlowRecord> {
    for await (const chunk of wrapStream(this.kv.scan(scanInit(o), this.#streamOpts(o)))) {
      for (const r of chunk.records) yield toRecord(r);
      onToken?.(chunk.continuationToken, chunk.more);
    }
  }

  /** Every record whose key starts with prefix. */
  scanPrefix(prefix: Bytes, o: Omit<ScanOptions, 'prefix' | 'start' | 'end'> = {}): AsyncGenerator<FlowRecord> {
    return this.scan({ ...o, prefix });
  }

  /** Number of matching records (count_only). */
  count(o: ScanOptions = {}): Promise<number> {
    return wrap(async () => {
      let n = 0;
      for await (const chunk of this.kv.scan({ ...scanInit(o), countOnly: true }, this.#streamOpts(o))) if (chunk.done) n = Number(chunk.count);
      return n;
    });
  }

  #streamOpts(o: CallOpts): CallOptions {
    return { ...(o.signal === undefined ? {} : { signal: o.signal }), ...(o.timeoutMs === undefined ? {} : { timeoutMs: o.timeoutMs }) };
  }

  /**
   * Ingests batches over one bidi stream with a bounded window: at most
   * maxInFlight unacknowledged batches; a batch the server rejects for
   * overload is resent after its retry delay. Yields one ack per batch (in
   * completion order). Throws FlowClientError if a batch is invalid or the
   * stream fails; acks already yielded are durable per their `durability`.
   */
  async *ingest(
    batches: AsyncIterable<IngestPoint[]> | Iterable<IngestPoint[]>,
    o: CallOpts & { maxInFlight?: number; durability?: Durability; maxRetries?: number } = {},
  ): AsyncGenerator<IngestAck> {
    const maxInFlight = Math.max(1, o.maxInFlight ?? 16);
    const maxRetries = o.maxRetries ?? 100;
    const durability = o.durability ?? Durability.UNSPECIFIED;
    const unacked = new Map<number, { req: MessageInitShape<typeof import('./gen/flowdb/v1/kv_service_pb.ts').IngestRequestSchema>; tries: number }>();
    const resend: number[] = [];
    let wake: (() => void) | undefined;
    const poke = () => {
      const w = wake;
      wake = undefined;
      w?.();
    };
    let sourceDone = false;
    let nextId = 1;
    const source = (Symbol.asyncIterator in batches ? (batches as AsyncIterable<IngestPoint[]>)[Symbol.asyncIterator]() : (batches as Iterable<IngestPoint[]>)[Symbol.iterator]()) as AsyncIterator<IngestPoint[]> | Iterator<IngestPoint[]>;
    const abort = new AbortController();
    const signal = o.signal === undefined ? abort.signal : AbortSignal.any([o.signal, abort.signal]);
    async function* requests(): AsyncGenerator<MessageInitShape<typeof import('./gen/flowdb/v1/kv_service_pb.ts').IngestRequestSchema>> {
      for (;;) {
        if (signal.aborted) return;
        const again = resend.shift();
        if (again !== undefined) {
          const u = unacked.get(again);
          if (u !== undefined) yield u.req;
          continue;
        }
        if (!sourceDone && unacked.size < maxInFlight) {
          const n = await source.next();
          if (n.done === true) {
            sourceDone = true;
            poke();
            continue;
          }
          const batchId = nextId++;
          const req = {
            batchId: BigInt(batchId),
            durability,
            points: n.value.map((p) => ({ key: bytes(p.key), value: bytes(p.value), ts: BigInt(p.ts ?? 0), ttlMs: BigInt(p.ttlMs ?? 0) })),
          };
          unacked.set(batchId, { req, tries: 0 });
          yield req;
          continue;
        }
        if (sourceDone && unacked.size === 0) return;
        await new Promise<void>((r) => (wake = r));
      }
    }
    const timers = new Set<NodeJS.Timeout>();
    try {
      for await (const res of wrapStream(this.kv.ingest(requests(), { signal }))) {
        const id = Number(res.batchId);
        const u = unacked.get(id);
        if (u === undefined) continue;
        if (res.status === 0) {
          unacked.delete(id);
          poke();
          yield { batchId: id, seq: Number(res.header?.seq ?? 0n), firstSeq: Number(res.header?.firstSeq ?? 0n), records: res.records, durability: res.header?.durability ?? Durability.UNSPECIFIED };
        } else if (res.status === Code.ResourceExhausted && u.tries < maxRetries) {
          u.tries++;
          const t = setTimeout(() => {
            timers.delete(t);
            resend.push(id);
            poke();
          }, Math.max(1, res.retryDelayMs));
          timers.add(t);
        } else {
          throw new FlowClientError(res.status as Code, res.reason, `batch ${id}: ${res.message}`);
        }
        if (sourceDone && unacked.size === 0) poke();
      }
      if (unacked.size > 0) throw new FlowClientError(Code.Unavailable, 'ERROR_REASON_SHUTTING_DOWN', `stream ended with ${unacked.size} unacknowledged batches`);
    } finally {
      for (const t of timers) clearTimeout(t);
      abort.abort();
      poke();
    }
  }

  getStats(o: CallOpts = {}): Promise<EngineStats | undefined> {
    return wrap(async () => (await this.statsClient.getStats({}, this.#opts(o))).stats);
  }

  watchStats(o: CallOpts & { intervalMs?: number } = {}): AsyncGenerator<EngineStats | undefined> {
    const it = this.statsClient.watchStats({ intervalMs: o.intervalMs ?? 0 }, this.#streamOpts(o));
    return (async function* () {
      for await (const r of wrapStream(it)) yield r.stats;
    })();
  }

  /** Write-pipeline events (flushes, stalls, commits, ...). */
  watch(o: CallOpts & { types?: EventType[] } = {}): AsyncGenerator<WatchResponse> {
    return wrapStream(this.events.watch({ types: o.types ?? [] }, this.#streamOpts(o)));
  }

  /** Change feed under a prefix from startSeq (0: now). Throws FlowClientError reason ERROR_REASON_SEQ_COMPACTED when the position is gone. */
  watchChanges(o: CallOpts & { prefix?: Bytes; startSeq?: number; progressIntervalMs?: number; keysOnly?: boolean } = {}): AsyncGenerator<WatchChangesResponse> {
    return wrapStream(
      this.events.watchChanges(
        { prefix: bytes(o.prefix ?? ''), startSeq: BigInt(o.startSeq ?? 0), progressIntervalMs: o.progressIntervalMs ?? 0, keysOnly: o.keysOnly ?? false },
        this.#streamOpts(o),
      ),
    );
  }

  /** grpc.health.v1 status of a service ("" = the whole server): 1 SERVING, 2 NOT_SERVING. */
  checkHealth(service = '', o: CallOpts = {}): Promise<number> {
    return wrap(async () => (await this.health.check({ service }, this.#opts(o))).status);
  }
}

function putInit(key: Bytes, value: Bytes, o: Omit<PutOptions, 'signal' | 'timeoutMs'>) {
  return {
    key: bytes(key),
    value: bytes(value),
    ...opt(o.ts, (ts) => ({ ts: BigInt(ts) })),
    ttlMs: BigInt(o.ttlMs ?? 0),
    expireAtUs: BigInt(o.expireAtUs ?? 0),
    prevKv: o.prevKv ?? false,
    ...opt(o.expectedVersion, (v) => ({ expectedVersion: BigInt(v) })),
    ifAbsent: o.ifAbsent ?? false,
    durability: o.durability ?? Durability.UNSPECIFIED,
  };
}
function deleteInit(key: Bytes, o: { ts?: number; expectedVersion?: number; prevKv?: boolean; durability?: Durability }) {
  return {
    key: bytes(key),
    ...opt(o.ts, (ts) => ({ ts: BigInt(ts) })),
    ...opt(o.expectedVersion, (v) => ({ expectedVersion: BigInt(v) })),
    prevKv: o.prevKv ?? false,
    durability: o.durability ?? Durability.UNSPECIFIED,
  };
}
function batchOpInit(op: BatchOperation): MessageInitShape<typeof BatchOpSchema> {
  if ('put' in op) return { op: { case: 'put', value: putInit(op.put.key, op.put.value, op.put) } };
  if ('delete' in op) return { op: { case: 'delete', value: deleteInit(op.delete.key, op.delete) } };
  const r = op.deleteRange;
  return { op: { case: 'deleteRange', value: { ...opt(r.start, (s) => ({ start: bytes(s) })), ...opt(r.end, (e) => ({ end: bytes(e) })), ...opt(r.prefix, (p) => ({ prefix: bytes(p) })) } } };
}
function scanInit(o: ScanOptions): MessageInitShape<typeof ScanRequestSchema> {
  return {
    ...opt(o.prefix, (p) => ({ prefix: bytes(p) })),
    ...opt(o.start, (s) => ({ start: bytes(s) })),
    ...opt(o.end, (e) => ({ end: bytes(e) })),
    ...opt(o.tsFrom, (t) => ({ tsFrom: BigInt(t) })),
    ...opt(o.tsTo, (t) => ({ tsTo: BigInt(t) })),
    reverse: o.reverse ?? false,
    limit: BigInt(o.limit ?? 0),
    keysOnly: o.keysOnly ?? false,
    continuationToken: o.continuationToken ?? '',
  };
}

export type { IngestRequest };
