/**
 * The real server process (spawned with process.execPath), exercised by the TS
 * client, @grpc/grpc-js, `buf curl` (reflection) and plain curl (HTTP/1.1).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as grpc from '@grpc/grpc-js';
import { FlowClient, FlowClientError, Code, EventType, Durability, KVService, StatsService, EventsService } from '@flowdb/client';
import { Health } from '../src/gen/grpc/health/v1/health_pb.ts';
import { spawnServer, type Spawned } from './spawn.ts';
import { grpcJsClient, unary } from './grpcjs.ts';

const run = promisify(execFile);
const dec = new TextDecoder();
const ROOT = new URL('../../', import.meta.url).pathname;
const BUF = join(ROOT, 'node_modules/.bin/buf');
const tmp = () => mkdtempSync(join(tmpdir(), 'flowdb-proc-'));
const dirs: string[] = [];
let srv: Spawned;

before(async () => {
  const d = tmp();
  dirs.push(d);
  srv = await spawnServer(d, ['--memtable-bytes=65536', '--max-recv-bytes=1048576']);
});
after(async () => {
  assert.equal(await srv.stop(), 0);
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function curl(args: string[]): Promise<{ status: number; body: string }> {
  const { stdout } = await run('curl', ['-s', '-o', '-', '-w', '\n%{http_code}', '--max-time', '10', ...args]);
  const i = stdout.lastIndexOf('\n');
  return { status: Number(stdout.slice(i + 1)), body: stdout.slice(0, i) };
}

for (const [name, opts] of [
  ['gRPC', { protocol: 'grpc' }],
  ['Connect h2', { protocol: 'connect', httpVersion: '2' }],
  ['Connect HTTP/1.1', { protocol: 'connect', httpVersion: '1.1' }],
  ['gRPC-Web HTTP/1.1', { protocol: 'grpc-web', httpVersion: '1.1' }],
] as const) {
  test(`TS client over ${name}: every RPC`, async () => {
    const db = new FlowClient({ baseUrl: srv.baseUrl, timeoutMs: 10_000, ...opts });
    const p = `${name}/`;
    const c = await db.put(p + 'a', '1', { durability: Durability.SYNCED });
    assert.equal(c.durability, Durability.SYNCED);
    assert.equal(dec.decode((await db.get(p + 'a'))?.value), '1');
    const bg = await db.batchGet([p + 'a', p + 'zz']);
    assert.equal(bg[1], undefined);
    await db.batch([{ put: { key: p + 'b', value: '2' } }, { put: { key: p + 'c', value: '3' } }]);
    const keys = [];
    for await (const r of db.scanPrefix(p)) keys.push(dec.decode(r.key));
    assert.deepEqual(keys, [p + 'a', p + 'b', p + 'c']);
    assert.equal(await db.count({ prefix: p }), 3);
    await db.delete(p + 'a');
    assert.equal((await db.deleteRange({ prefix: p, returnCount: true })).deleted, 2);
    assert.ok((await db.getStats())!.lastSeq > 0n);
    const ws = db.watchStats({ intervalMs: 100 });
    assert.ok((await ws.next()).value);
    await ws.return(undefined);
    assert.equal(await db.checkHealth(), 1);
    assert.equal(await db.checkHealth('flowdb.v1.KVService'), 1);
    // Change feed replays what we wrote.
    const ac = new AbortController();
    const types = [];
    for await (const r of db.watchChanges({ prefix: p, startSeq: c.seq, progressIntervalMs: 200, signal: ac.signal })) {
      if (r.progress) break;
      types.push(...r.changes.map((x) => x.type));
    }
    ac.abort();
    assert.equal(types.length, 5);
    if (opts.protocol === 'grpc') {
      const acks = [];
      for await (const a of db.ingest([[{ key: p + 'ts', ts: 1, value: 'x' }], [{ key: p + 'ts', ts: 2, value: 'y' }]])) acks.push(a);
      assert.equal(acks.length, 2);
    }
  });
}

test('TS client: deadlines and AbortSignal end calls with the right codes', async () => {
  const db = new FlowClient({ baseUrl: srv.baseUrl });
  const ac = new AbortController();
  const it = db.watchChanges({ signal: ac.signal, progressIntervalMs: 60_000 });
  setTimeout(() => ac.abort(), 100);
  await assert.rejects(it.next(), (e: FlowClientError) => e.code === Code.Canceled);
  await assert.rejects(db.watch({ timeoutMs: 200 }).next(), (e: FlowClientError) => e.code === Code.DeadlineExceeded);
});

test('@grpc/grpc-js: every RPC', async () => {
  const kv = grpcJsClient(KVService, srv.addr);
  const stats = grpcJsClient(StatsService, srv.addr);
  const events = grpcJsClient(EventsService, srv.addr);
  const health = grpcJsClient(Health, srv.addr);
  try {
    const enc = (s: string) => new TextEncoder().encode(s);
    const put = await unary<{ header: { seq: bigint } }>(kv, 'put', { key: enc('g/1'), value: enc('v') });
    assert.ok(put.header.seq > 0n);
    const got = await unary<{ found: boolean; record: { value: Uint8Array } }>(kv, 'get', { key: enc('g/1') });
    assert.equal(got.found, true);
    assert.equal((await unary<{ found: boolean }>(kv, 'get', { key: enc('g/none') })).found, false);
    assert.equal((await unary<{ results: unknown[] }>(kv, 'batchGet', { keys: [enc('g/1'), enc('g/2')] })).results.length, 2);
    await unary(kv, 'batch', { ops: [{ op: { case: 'put', value: { key: enc('g/2'), value: enc('w') } } }] });
    await unary(kv, 'delete', { key: enc('g/2') });
    const chunks: { records: unknown[] }[] = await new Promise((resolve, reject) => {
      const out: { records: unknown[] }[] = [];
      const call = kv['scan']!({ prefix: enc('g/') }) as grpc.ClientReadableStream<{ records: unknown[] }>;
      call.on('data', (d) => out.push(d));
      call.on('end', () => resolve(out));
      call.on('error', reject);
    });
    assert.equal(chunks.reduce((n, c) => n + c.records.length, 0), 1);
    await unary(kv, 'deleteRange', { prefix: enc('g/') });
    // Bidi Ingest.
    const acks: { batchId: bigint; status: number }[] = await new Promise((resolve, reject) => {
      const out: { batchId: bigint; status: number }[] = [];
      const call = kv['ingest']!() as grpc.ClientDuplexStream<object, { batchId: bigint; status: number }>;
      call.on('data', (d) => {
        out.push(d);
        if (out.length === 3) call.end();
      });
      call.on('end', () => resolve(out));
      call.on('error', reject);
      for (let b = 1; b <= 3; b++) call.write({ batchId: BigInt(b), points: [{ key: enc('g/ts'), ts: BigInt(b), value: enc('p') }] });
    });
    assert.deepEqual(acks.map((a) => [a.batchId, a.status]), [[1n, 0], [2n, 0], [3n, 0]]);
    assert.ok((await unary<{ stats: { lastSeq: bigint } }>(stats, 'getStats', {})).stats.lastSeq > 0n);
    // Server streams: take the first message and cancel.
    for (const [client, method, req] of [[stats, 'watchStats', { intervalMs: 100 }], [events, 'watchChanges', { progressIntervalMs: 100 }]] as const) {
      await new Promise<void>((resolve, reject) => {
        const call = client[method]!(req) as grpc.ClientReadableStream<unknown>;
        call.once('data', () => {
          call.cancel();
          resolve();
        });
        call.on('error', (e: grpc.ServiceError) => (e.code === grpc.status.CANCELLED ? resolve() : reject(e)));
      });
    }
    assert.equal((await unary<{ status: number }>(health, 'check', { service: '' })).status, 1);
    const list = await unary<{ statuses: { [k: string]: { status: number } } }>(health, 'list', {});
    assert.ok('flowdb.v1.KVService' in list.statuses);
    await assert.rejects(unary(health, 'check', { service: 'nope' }), (e: grpc.ServiceError) => e.code === grpc.status.NOT_FOUND);
  } finally {
    for (const c of [kv, stats, events, health]) c.close();
  }
});

test('buf curl via reflection (v1 and v1alpha)', async () => {
  const base = ['curl', '--protocol', 'grpc', '--http2-prior-knowledge'];
  const list = await run(BUF, [...base, '--list-methods', srv.baseUrl]);
  for (const m of ['flowdb.v1.KVService/Put', 'flowdb.v1.KVService/Ingest', 'flowdb.v1.EventsService/WatchChanges', 'flowdb.v1.StatsService/GetStats', 'grpc.health.v1.Health/List']) {
    assert.ok(list.stdout.includes(m), `missing ${m}`);
  }
  await run(BUF, [...base, '-d', '{"key":"YnVm","value":"eA=="}', `${srv.baseUrl}/flowdb.v1.KVService/Put`]);
  const got = await run(BUF, [...base, '--reflect-protocol', 'grpc-v1alpha', '-d', '{"key":"YnVm"}', `${srv.baseUrl}/flowdb.v1.KVService/Get`]);
  assert.equal(JSON.parse(got.stdout).found, true);
  const stats = await run(BUF, [...base, `${srv.baseUrl}/flowdb.v1.StatsService/GetStats`]);
  assert.ok(JSON.parse(stats.stdout).stats.lastSeq);
});

test('plain curl over HTTP/1.1: Connect JSON, /healthz, /readyz, /metrics', async () => {
  const json = ['--http1.1', '-X', 'POST', '-H', 'content-type: application/json'];
  const put = await curl([...json, '-d', '{"key":"Y3VybA==","value":"aGk="}', `${srv.baseUrl}/flowdb.v1.KVService/Put`]);
  assert.equal(put.status, 200, put.body);
  const get = await curl([...json, '-d', '{"key":"Y3VybA=="}', `${srv.baseUrl}/flowdb.v1.KVService/Get`]);
  assert.equal(JSON.parse(get.body).record.value, 'aGk=');
  const missing = await curl([...json, '-d', '{"key":"bm9uZQ=="}', `${srv.baseUrl}/flowdb.v1.KVService/Get`]);
  assert.deepEqual(JSON.parse(missing.body), {});
  assert.equal((await curl(['--http1.1', `${srv.baseUrl}/healthz`])).status, 200);
  assert.equal((await curl(['--http1.1', `${srv.baseUrl}/readyz`])).status, 200);
  const m = await curl(['--http1.1', `${srv.baseUrl}/metrics`]);
  assert.match(m.body, /grpc_server_handled_total\{grpc_service="flowdb.v1.KVService",grpc_method="Put",grpc_code="OK"\}/);
  assert.match(m.body, /flowdb_engine_last_seq \d+/);
  assert.match(m.body, /^process_resident_memory_bytes \d+$/m);
  // The sidecar starts its engine worker threads before listening (warmEngineWorkers).
  assert.ok(Number(/^flowdb_engine_worker_heap_total_bytes (\d+)$/m.exec(m.body)?.[1]) > 0, 'worker heaps');
  assert.match(m.body, /^flowdb_engine_worker_threads 2$/m);
  assert.match(m.body, /^flowdb_engine_table_files_open \d+$/m);
});

test('bad input gets the right status and the server keeps serving', async () => {
  const json = ['--http1.1', '-X', 'POST', '-H', 'content-type: application/json'];
  const ok = async () => assert.equal((await curl([...json, '-d', '{"key":"b2s="}', `${srv.baseUrl}/flowdb.v1.KVService/Get`])).status, 200);
  // Malformed protobuf body: INVALID_ARGUMENT with ErrorInfo (server/src/wire-errors.ts).
  const bad = await curl(['--http1.1', '-X', 'POST', '-H', 'content-type: application/proto', '--data-binary', '\xff\xff\xff\xff', `${srv.baseUrl}/flowdb.v1.KVService/Put`]);
  assert.equal(bad.status, 400, bad.body);
  assert.equal(JSON.parse(bad.body).code, 'invalid_argument', bad.body);
  assert.match(bad.body, /parse binary/);
  assert.equal(JSON.parse(bad.body).details[0].type, 'google.rpc.ErrorInfo');
  await ok();
  // Malformed JSON.
  const badJson = await curl([...json, '-d', '{"key":', `${srv.baseUrl}/flowdb.v1.KVService/Put`]);
  assert.equal(JSON.parse(badJson.body).code, 'invalid_argument');
  // Invalid range.
  const range = await curl([...json, '-d', '{"start":"Yg==","end":"YQ=="}', `${srv.baseUrl}/flowdb.v1.KVService/DeleteRange`]);
  assert.equal(JSON.parse(range.body).code, 'invalid_argument');
  assert.match(range.body, /ERROR_REASON_INVALID_RANGE/);
  // Unknown method.
  const unknown = await curl([...json, '-d', '{}', `${srv.baseUrl}/flowdb.v1.KVService/Nope`]);
  assert.equal(unknown.status, 404);
  assert.equal(JSON.parse(unknown.body).code, 'unimplemented');
  await ok();
  // Oversize (server max message 1 MiB) over gRPC and Connect.
  for (const protocol of ['grpc', 'connect'] as const) {
    const db = new FlowClient({ baseUrl: srv.baseUrl, protocol, writeMaxBytes: 8 << 20 });
    await assert.rejects(db.put('big', new Uint8Array(2 << 20)), (e: FlowClientError) => e.code === Code.ResourceExhausted);
  }
  const db = new FlowClient({ baseUrl: srv.baseUrl });
  await assert.rejects(db.put('big', new Uint8Array(1000 << 10)), (e: FlowClientError) => e.code === Code.ResourceExhausted && e.reason === 'ERROR_REASON_VALUE_TOO_LARGE');
  await assert.rejects(db.count({ tsFrom: 2, tsTo: 1 }), (e: FlowClientError) => e.reason === 'ERROR_REASON_INVALID_RANGE');
  // A raw garbage gRPC frame.
  const kv = grpcJsClient(KVService, srv.addr);
  try {
    const raw = new grpc.Client(srv.addr, grpc.credentials.createInsecure());
    await assert.rejects(
      new Promise((resolve, reject) =>
        raw.makeUnaryRequest('/flowdb.v1.KVService/Put', (b: Buffer) => b, (b: Buffer) => b, Buffer.from([0xff, 0xff, 0xff]), (err, res) => (err ? reject(err) : resolve(res)))),
      (e: grpc.ServiceError) =>
        e.code === grpc.status.INVALID_ARGUMENT && /parse binary/.test(e.details) && e.metadata.get('grpc-status-details-bin').length === 1,
    );
    raw.close();
    assert.equal((await unary<{ found: boolean }>(kv, 'get', { key: new TextEncoder().encode('curl') })).found, true);
  } finally {
    kv.close();
  }
  await ok();
});

test('bearer token: missing/wrong → UNAUTHENTICATED, health stays open; unix socket', async () => {
  const d = tmp();
  dirs.push(d);
  const sock = join(d, 'flowdb.sock');
  const s = await spawnServer(d + '/data', [`--listen=127.0.0.1:0,unix:${sock}`], { FLOWDB_TOKEN: 's3cret' });
  try {
    assert.ok(existsSync(sock));
    await assert.rejects(new FlowClient({ baseUrl: s.baseUrl, token: '' }).get('k'), (e: FlowClientError) => e.code === Code.Unauthenticated && e.reason === 'ERROR_REASON_UNAUTHENTICATED');
    await assert.rejects(new FlowClient({ baseUrl: s.baseUrl, token: 'wrong' }).get('k'), (e: FlowClientError) => e.code === Code.Unauthenticated);
    assert.equal(await new FlowClient({ baseUrl: s.baseUrl, token: '' }).checkHealth(), 1);
    const good = new FlowClient({ baseUrl: 'http://localhost', unixSocket: sock, token: 's3cret' });
    await good.put('k', 'v');
    assert.equal(dec.decode((await good.get('k'))?.value), 'v');
    assert.equal((await curl(['--http1.1', `${s.baseUrl}/metrics`])).status, 401);
    assert.equal((await curl(['--http1.1', '-H', 'authorization: Bearer s3cret', `${s.baseUrl}/metrics`])).status, 200);
  } finally {
    assert.equal(await s.stop(), 0);
  }
});

test('Watch sees flush events caused by another client\'s writes', async () => {
  const watcher = new FlowClient({ baseUrl: srv.baseUrl });
  const writer = new FlowClient({ baseUrl: srv.baseUrl });
  const ac = new AbortController();
  const seen = (async () => {
    for await (const ev of watcher.watch({ types: [EventType.FLUSH_STARTED, EventType.FLUSH_FINISHED], signal: ac.signal, timeoutMs: 20_000 })) {
      if (ev.event.case === 'flushFinished') return ev.event.value;
    }
    return undefined;
  })();
  await new Promise((r) => setTimeout(r, 200)); // let the watch start
  const big = new Uint8Array(1024).fill(7);
  for (let i = 0; i < 200; i++) await writer.put(`flush/${i}`, big); // memtable is 64 KiB
  const ev = await seen;
  ac.abort();
  assert.ok(ev !== undefined && ev.records > 0n);
});

test('restart keeps the data', async () => {
  const d = tmp();
  dirs.push(d);
  let s = await spawnServer(d);
  let db = new FlowClient({ baseUrl: s.baseUrl });
  await db.put('persist', 'yes');
  await db.batch([{ put: { key: 'persist2', value: 'too' } }]);
  assert.equal(await s.stop(), 0);
  s = await spawnServer(d);
  db = new FlowClient({ baseUrl: s.baseUrl });
  assert.equal(dec.decode((await db.get('persist'))?.value), 'yes');
  assert.equal(dec.decode((await db.get('persist2'))?.value), 'too');
  assert.equal(await s.stop(), 0);
});

test('SIGTERM under write load: exit 0, NOT_SERVING, streams end UNAVAILABLE, no acknowledged write lost', async () => {
  const d = tmp();
  dirs.push(d);
  let s = await spawnServer(d, ['--sync=always', '--log-level=info']);
  const db = new FlowClient({ baseUrl: s.baseUrl, timeoutMs: 10_000 });
  const acked: string[] = [];
  const ingested: string[] = [];
  let stop = false;
  const writers = Array.from({ length: 8 }, async (_, w) => {
    for (let i = 0; !stop && i < 100_000; i++) {
      try {
        await db.put(`load/${w}/${i}`, 'v');
        acked.push(`load/${w}/${i}`);
      } catch (e) {
        assert.ok(e instanceof FlowClientError && e.code === Code.Unavailable, String(e));
        return;
      }
    }
  });
  const ingester = (async () => {
    try {
      let n = 0;
      const batches = (function* () {
        for (let b = 0; b < 100_000 && !stop; b++) yield Array.from({ length: 10 }, (_, i) => ({ key: `ing/${b}/${i}`, value: 'p', ts: 1 }));
      })();
      for await (const a of db.ingest(batches, { maxInFlight: 4 })) {
        for (let i = 0; i < 10; i++) ingested.push(`ing/${a.batchId - 1}/${i}`);
        n++;
      }
      return n;
    } catch (e) {
      assert.ok(e instanceof FlowClientError && e.code === Code.Unavailable, String(e));
      return -1;
    }
  })();
  const feed = (async () => {
    try {
      for await (const _ of db.watchChanges({ progressIntervalMs: 100 })) void _;
      return 'ended';
    } catch (e) {
      return e instanceof FlowClientError ? e.reason : String(e);
    }
  })();
  const healthSeen = (async () => {
    const statuses: number[] = [];
    try {
      for await (const h of db.health.watch({ service: '' })) statuses.push(h.status);
    } catch {
      // the connection goes away at the end of the drain
    }
    return statuses;
  })();
  await new Promise((r) => setTimeout(r, 700));
  assert.ok(acked.length > 0, 'writers made progress');
  const t0 = Date.now();
  const code = await s.stop('SIGTERM');
  if (process.env['FLOWDB_TEST_DEBUG']) console.error(s.stderr());
  stop = true;
  assert.equal(code, 0, s.stderr());
  assert.ok(Date.now() - t0 < 12_000);
  await Promise.all(writers);
  await ingester;
  assert.equal(await feed, 'ERROR_REASON_SHUTTING_DOWN');
  assert.deepEqual(await healthSeen, [1, 2], 'health Watch: SERVING then NOT_SERVING');
  s = await spawnServer(d);
  const db2 = new FlowClient({ baseUrl: s.baseUrl });
  const all = [...acked, ...ingested];
  for (let i = 0; i < all.length; i += 500) {
    const res = await db2.batchGet(all.slice(i, i + 500).map((k) => k), {});
    res.forEach((r, j) => assert.ok(r !== undefined && !(r instanceof FlowClientError), `lost acknowledged write ${all[i + j]}`));
  }
  assert.equal(await s.stop(), 0);
});
