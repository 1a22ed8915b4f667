/** DocumentService handlers: validate → call IndexedDB → map. Contracts: proto/flowdb/v1/document.proto. */
import { createHash } from 'node:crypto';
import { Code, type ServiceImpl } from '@connectrpc/connect';
import { toBinary, type MessageInitShape } from '@bufbuild/protobuf';
import {
  CursorDirection, DocumentChangeType, DocumentService, KeyRangeSchema, type DocumentChangeSchema, type KeyRange,
  type TransactOp, type TransactPut, type DeleteDocumentsRequest,
} from '../gen/flowdb/v1/document_pb.ts';
import { big, num, type Deps } from '../deps.ts';
import { invalid, rpcError, shuttingDown } from '../errors.ts';
import { toDocError } from './errors.ts';
import { fromIdbKey, tagKey, toIdbKey, toIdbRange, untagKey } from './keys.ts';
import { count, getOne, readCursor, type ReadRecord } from './reads.ts';
import { describe, validateSchema } from './schema.ts';
import type { DocumentStore, WriteOp } from './store.ts';
import { checkName, fromDocument, limitOf, toDocument } from './values.ts';
import type { DocChange } from './feed.ts';
import type { Direction } from './idb.ts';

const PAGE_BYTES = 1024 * 1024;
const CHANGES_PER_RESPONSE = 256;
const DIRECTIONS: { [d: number]: Direction } = {
  [CursorDirection.UNSPECIFIED]: 'next', [CursorDirection.NEXT]: 'next', [CursorDirection.NEXT_UNIQUE]: 'nextunique',
  [CursorDirection.PREV]: 'prev', [CursorDirection.PREV_UNIQUE]: 'prevunique',
};

const record = (r: ReadRecord) => ({
  key: fromIdbKey(r.key),
  primaryKey: fromIdbKey(r.primaryKey),
  ...(r.doc === undefined ? {} : { document: fromDocument(r.doc) }),
});

/** Runs a handler body, mapping every failure to a ConnectError with ErrorInfo. */
async function run<T>(d: Deps, fn: () => Promise<T>): Promise<T> {
  if (d.draining) throw shuttingDown();
  try {
    return await fn();
  } catch (e) {
    throw toDocError(e);
  }
}

function direction(v: CursorDirection): Direction {
  const dir = DIRECTIONS[v];
  if (dir === undefined) throw invalid('direction', `unknown direction ${v}`);
  return dir;
}

/** Binds a page token to the request's query fields (all but page_size and page_token). */
function queryHash(r: { database: string; store: string; index: string; range?: KeyRange | undefined; direction: Direction; keysOnly: boolean }): string {
  const range = r.range === undefined ? '' : Buffer.from(toBinary(KeyRangeSchema, r.range)).toString('base64');
  return createHash('sha256').update(JSON.stringify([r.database, r.store, r.index, range, r.direction, r.keysOnly])).digest('base64url').slice(0, 22);
}

function encodeToken(hash: string, last: ReadRecord): string {
  return Buffer.from(JSON.stringify({ h: hash, k: tagKey(last.key), p: tagKey(last.primaryKey) })).toString('base64url');
}

function decodeToken(token: string, hash: string): { key: unknown; primaryKey: unknown } {
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    v = undefined;
  }
  const t = v as { h?: unknown; k?: unknown; p?: unknown } | undefined;
  if (t === undefined || t === null || typeof t !== 'object' || typeof t.h !== 'string') {
    throw invalid('page_token', 'malformed page_token', 'ERROR_REASON_INVALID_TOKEN');
  }
  if (t.h !== hash) throw invalid('page_token', 'page_token belongs to a different query', 'ERROR_REASON_INVALID_TOKEN');
  try {
    return { key: untagKey(t.k), primaryKey: untagKey(t.p) };
  } catch {
    throw invalid('page_token', 'malformed page_token', 'ERROR_REASON_INVALID_TOKEN');
  }
}

export function documentService(d: Deps, ds: DocumentStore): ServiceImpl<typeof DocumentService> {
  const maxDoc = () => d.config.maxValueBytes;
  const range = (r: KeyRange | undefined, field: string) => toIdbRange(r, field, ds.backend.keyRange, (a, b) => ds.cmp(a, b));
  const optKey = (k: Parameters<typeof toIdbKey>[0], field: string) => (k === undefined ? undefined : toIdbKey(k, field));
  const names = (r: { database: string; store: string; index?: string }) => {
    checkName(r.database, 'database');
    checkName(r.store, 'store');
    if (r.index !== undefined && r.index !== '') checkName(r.index, 'index');
  };

  const at = (prefix: string, name: string) => (prefix === '' ? name : `${prefix}.${name}`);
  const putOp = (type: 'put' | 'add', p: Pick<TransactPut, 'store' | 'document' | 'key'>, prefix: string): WriteOp => {
    checkName(p.store, at(prefix, 'store'));
    const doc = toDocument(p.document, at(prefix, 'document'), maxDoc());
    return { type, store: p.store, doc, key: optKey(p.key, at(prefix, 'key')), bytes: JSON.stringify(doc).length };
  };
  const deleteOp = (r: { store: string; target: DeleteDocumentsRequest['target'] }, prefix: string): WriteOp => {
    checkName(r.store, at(prefix, 'store'));
    if (r.target.case === 'key') return { type: 'delete', store: r.store, query: toIdbKey(r.target.value, at(prefix, 'key')) };
    if (r.target.case === 'range') {
      return { type: 'delete', store: r.store, query: range(r.target.value, at(prefix, 'range')) ?? null };
    }
    throw invalid(at(prefix, 'key'), 'key or range is required');
  };
  const txOp = (op: TransactOp, i: number): WriteOp => {
    const f = `ops[${i}]`;
    switch (op.op.case) {
      case 'put':
        return putOp('put', op.op.value, `${f}.put`);
      case 'add':
        return putOp('add', op.op.value, `${f}.add`);
      case 'delete':
        return deleteOp(op.op.value, `${f}.delete`);
      case 'clear':
        checkName(op.op.value.store, `${f}.clear.store`);
        return { type: 'clear', store: op.op.value.store };
      default:
        throw invalid(f, `${f}: no operation is set`);
    }
  };

  const single = async (database: string, op: WriteOp) => {
    checkName(database, 'database');
    const r = await ds.write(database, [op], false);
    return { r: r.results[0] ?? {}, seq: big(r.seq) };
  };

  return {
    applySchema: (req) =>
      run(d, async () => {
        checkName(req.database, 'database');
        d.checkCount(req.stores.length, 1000, 'stores');
        d.checkCount(req.deleteStores.length, 1000, 'delete_stores');
        validateSchema(req.stores, req.deleteStores);
        return ds.applySchema(req.database, req.stores, req.deleteStores);
      }),

    getSchema: (req) =>
      run(d, async () => {
        checkName(req.database, 'database');
        return { schema: describe(await ds.connection(req.database)) };
      }),

    listDatabases: () => run(d, async () => ({ databases: (await ds.listDatabases()).map((x) => ({ name: x.name, version: big(x.version) })) })),

    deleteDatabase: (req) =>
      run(d, async () => {
        checkName(req.database, 'database');
        await ds.deleteDatabase(req.database);
        return {};
      }),

    putDocument: (req) =>
      run(d, async () => {
        names(req);
        const { r, seq } = await single(req.database, putOp('put', req, ''));
        return { key: fromIdbKey(r.key), seq };
      }),
    addDocument: (req) =>
      run(d, async () => {
        names(req);
        const { r, seq } = await single(req.database, putOp('add', req, ''));
        return { key: fromIdbKey(r.key), seq };
      }),

    getDocument: (req) =>
      run(d, async () => {
        names(req);
        const got = await getOne(ds, req.database, req.store, req.index, toIdbKey(req.key, 'key'));
        if (got === undefined) return { found: false };
        return { found: true, document: fromDocument(got.doc), primaryKey: fromIdbKey(got.primaryKey) };
      }),

    deleteDocuments: (req) =>
      run(d, async () => {
        names(req);
        const { r, seq } = await single(req.database, deleteOp(req, ''));
        return { deleted: big(r.deleted ?? 0), seq };
      }),

    getAllDocuments: (req) =>
      run(d, async () => {
        names(req);
        const limit = limitOf(req.limit, 1000, 10_000, 'limit');
        const res = await readCursor(ds, {
          database: req.database, store: req.store, index: req.index, range: range(req.range, 'range'), direction: 'next',
          limit, maxBytes: Infinity, keysOnly: req.keysOnly,
        });
        return { records: res.records.map(record), more: res.more };
      }),

    queryDocuments: (req) =>
      run(d, async () => {
        names(req);
        const dir = direction(req.direction);
        const limit = limitOf(req.pageSize, 100, 1000, 'page_size');
        const hash = queryHash({ ...req, direction: dir });
        const after = req.pageToken === '' ? undefined : decodeToken(req.pageToken, hash);
        const res = await readCursor(ds, {
          database: req.database, store: req.store, index: req.index, range: range(req.range, 'range'), direction: dir,
          limit, maxBytes: PAGE_BYTES, keysOnly: req.keysOnly, after,
        });
        const last = res.records[res.records.length - 1];
        return { records: res.records.map(record), nextPageToken: res.more && last !== undefined ? encodeToken(hash, last) : '' };
      }),

    countDocuments: (req) =>
      run(d, async () => {
        names(req);
        return { count: big(await count(ds, req.database, req.store, req.index, range(req.range, 'range'))) };
      }),

    transact: (req) =>
      run(d, async () => {
        checkName(req.database, 'database');
        if (req.ops.length === 0) throw invalid('ops', 'at least one operation is required');
        d.checkCount(req.ops.length, d.config.maxBatchOps, 'ops');
        const ops = req.ops.map(txOp);
        const r = await ds.write(req.database, ops, true);
        return {
          results: r.results.map((x) => ({ ...(x.key === undefined ? {} : { key: fromIdbKey(x.key) }), deleted: big(x.deleted ?? 0) })),
          seq: big(r.seq),
        };
      }),

    async *watchDocuments(req, ctx) {
      if (d.draining) throw shuttingDown();
      checkName(req.database, 'database');
      req.stores.forEach((s, i) => checkName(s, `stores[${i}]`));
      const interval = req.progressIntervalMs === 0 ? 5000 : req.progressIntervalMs;
      if (interval < 100 || interval > 600_000) throw invalid('progress_interval_ms', 'progress_interval_ms must be 100..600000 (or 0)');
      const startSeq = num(req.startSeq, 'start_seq');
      if (startSeq < 0) throw invalid('start_seq', 'start_seq must be >= 0');
      const feed = ds.feed;
      let cursor = startSeq === 0 ? feed.lastSeq + 1 : startSeq;
      if (cursor < feed.floor || cursor > feed.lastSeq + 1) {
        throw rpcError(Code.OutOfRange, 'ERROR_REASON_SEQ_COMPACTED', `seq ${cursor} is not retained; resumable seqs are ${feed.floor}..${feed.lastSeq + 1}`, {
          metadata: { oldest_seq: String(feed.floor), next_seq: String(feed.lastSeq + 1), requested_seq: String(cursor) },
        });
      }
      const stores = new Set(req.stores);
      const matches = (c: DocChange) => c.database === req.database && (stores.size === 0 || stores.has(c.store));
      const toChange = (c: DocChange): MessageInitShape<typeof DocumentChangeSchema> => ({
        type: c.kind === 'put' ? DocumentChangeType.PUT : c.kind === 'delete' ? DocumentChangeType.DELETE : DocumentChangeType.CLEAR,
        seq: big(c.seq),
        commitSeq: big(c.commitSeq),
        store: c.store,
        ...(c.key === undefined ? {} : { key: fromIdbKey(c.key) }),
        ...(c.kind === 'put' && !req.keysOnly ? { document: fromDocument(c.doc) } : {}),
      });
      const stop = AbortSignal.any([ctx.signal, d.drain.signal]);
      let lastSent = Date.now();
      for (;;) {
        if (cursor < feed.floor) {
          throw rpcError(Code.OutOfRange, 'ERROR_REASON_SEQ_COMPACTED', `the stream fell behind: seq ${cursor} is no longer retained`, {
            metadata: { oldest_seq: String(feed.floor), next_seq: String(feed.lastSeq + 1), requested_seq: String(cursor) },
          });
        }
        const batch = feed.readFrom(cursor, CHANGES_PER_RESPONSE);
        if (batch.length > 0) {
          cursor = (batch[batch.length - 1] as DocChange).seq + 1;
          const changes = batch.filter(matches).map(toChange);
          if (changes.length > 0) {
            yield { seq: big(cursor - 1), changes };
            lastSent = Date.now();
          }
          continue;
        }
        if (d.draining) throw shuttingDown();
        if (ctx.signal.aborted) return;
        const idle = Date.now() - lastSent;
        if (idle >= interval) {
          yield { progress: true, seq: big(cursor - 1) };
          lastSent = Date.now();
          continue;
        }
        await feed.wait(stop, interval - idle);
      }
    },
  };
}
