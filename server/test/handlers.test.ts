/** Handler tests without sockets: createRouterTransport + the real engine in a temp dir. */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Code, ConnectError, createRouterTransport } from '@connectrpc/connect';
import { openEngine, type Engine } from '@flowdb/engine';
import { FlowClient, FlowClientError, Durability, ChangeType } from '@flowdb/client';
import { loadConfig } from '../src/config.ts';
import { Deps } from '../src/deps.ts';
import { HealthState } from '../src/health.ts';
import { routes, createReflector, API_SERVICES } from '../src/server.ts';
import { interceptors } from '../src/interceptors.ts';
import { Metrics } from '../src/metrics.ts';
import { silentLogger } from '../src/log.ts';
import { ENGINE_ERRORS, toConnectError } from '../src/errors.ts';
import { ErrorReason } from '../src/gen/flowdb/v1/errors_pb.ts';

const dec = new TextDecoder();
let dir: string;
let engine: Engine;
let deps: Deps;
let db: FlowClient;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'flowdb-handlers-'));
  engine = await openEngine(dir, { sync: { mode: 'none' } });
  const config = loadConfig(['--change-retention=50', '--max-batch-keys=10', '--max-value-bytes=1000', '--max-in-flight=2'], {});
  deps = new Deps(engine, config, silentLogger);
  const health = new HealthState(API_SERVICES.map((s) => s.typeName));
  const tracker = { unary: 0, streams: 0, onIdle: new Set<() => void>() };
  const transport = createRouterTransport(routes(deps, health, createReflector()), {
    router: { interceptors: interceptors({ token: undefined, draining: () => deps.draining, metrics: new Metrics(), tracker, log: silentLogger }) },
  });
  db = new FlowClient({ transport });
});
after(async () => {
  await engine.close();
  rmSync(dir, { recursive: true, force: true });
});

async function rejects(p: Promise<unknown>, code: Code, reason: string): Promise<FlowClientError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof FlowClientError, `expected FlowClientError, got ${String(e)}`);
    assert.equal(e.code, code, `code ${e.codeName}: ${e.message}`);
    assert.equal(e.reason, reason);
    return e;
  }
  assert.fail('expected a rejection');
}

test('put/get, not-found in band, prev value, ttl', async () => {
  assert.equal(await db.get('nope'), undefined);
  const c1 = await db.put('a', 'one');
  assert.ok(c1.seq > 0);
  const c2 = await db.put('a', 'two', { prevKv: true, ttlMs: 60_000 });
  assert.equal(dec.decode(c2.prev?.value), 'one');
  const r = await db.get('a');
  assert.equal(dec.decode(r?.value), 'two');
  assert.equal(r?.seq, c2.seq);
  assert.ok(r?.expireAt !== undefined && r.expireAt > Date.now() * 1000);
  const exact = await db.get('a', { ts: c1.seq === r.seq ? 0 : (await db.get('a'))!.ts });
  assert.equal(dec.decode(exact?.value), 'two');
});

test('compare-and-swap on version and if-absent', async () => {
  const c = await db.put('cas', 'v1', { ifAbsent: true });
  const e = await rejects(db.put('cas', 'v2', { ifAbsent: true }), Code.Aborted, 'ERROR_REASON_CONDITION_FAILED');
  assert.equal(e.metadata['actual_version'], String(c.seq));
  await rejects(db.put('cas', 'v2', { expectedVersion: c.seq + 1000 }), Code.Aborted, 'ERROR_REASON_CONDITION_FAILED');
  const c2 = await db.put('cas', 'v2', { expectedVersion: c.seq });
  assert.equal(dec.decode((await db.get('cas'))?.value), 'v2');
  await rejects(db.delete('cas', { expectedVersion: c.seq }), Code.Aborted, 'ERROR_REASON_CONDITION_FAILED');
  await db.delete('cas', { expectedVersion: c2.seq });
  assert.equal(await db.get('cas'), undefined);
});

test('concurrent CAS increments: exactly one winner per version', async () => {
  await db.put('ctr', '0');
  const attempt = async () => {
    for (let i = 0; i < 50; i++) {
      const cur = await db.get('ctr');
      try {
        await db.put('ctr', String(Number(dec.decode(cur!.value)) + 1), { expectedVersion: cur!.seq });
        return;
      } catch (e) {
        if (!(e instanceof FlowClientError) || e.reason !== 'ERROR_REASON_CONDITION_FAILED') throw e;
      }
    }
    throw new Error('too many retries');
  };
  await Promise.all(Array.from({ length: 8 }, attempt));
  assert.equal(dec.decode((await db.get('ctr'))?.value), '8');
});

test('validation errors carry reasons', async () => {
  await rejects(db.put('', 'x'), Code.InvalidArgument, 'ERROR_REASON_EMPTY_KEY');
  await rejects(db.put('k', new Uint8Array(1001)), Code.ResourceExhausted, 'ERROR_REASON_VALUE_TOO_LARGE');
  await rejects(db.put('k', 'x', { ttlMs: -1 }), Code.InvalidArgument, 'ERROR_REASON_INVALID_ARGUMENT');
  await rejects(db.deleteRange({ start: 'b', end: 'a' }), Code.InvalidArgument, 'ERROR_REASON_INVALID_RANGE');
  await rejects(db.count({ start: 'z', end: 'a' }), Code.InvalidArgument, 'ERROR_REASON_INVALID_RANGE');
  await rejects(db.count({ tsFrom: 10, tsTo: 5 }), Code.InvalidArgument, 'ERROR_REASON_INVALID_RANGE');
  await rejects(db.count({ continuationToken: '!!!' }), Code.InvalidArgument, 'ERROR_REASON_INVALID_TOKEN');
  await rejects(db.batchGet(Array.from({ length: 11 }, (_, i) => `k${i}`)), Code.ResourceExhausted, 'ERROR_REASON_TOO_MANY_ITEMS');
});

test('batchGet: per-item results and errors', async () => {
  await db.put('bg1', 'x');
  const res = await db.batchGet(['bg1', 'bg-missing', '']);
  assert.equal(dec.decode((res[0] as { value: Uint8Array }).value), 'x');
  assert.equal(res[1], undefined);
  assert.ok(res[2] instanceof FlowClientError);
  assert.equal((res[2] as FlowClientError).reason, 'ERROR_REASON_EMPTY_KEY');
});

test('scan: prefix, range, reverse, limit + continuation, keys/count only, time range', async () => {
  for (let i = 0; i < 600; i++) await db.put(`s/${String(i).padStart(4, '0')}`, `v${i}`, { ts: 1000 + i });
  const all = [];
  for await (const r of db.scanPrefix('s/')) all.push(dec.decode(r.key));
  assert.equal(all.length, 600);
  assert.deepEqual(all.slice(0, 2), ['s/0000', 's/0001']);
  const rev = [];
  for await (const r of db.scan({ prefix: 's/', reverse: true, limit: 3 })) rev.push(dec.decode(r.key));
  assert.deepEqual(rev, ['s/0599', 's/0598', 's/0597']);
  const range = [];
  for await (const r of db.scan({ start: 's/0010', end: 's/0013' })) range.push(dec.decode(r.key));
  assert.deepEqual(range, ['s/0010', 's/0011', 's/0012']);
  assert.equal(await db.count({ prefix: 's/' }), 600);
  assert.equal(await db.count({ prefix: 's/', tsFrom: 1100, tsTo: 1199 }), 100);
  for await (const r of db.scan({ prefix: 's/', keysOnly: true, limit: 1 })) assert.equal(r.value.length, 0);
  // Pages of 250 via continuation tokens, forward and reverse.
  for (const reverse of [false, true]) {
    const seen: string[] = [];
    let token = '';
    for (let page = 0; page < 10; page++) {
      let more = false;
      let last = '';
      for await (const r of db.scan({ prefix: 's/', limit: 250, reverse, continuationToken: token }, (t, m) => {
        last = t;
        more = m;
      })) seen.push(dec.decode(r.key));
      token = last;
      if (!more) break;
    }
    assert.equal(seen.length, 600);
    assert.equal(new Set(seen).size, 600);
    assert.equal(seen[0], reverse ? 's/0599' : 's/0000');
  }
});

test('deleteRange by prefix and range, with count', async () => {
  for (let i = 0; i < 5; i++) await db.put(`dr/${i}`, 'x');
  const r = await db.deleteRange({ start: 'dr/0', end: 'dr/2', returnCount: true });
  assert.equal(r.deleted, 2);
  const r2 = await db.deleteRange({ prefix: 'dr/', returnCount: true });
  assert.equal(r2.deleted, 3);
  assert.equal(await db.count({ prefix: 'dr/' }), 0);
});

test('batch: atomic, conditions abort everything', async () => {
  const c = await db.batch([{ put: { key: 'b1', value: '1' } }, { put: { key: 'b2', value: '2' } }, { delete: { key: 'a' } }]);
  assert.equal(c.seq - c.firstSeq, 2);
  await rejects(db.batch([{ put: { key: 'b3', value: '3' } }, { put: { key: 'b1', value: 'x', ifAbsent: true } }]), Code.Aborted, 'ERROR_REASON_CONDITION_FAILED');
  assert.equal(await db.get('b3'), undefined);
  assert.equal(dec.decode((await db.get('b1'))?.value), '1');
  const c2 = await db.batch([{ put: { key: 'b1', value: 'y', prevKv: true } }]);
  assert.equal(dec.decode(c2.prevs[0]?.value), '1');
});

test('ingest: acks every batch with seq; overload is retried by the helper', async () => {
  const batches = Array.from({ length: 40 }, (_, b) => Array.from({ length: 50 }, (_, i) => ({ key: `ing/${b}`, ts: 1 + i, value: `p${i}` })));
  const acks = [];
  // maxInFlight 8 on the client vs 2 on the server: the server rejects some, the helper resends.
  for await (const a of db.ingest(batches, { maxInFlight: 8, durability: Durability.SYNCED })) acks.push(a);
  assert.equal(acks.length, 40);
  assert.ok(acks.every((a) => a.records === 50 && a.seq > 0 && a.durability === Durability.SYNCED));
  assert.equal(await db.count({ prefix: 'ing/' }), 2000);
});

test('ingest: invalid batch fails the helper with the reason', async () => {
  await rejects((async () => {
    for await (const _ of db.ingest([[{ key: '', value: 'x' }]])) void _;
  })(), Code.InvalidArgument, 'ERROR_REASON_EMPTY_KEY');
});

test('watchChanges: replay from seq, prefix filter, progress, OUT_OF_RANGE when compacted', async () => {
  const first = await db.put('w/1', 'a');
  await db.put('other', 'b');
  await db.delete('w/1');
  const ac = new AbortController();
  const got = [];
  let progress = false;
  for await (const r of db.watchChanges({ prefix: 'w/', startSeq: first.seq, progressIntervalMs: 100, signal: ac.signal })) {
    if (r.progress) {
      progress = true;
      break;
    }
    got.push(...r.changes);
  }
  ac.abort();
  assert.ok(progress);
  assert.deepEqual(got.map((c) => [c.type, dec.decode(c.key)]), [[ChangeType.PUT, 'w/1'], [ChangeType.DELETE, 'w/1']]);
  // Retention is 50 changes: writing 60 more makes first.seq unresumable.
  await db.batch(Array.from({ length: 60 }, (_, i) => ({ put: { key: `fill/${i}`, value: 'x' } })));
  const e = await rejects((async () => {
    for await (const _ of db.watchChanges({ startSeq: first.seq })) void _;
  })(), Code.OutOfRange, 'ERROR_REASON_SEQ_COMPACTED');
  assert.ok(Number(e.metadata['oldest_seq']) > first.seq);
});

test('stats: every engine stat is present', async () => {
  const s = await db.getStats();
  assert.ok(s !== undefined && s.lastSeq > 0n);
  for (const k of Object.keys(engine.stats())) {
    const pk = k === 'lastFlushAt' || k === 'lastCompactionAt' || k === 'lastGcAt' ? k + 'Us' : k;
    assert.ok(pk in s, `missing stat ${k}`);
  }
  const it = db.watchStats({ intervalMs: 100 });
  assert.ok((await it.next()).value !== undefined);
  assert.ok((await it.next()).value !== undefined);
  await it.return(undefined);
});

test('error table: every engine code maps to a known ErrorReason; unknown → INTERNAL', () => {
  for (const [code, m] of Object.entries(ENGINE_ERRORS)) {
    assert.ok(m.reason.replace('ERROR_REASON_', '') in ErrorReason, `${code} → ${m.reason}`);
  }
  const e = toConnectError(Object.assign(new Error('disk full'), { name: 'FlowError', code: 'NO_SPACE' }));
  assert.equal(e.code, Code.ResourceExhausted);
  assert.equal(FlowClientError.from(e).reason, 'ERROR_REASON_NO_SPACE');
  assert.equal(toConnectError(new Error('boom')).code, Code.Internal);
  assert.ok(toConnectError(new ConnectError('x', Code.NotFound)).code === Code.NotFound);
});
