/**
 * The gRPC fast path (server/src/fastpath.ts) on a real socket with @grpc/grpc-js:
 * group commit under concurrent unary Puts, errors, limits, and the fallback to
 * Connect for compressed requests.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { fromBinary } from '@bufbuild/protobuf';
import { KVService } from '../src/gen/flowdb/v1/kv_service_pb.ts';
import { StatusSchema } from '../src/gen/google/rpc/status_pb.ts';
import { ErrorInfoSchema } from '../src/gen/google/rpc/error_details_pb.ts';
import { loadConfig } from '../src/config.ts';
import { startServer, type RunningServer } from '../src/server.ts';
import { silentLogger } from '../src/log.ts';
import { Durability } from '../src/gen/flowdb/v1/types_pb.ts';
import { grpcJsClient, unary } from './grpcjs.ts';

const enc = new TextEncoder();
let dir: string;
let srv: RunningServer;
let kv: grpc.Client & { [m: string]: Function };

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'flowdb-fast-'));
  const config = loadConfig([`--data-dir=${dir}`, '--listen=127.0.0.1:0', '--sync=always', '--max-recv-bytes=200000', '--max-key-bytes=1024', '--max-value-bytes=100000'], {});
  srv = await startServer(config, { log: silentLogger });
  kv = grpcJsClient(KVService, srv.addresses[0] as string);
});
after(async () => {
  kv.close();
  await srv.close();
  rmSync(dir, { recursive: true, force: true });
});

interface PutRes {
  header: { seq: bigint; durability: Durability };
}

/** Runs n concurrent Puts; returns engine batches and syncs they took. */
async function concurrentPuts(n: number, key: (i: number) => string): Promise<{ batches: number; syncs: number; res: PutRes[] }> {
  const s0 = srv.deps.engine.stats();
  const res = await Promise.all(Array.from({ length: n }, (_, i) => unary<PutRes>(kv, 'put', { key: enc.encode(key(i)), value: enc.encode(`v${i}`) })));
  const s1 = srv.deps.engine.stats();
  return { batches: s1.totalBatches - s0.totalBatches, syncs: s1.totalSyncs - s0.totalSyncs, res };
}

test('64 concurrent durable Puts share WAL syncs (group commit), distinct keys and one hot key', async () => {
  await unary(kv, 'put', { key: enc.encode('warm'), value: enc.encode('up') }); // connection up
  for (const [name, key] of [['distinct keys', (i: number) => `g/${i}`], ['one key', () => 'hot']] as const) {
    const { batches, syncs, res } = await concurrentPuts(64, key);
    assert.equal(batches, 64, name);
    assert.ok(syncs >= 1 && syncs <= 16, `${name}: 64 Puts took ${syncs} WAL syncs (want <= 16: one per commit group)`);
    assert.ok(res.every((r) => r.header.durability === Durability.SYNCED), name);
    assert.equal(new Set(res.map((r) => r.header.seq)).size, 64, `${name}: every Put has its own seq`);
  }
});

test('conditional Puts on one key still serialize: one winner per version', async () => {
  const first = await unary<PutRes>(kv, 'put', { key: enc.encode('cas'), value: enc.encode('0') });
  const tries = await Promise.allSettled(
    Array.from({ length: 16 }, (_, i) => unary(kv, 'put', { key: enc.encode('cas'), value: enc.encode(`${i}`), expectedVersion: first.header.seq })),
  );
  assert.equal(tries.filter((t) => t.status === 'fulfilled').length, 1);
  for (const t of tries) if (t.status === 'rejected') assert.equal((t.reason as grpc.ServiceError).code, grpc.status.ABORTED);
});

test('errors carry ErrorInfo; oversized messages and bad deadlines are refused; the server keeps serving', async () => {
  const reasonOf = (e: grpc.ServiceError) => {
    const bin = e.metadata.get('grpc-status-details-bin')[0] as Buffer;
    const st = fromBinary(StatusSchema, bin);
    const info = st.details.find((d) => d.typeUrl.endsWith('google.rpc.ErrorInfo'));
    return info === undefined ? undefined : fromBinary(ErrorInfoSchema, info.value).reason;
  };
  const empty = await unary(kv, 'get', { key: new Uint8Array(0) }).catch((e: grpc.ServiceError) => e);
  assert.ok(empty instanceof Error);
  assert.equal((empty as grpc.ServiceError).code, grpc.status.INVALID_ARGUMENT);
  assert.equal(reasonOf(empty as grpc.ServiceError), 'ERROR_REASON_EMPTY_KEY');

  const big = await unary(kv, 'put', { key: enc.encode('big'), value: new Uint8Array(250_000) }).catch((e: grpc.ServiceError) => e);
  assert.equal((big as grpc.ServiceError).code, grpc.status.RESOURCE_EXHAUSTED);
  assert.ok(reasonOf(big as grpc.ServiceError) !== undefined);

  const md = new grpc.Metadata();
  const bad = await new Promise<grpc.ServiceError | undefined>((resolve) => {
    // A deadline in the past: grpc-js fails it locally or the server answers DEADLINE_EXCEEDED.
    kv['get']({ key: enc.encode('x') }, md, { deadline: Date.now() - 1 }, (err: grpc.ServiceError | null) => resolve(err ?? undefined));
  });
  assert.equal(bad?.code, grpc.status.DEADLINE_EXCEEDED);

  const got = await unary<{ found: boolean; record?: { value: Uint8Array } }>(kv, 'get', { key: enc.encode('hot') });
  assert.ok(got.found);
});

test('a gzip-compressed request falls back to Connect and gets the same answer', async () => {
  const gz = grpcJsClient(KVService, srv.addresses[0] as string, { 'grpc.default_compression_algorithm': 2 });
  try {
    await unary(gz, 'put', { key: enc.encode('gz'), value: enc.encode('zipped'.repeat(100)) });
    const got = await unary<{ found: boolean; record: { value: Uint8Array } }>(gz, 'get', { key: enc.encode('gz') });
    assert.equal(new TextDecoder().decode(got.record.value), 'zipped'.repeat(100));
  } finally {
    gz.close();
  }
});

interface Ack {
  batchId: bigint;
  status: number;
  reason: string;
  records: number;
}

test('Ingest over the fast path: acks in order, bad batches rejected in band, data readable, header set', async () => {
  const call = (kv['ingest'] as Function).call(kv) as grpc.ClientDuplexStream<object, Ack>;
  const header = new Promise<grpc.Metadata>((r) => call.once('metadata', r));
  const acks: Ack[] = [];
  const ended = new Promise<void>((resolve, reject) => {
    call.on('data', (a: Ack) => acks.push(a));
    call.on('end', resolve);
    call.on('error', reject);
  });
  for (let b = 1; b <= 20; b++) {
    const points = Array.from({ length: 50 }, (_, i) => ({ key: enc.encode(`ing/${b}/${i}`), ts: BigInt(1000 + i), value: enc.encode(`p${i}`) }));
    if (b === 7) points[3] = { key: new Uint8Array(0), ts: 1n, value: enc.encode('x') };
    call.write({ batchId: BigInt(b), points });
  }
  call.end();
  await ended;
  assert.equal((await header).get('flowdb-max-in-flight').length, 1);
  assert.deepEqual(acks.map((a) => a.batchId), Array.from({ length: 20 }, (_, i) => BigInt(i + 1)));
  const bad = acks[6] as Ack;
  assert.equal(bad.status, grpc.status.INVALID_ARGUMENT);
  assert.equal(bad.reason, 'ERROR_REASON_EMPTY_KEY');
  assert.ok(acks.filter((a) => a !== bad).every((a) => a.status === 0 && a.records === 50));
  const got = await unary<{ found: boolean; record: { value: Uint8Array; ts: bigint } }>(kv, 'get', { key: enc.encode('ing/20/49') });
  assert.equal(got.record.ts, 1049n);
  const missing = await unary<{ found: boolean }>(kv, 'get', { key: enc.encode('ing/7/0') });
  assert.equal(missing.found, false, 'nothing of a rejected batch is written');
});

test('/metrics counts fast-path calls; a compressed call is not one', async () => {
  const calls = async () => {
    const text = await (await fetch(`http://${srv.addresses[0]}/metrics`)).text();
    return Number(/^flowdb_server_fast_path_calls (\d+)$/m.exec(text)?.[1]);
  };
  const before = await calls();
  await unary(kv, 'get', { key: enc.encode('hot') });
  assert.equal(await calls(), before + 1);
  const gz = grpcJsClient(KVService, srv.addresses[0] as string, { 'grpc.default_compression_algorithm': 2 });
  try {
    await unary(gz, 'put', { key: enc.encode('gz2'), value: enc.encode('z'.repeat(2000)) });
  } finally {
    gz.close();
  }
  assert.equal(await calls(), before + 1);
});
