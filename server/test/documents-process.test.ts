/**
 * DocumentService on the real server process (@flowdb/idb on its own engine):
 * every RPC from the TS client, @grpc/grpc-js and curl (Connect JSON over
 * HTTP/1.1); typed errors on the wire; restart keeps documents.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as grpc from '@grpc/grpc-js';
import { fromBinary } from '@bufbuild/protobuf';
import { Code, DocKeyRange, DocumentService, FlowClient, type WatchEvent } from '@flowdb/client';
import { StatusSchema } from '../src/gen/google/rpc/status_pb.ts';
import { ErrorInfoSchema } from '../src/gen/google/rpc/error_details_pb.ts';
import { spawnServer, type Spawned } from './spawn.ts';
import { grpcJsClient, unary } from './grpcjs.ts';
import { rejects } from './documents-fixture.ts';

const run = promisify(execFile);
const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'flowdb-docproc-'));
  dirs.push(d);
  return d;
};
let srv: Spawned;

before(async () => {
  srv = await spawnServer(tmp(), ['--change-retention=1000']);
});
after(async () => {
  assert.equal(await srv.stop(), 0);
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function curl(path: string, body: object): Promise<{ status: number; json: { [k: string]: unknown } }> {
  const { stdout } = await run('curl', [
    '-s', '--http1.1', '-X', 'POST', '-H', 'content-type: application/json', '-d', JSON.stringify(body),
    '-o', '-', '-w', '\n%{http_code}', '--max-time', '10', `${srv.baseUrl}/flowdb.v1.DocumentService/${path}`,
  ]);
  const i = stdout.lastIndexOf('\n');
  return { status: Number(stdout.slice(i + 1)), json: JSON.parse(stdout.slice(0, i)) as { [k: string]: unknown } };
}

for (const [name, opts] of [
  ['gRPC', { protocol: 'grpc' }],
  ['Connect HTTP/1.1', { protocol: 'connect', httpVersion: '1.1' }],
] as const) {
  test(`TS client over ${name}: every DocumentService RPC`, async () => {
    const docs = new FlowClient({ baseUrl: srv.baseUrl, timeoutMs: 10_000, ...opts }).documents;
    const dbName = name.replace(/[^A-Za-z0-9]/g, '_');
    const s = await docs.applySchema(dbName, [{ name: 'users', keyPath: 'id', indexes: [{ name: 'email', keyPath: 'email', unique: true }] }, { name: 'log', autoIncrement: true }]);
    assert.equal(s.changed, true);
    assert.equal((await docs.getSchema(dbName)).stores.length, 2);
    assert.ok((await docs.listDatabases()).some((d) => d.name === dbName && d.version === 1));
    const db = docs.database(dbName);
    const ac = new AbortController();
    const watch = db.watch({ signal: ac.signal, progressIntervalMs: 100 });
    assert.equal((await watch.next()).value?.progress, true);
    assert.equal(await db.put('users', { id: 1, email: 'a@x' }), 1);
    assert.equal(await db.add('log', { line: 'hello' }), 1);
    assert.deepEqual(await db.get('users', 1), { id: 1, email: 'a@x' });
    assert.deepEqual(await db.getRecord('users', 'a@x', { index: 'email' }), { doc: { id: 1, email: 'a@x' }, primaryKey: 1 });
    const tx = await db.transact([{ put: { store: 'users', doc: { id: 2, email: 'b@x' } } }, { put: { store: 'users', doc: { id: 3, email: 'c@x' } } }]);
    assert.equal(await db.count('users'), 3);
    assert.deepEqual((await db.getAll('users', { range: DocKeyRange.lowerBound(2) })).records.map((r) => r.primaryKey), [2, 3]);
    const seen = [];
    for await (const r of db.query('users', { index: 'email', direction: 'prev', pageSize: 2 })) seen.push(r.key);
    assert.deepEqual(seen, ['c@x', 'b@x', 'a@x']);
    await rejects(db.add('users', { id: 9, email: 'a@x' }), Code.AlreadyExists, 'ERROR_REASON_ALREADY_EXISTS');
    assert.equal(await db.delete('users', DocKeyRange.bound(2, 3)), 2);
    const changes: WatchEvent['changes'] = [];
    while (changes.length < 6) {
      const ev = await watch.next();
      assert.equal(ev.done, false);
      changes.push(...(ev.value as WatchEvent).changes);
    }
    ac.abort();
    assert.deepEqual(changes.map((c) => [c.type, c.store, c.key]), [['put', 'users', 1], ['put', 'log', 1], ['put', 'users', 2], ['put', 'users', 3], ['delete', 'users', 2], ['delete', 'users', 3]]);
    assert.equal(changes[3]?.seq, tx.seq);
    await docs.deleteDatabase(dbName);
    await rejects(docs.getSchema(dbName), Code.NotFound, 'ERROR_REASON_NOT_FOUND');
  });
}

/** The ErrorInfo reason from a grpc-js error's grpc-status-details-bin. */
function reasonOf(e: grpc.ServiceError): string | undefined {
  const bin = e.metadata.get('grpc-status-details-bin')[0];
  if (!(bin instanceof Buffer)) return undefined;
  const info = fromBinary(StatusSchema, bin).details.find((d) => d.typeUrl.endsWith(`/${ErrorInfoSchema.typeName}`));
  return info === undefined ? undefined : fromBinary(ErrorInfoSchema, info.value).reason;
}

async function grpcRejects(p: Promise<unknown>, code: grpc.status, reason: string): Promise<void> {
  await assert.rejects(p, (e: grpc.ServiceError) => {
    assert.equal(e.code, code, e.message);
    assert.equal(reasonOf(e), reason);
    return true;
  });
}

test('@grpc/grpc-js: every DocumentService RPC and typed errors', async () => {
  const c = grpcJsClient(DocumentService, srv.addr);
  const key = (n: number) => ({ kind: { case: 'numberValue', value: n } });
  const doc = (o: object) => ({ kind: { case: 'structValue', value: { fields: Object.fromEntries(Object.entries(o).map(([k, v]) => [k, { kind: { case: typeof v === 'number' ? 'numberValue' : 'stringValue', value: v } }])) } } });
  try {
    await unary(c, 'applySchema', { database: 'gjs', stores: [{ name: 's', keyPath: ['id'], indexes: [{ name: 'n', keyPath: ['n'], unique: true }] }] });
    assert.equal((await unary<{ schema: { version: bigint } }>(c, 'getSchema', { database: 'gjs' })).schema.version, 1n);
    assert.ok((await unary<{ databases: { name: string }[] }>(c, 'listDatabases', {})).databases.some((d) => d.name === 'gjs'));
    const put = await unary<{ key: { kind: { value: number } }; seq: bigint }>(c, 'putDocument', { database: 'gjs', store: 's', document: doc({ id: 1, n: 'one' }) });
    assert.equal(put.key.kind.value, 1);
    await unary(c, 'addDocument', { database: 'gjs', store: 's', document: doc({ id: 2, n: 'two' }) });
    const got = await unary<{ found: boolean; document: { kind: { case: string } } }>(c, 'getDocument', { database: 'gjs', store: 's', key: key(1) });
    assert.equal(got.found, true);
    assert.equal(got.document.kind.case, 'structValue');
    assert.equal((await unary<{ records: unknown[] }>(c, 'getAllDocuments', { database: 'gjs', store: 's' })).records.length, 2);
    const page = await unary<{ records: unknown[]; nextPageToken: string }>(c, 'queryDocuments', { database: 'gjs', store: 's', pageSize: 1 });
    assert.equal(page.records.length, 1);
    assert.notEqual(page.nextPageToken, '');
    assert.equal((await unary<{ count: bigint }>(c, 'countDocuments', { database: 'gjs', store: 's' })).count, 2n);
    const tx = await unary<{ results: unknown[]; seq: bigint }>(c, 'transact', {
      database: 'gjs', ops: [{ op: { case: 'put', value: { store: 's', document: doc({ id: 3, n: 'three' }) } } }, { op: { case: 'clear', value: { store: 's' } } }],
    });
    assert.equal(tx.results.length, 2);
    // Watch replays from the put's seq.
    const changes: { type: number }[] = await new Promise((resolve, reject) => {
      const out: { type: number }[] = [];
      const call = c['watchDocuments']!({ database: 'gjs', startSeq: put.seq, progressIntervalMs: 100 }) as grpc.ClientReadableStream<{ changes: { type: number }[] }>;
      call.on('data', (d: { changes: { type: number }[] }) => {
        out.push(...d.changes);
        if (out.length >= 4) {
          call.cancel();
          resolve(out);
        }
      });
      call.on('error', (e: grpc.ServiceError) => (e.code === grpc.status.CANCELLED ? resolve(out) : reject(e)));
    });
    assert.deepEqual(changes.map((x) => x.type), [1, 1, 1, 3]);
    await unary(c, 'deleteDocuments', { database: 'gjs', store: 's', target: { case: 'key', value: key(1) } });
    // Typed errors on the wire.
    await grpcRejects(unary(c, 'getDocument', { database: 'bad name', store: 's', key: key(1) }), grpc.status.INVALID_ARGUMENT, 'ERROR_REASON_INVALID_ARGUMENT');
    await grpcRejects(unary(c, 'getDocument', { database: 'gjs', store: 'missing', key: key(1) }), grpc.status.NOT_FOUND, 'ERROR_REASON_NOT_FOUND');
    await grpcRejects(unary(c, 'getDocument', { database: 'gjs', store: 's', key: { kind: { case: 'numberValue', value: NaN } } }), grpc.status.INVALID_ARGUMENT, 'ERROR_REASON_INVALID_KEY');
    await grpcRejects(unary(c, 'countDocuments', { database: 'gjs', store: 's', range: { lower: key(5), upper: key(1) } }), grpc.status.INVALID_ARGUMENT, 'ERROR_REASON_INVALID_RANGE');
    await unary(c, 'putDocument', { database: 'gjs', store: 's', document: doc({ id: 1, n: 'x' }) });
    await grpcRejects(unary(c, 'putDocument', { database: 'gjs', store: 's', document: doc({ id: 2, n: 'x' }) }), grpc.status.ALREADY_EXISTS, 'ERROR_REASON_ALREADY_EXISTS');
    await grpcRejects(unary(c, 'applySchema', { database: 'gjs', stores: [{ name: 's', keyPath: ['other'] }] }), grpc.status.FAILED_PRECONDITION, 'ERROR_REASON_SCHEMA_CONFLICT');
    await unary(c, 'deleteDatabase', { database: 'gjs' });
  } finally {
    c.close();
  }
});

test('curl: Connect JSON over HTTP/1.1, errors with ErrorInfo', async () => {
  const s = await curl('ApplySchema', { database: 'curl', stores: [{ name: 'users', keyPath: ['id'], indexes: [{ name: 'email', keyPath: ['email'], unique: true }] }] });
  assert.equal(s.status, 200, JSON.stringify(s.json));
  assert.equal((s.json['schema'] as { version: string }).version, '1');
  const put = await curl('PutDocument', { database: 'curl', store: 'users', document: { id: 'u1', email: 'a@x', tags: ['a', 1, true, null] } });
  assert.deepEqual(put.json['key'], { stringValue: 'u1' });
  const got = await curl('GetDocument', { database: 'curl', store: 'users', key: { stringValue: 'u1' } });
  assert.deepEqual(got.json, { found: true, document: { id: 'u1', email: 'a@x', tags: ['a', 1, true, null] }, primaryKey: { stringValue: 'u1' } });
  assert.deepEqual((await curl('GetDocument', { database: 'curl', store: 'users', key: { stringValue: 'none' } })).json, {});
  const q = await curl('QueryDocuments', { database: 'curl', store: 'users', index: 'email', range: { lower: { stringValue: 'a' } } });
  assert.deepEqual((q.json['records'] as { key: unknown }[]).map((r) => r.key), [{ stringValue: 'a@x' }]);
  const tx = await curl('Transact', { database: 'curl', ops: [{ add: { store: 'users', document: { id: 'u2', email: 'b@x' } } }, { delete: { store: 'users', key: { stringValue: 'u1' } } }] });
  assert.equal(tx.status, 200, JSON.stringify(tx.json));
  assert.equal((await curl('CountDocuments', { database: 'curl', store: 'users' })).json['count'], '1');
  const reason = (r: { json: { [k: string]: unknown } }) => (r.json['details'] as { debug: { reason: string } }[] | undefined)?.[0]?.debug.reason;
  const inverted = await curl('CountDocuments', { database: 'curl', store: 'users', range: { lower: { numberValue: 2 }, upper: { numberValue: 1 } } });
  assert.equal(inverted.json['code'], 'invalid_argument');
  assert.equal(reason(inverted), 'ERROR_REASON_INVALID_RANGE');
  const dup = await curl('PutDocument', { database: 'curl', store: 'users', document: { id: 'u3', email: 'b@x' } });
  assert.equal(dup.status, 409);
  assert.equal(reason(dup), 'ERROR_REASON_ALREADY_EXISTS');
  const badName = await curl('GetSchema', { database: '../../etc' });
  assert.equal(reason(badName), 'ERROR_REASON_INVALID_ARGUMENT');
  const missing = await curl('GetSchema', { database: 'nope' });
  assert.equal(missing.status, 404);
  assert.equal(reason(missing), 'ERROR_REASON_NOT_FOUND');
  const rolledBack = await curl('Transact', { database: 'curl', ops: [{ put: { store: 'users', document: { id: 'u4', email: 'd@x' } } }, { add: { store: 'users', document: { id: 'u2' } } }] });
  assert.equal(reason(rolledBack), 'ERROR_REASON_ALREADY_EXISTS');
  assert.equal((rolledBack.json['details'] as { debug: { metadata: { op_index: string } } }[])[0]?.debug.metadata.op_index, '1');
  assert.deepEqual((await curl('GetDocument', { database: 'curl', store: 'users', key: { stringValue: 'u4' } })).json, {});
});

test('reflection lists DocumentService (buf curl)', async () => {
  const bufBin = new URL('../../node_modules/.bin/buf', import.meta.url).pathname;
  const base = ['curl', '--protocol', 'grpc', '--http2-prior-knowledge'];
  const list = await run(bufBin, [...base, '--list-methods', srv.baseUrl]);
  for (const m of ['ApplySchema', 'PutDocument', 'QueryDocuments', 'Transact', 'WatchDocuments']) assert.ok(list.stdout.includes(`flowdb.v1.DocumentService/${m}`), m);
  await run(bufBin, [...base, '-d', '{"database":"bufdb","stores":[{"name":"s"}]}', `${srv.baseUrl}/flowdb.v1.DocumentService/ApplySchema`]);
  const got = await run(bufBin, [...base, '-d', '{"database":"bufdb"}', `${srv.baseUrl}/flowdb.v1.DocumentService/GetSchema`]);
  assert.equal(JSON.parse(got.stdout).schema.stores[0].name, 's');
});

test('documents survive a restart, live in <data-dir>/documents, and stay out of KV scans', async () => {
  const dir = tmp();
  let s = await spawnServer(dir, ['--sync=always']);
  let flow = new FlowClient({ baseUrl: s.baseUrl, timeoutMs: 10_000 });
  await flow.documents.applySchema('keep', [{ name: 'notes', autoIncrement: true, indexes: [{ name: 'tag', keyPath: 'tag' }] }]);
  const db = () => flow.documents.database('keep');
  const seqBefore = (await db().transact([{ add: { store: 'notes', doc: { tag: 'a', n: 1 } } }, { add: { store: 'notes', doc: { tag: 'b', n: 2 } } }])).seq;
  const kvKeys = [];
  for await (const r of flow.scan()) kvKeys.push(r.key);
  assert.equal(kvKeys.length, 0, 'documents are not in the KV engine');
  assert.ok(readdirSync(join(dir, 'documents')).includes('CURRENT'));
  // SIGTERM ends an open watch with UNAVAILABLE (SHUTTING_DOWN).
  const watch = db().watch({ progressIntervalMs: 100 });
  assert.equal((await watch.next()).value?.progress, true);
  const ended = rejects((async () => {
    for (;;) await watch.next();
  })(), Code.Unavailable, 'ERROR_REASON_SHUTTING_DOWN');
  assert.equal(await s.stop(), 0);
  await ended;

  s = await spawnServer(dir, ['--sync=always']);
  flow = new FlowClient({ baseUrl: s.baseUrl, timeoutMs: 10_000 });
  try {
    assert.deepEqual(await db().get('notes', 2), { tag: 'b', n: 2 });
    assert.deepEqual((await db().getRecord('notes', 'a', { index: 'tag' }))?.primaryKey, 1);
    assert.equal((await flow.documents.getSchema('keep')).stores[0]?.indexes[0]?.name, 'tag');
    assert.equal(await db().add('notes', { tag: 'c' }), 3, 'the key generator survived');
    // The feed restarted: old positions are gone, new seqs are larger.
    await rejects(db().watch({ startSeq: seqBefore }).next(), Code.OutOfRange, 'ERROR_REASON_SEQ_COMPACTED');
    assert.ok((await db().transact([{ clear: { store: 'notes' } }])).seq > seqBefore);
    assert.equal(await flow.checkHealth('flowdb.v1.DocumentService'), 1);
  } finally {
    assert.equal(await s.stop(), 0);
  }
});
