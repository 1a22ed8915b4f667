/** The DocumentService handler suite, run against each IndexedDB backend (documents*.test.ts). */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Code, DocKeyRange, FlowClientError, type DocumentDatabase, type DocumentClient, type WatchEvent } from '@flowdb/client';
import type { IdbBackend } from '../src/documents/idb.ts';
import { docFixture, rejects, type DocFixture } from './documents-fixture.ts';

type Backend = (dir: string) => Promise<IdbBackend & { close?(): Promise<void> }>;

const SCHEMA = [
  { name: 'users', keyPath: 'id', indexes: [{ name: 'email', keyPath: 'email', unique: true }, { name: 'age', keyPath: 'age' }, { name: 'tags', keyPath: 'tags', multiEntry: true }] },
  { name: 'notes', autoIncrement: true },
  { name: 'events', keyPath: 'id', autoIncrement: true },
  { name: 'kv' },
];

export function documentSuite(label: string, backend: Backend): void {
  let fx: DocFixture;
  let docs: DocumentClient;
  let app: DocumentDatabase;

  before(async () => {
    fx = await docFixture(backend, ['--change-retention=20', '--max-value-bytes=2000', '--max-batch-ops=50']);
    docs = fx.client.documents;
    app = docs.database('app');
    const s = await docs.applySchema('app', SCHEMA);
    assert.equal(s.changed, true);
  });
  after(() => fx.close());

  test(`${label}: schema is idempotent, described, listed; conflicts and bad definitions are refused`, async () => {
    const again = await docs.applySchema('app', SCHEMA);
    assert.equal(again.changed, false);
    const s = await docs.getSchema('app');
    assert.equal(s.version, again.version);
    assert.deepEqual(s.stores.map((x) => x.name), ['events', 'kv', 'notes', 'users']);
    const users = s.stores.find((x) => x.name === 'users');
    assert.deepEqual(users?.indexes.map((i) => [i.name, i.keyPath, i.unique, i.multiEntry]), [
      ['age', 'age', false, false], ['email', 'email', true, false], ['tags', 'tags', false, true],
    ]);
    assert.equal(s.stores.find((x) => x.name === 'events')?.autoIncrement, true);
    // Adding an index bumps the version; a different definition conflicts and changes nothing.
    const added = await docs.applySchema('app', [{ name: 'users', keyPath: 'id', indexes: [{ name: 'name', keyPath: 'name' }] }]);
    assert.equal(added.changed, true);
    assert.equal(added.version, s.version + 1);
    await rejects(docs.applySchema('app', [{ name: 'users', keyPath: 'other' }]), Code.FailedPrecondition, 'ERROR_REASON_SCHEMA_CONFLICT', { store: 'users' });
    await rejects(docs.applySchema('app', [{ name: 'users', keyPath: 'id', indexes: [{ name: 'email', keyPath: 'email' }] }]), Code.FailedPrecondition, 'ERROR_REASON_SCHEMA_CONFLICT', { index: 'email' });
    await rejects(docs.applySchema('app', [{ name: 'bad', keyPath: 'not a path' }]), Code.InvalidArgument, 'ERROR_REASON_INVALID_ARGUMENT');
    await rejects(docs.applySchema('app', [{ name: 'bad', keyPath: ['a', 'b'], autoIncrement: true }]), Code.InvalidArgument, 'ERROR_REASON_INVALID_ARGUMENT');
    await rejects(docs.applySchema('app', [{ name: 'x', indexes: [{ name: 'm', keyPath: ['a', 'b'], multiEntry: true }] }]), Code.InvalidArgument, 'ERROR_REASON_INVALID_ARGUMENT');
    assert.equal((await docs.getSchema('app')).version, added.version, 'failed upgrades change nothing');
    assert.equal((await docs.getSchema('app')).stores.some((x) => x.name === 'bad' || x.name === 'x'), false);
    // A new database that fails its first upgrade is not created.
    await rejects(docs.applySchema('ghost', [{ name: 'g', keyPath: '1bad' }]), Code.InvalidArgument, 'ERROR_REASON_INVALID_ARGUMENT');
    await rejects(docs.getSchema('ghost'), Code.NotFound, 'ERROR_REASON_NOT_FOUND', { database: 'ghost' });
    // delete_stores; ListDatabases; DeleteDatabase.
    await docs.applySchema('scratch', [{ name: 'a' }, { name: 'b' }]);
    const after = await docs.applySchema('scratch', [], { deleteStores: ['a', 'missing'] });
    assert.deepEqual(after.stores.map((x) => x.name), ['b']);
    assert.deepEqual((await docs.listDatabases()).map((d) => d.name), ['app', 'scratch']);
    await docs.deleteDatabase('scratch');
    await docs.deleteDatabase('scratch');
    assert.deepEqual((await docs.listDatabases()).map((d) => d.name), ['app']);
  });

  test(`${label}: put/add/get with in-line, out-of-line and generated keys; every key type round-trips`, async () => {
    assert.equal(await app.put('users', { id: 1, email: 'a@x', age: 30, tags: ['x', 'y'], nested: { ok: true, n: null } }), 1);
    assert.deepEqual(await app.get('users', 1), { id: 1, email: 'a@x', age: 30, tags: ['x', 'y'], nested: { ok: true, n: null } });
    assert.equal(await app.get('users', 2), undefined);
    const k1 = await app.add('notes', 'first');
    const k2 = await app.add('notes', { text: 'second' });
    assert.deepEqual([k1, k2], [1, 2]);
    assert.equal(await app.get('notes', 1), 'first');
    const ek = await app.put('events', { what: 'boot' });
    assert.deepEqual(await app.get('events', ek), { what: 'boot', id: ek }, 'generated in-line key is injected');
    const keys = [7.5, -Infinity, 'str', new Date(1_700_000_000_000), new Uint8Array([0, 255, 3]), [1, 'a', [new Uint8Array([9])]]];
    for (const k of keys) {
      assert.deepEqual(await app.put('kv', { k: String(k) }, k), k);
      assert.deepEqual(await app.get('kv', k), { k: String(k) });
    }
    const all = await app.getAll('kv', { keysOnly: true });
    assert.deepEqual(all.records.map((r) => r.primaryKey), [-Infinity, 7.5, new Date(1_700_000_000_000), 'str', new Uint8Array([0, 255, 3]), [1, 'a', [new Uint8Array([9])]]]);
    assert.equal(all.records[0]?.doc, undefined);
    // Index reads return the primary key.
    assert.deepEqual(await app.getRecord('users', 'a@x', { index: 'email' }), { doc: await app.get('users', 1), primaryKey: 1 });
    assert.deepEqual(await app.getRecord('users', 'y', { index: 'tags' }), { doc: await app.get('users', 1), primaryKey: 1 });
  });

  test(`${label}: constraint, key and range errors map to typed statuses`, async () => {
    await app.put('users', { id: 10, email: 'dup@x', age: 1 });
    await rejects(app.add('users', { id: 10, email: 'other@x' }), Code.AlreadyExists, 'ERROR_REASON_ALREADY_EXISTS');
    await rejects(app.put('users', { id: 11, email: 'dup@x' }), Code.AlreadyExists, 'ERROR_REASON_ALREADY_EXISTS');
    assert.equal(await app.get('users', 11), undefined);
    await rejects(app.put('kv', { a: 1 }), Code.InvalidArgument, 'ERROR_REASON_INVALID_KEY'); // out-of-line, no key
    await rejects(app.put('users', { id: 12 }, 12), Code.InvalidArgument, 'ERROR_REASON_INVALID_KEY'); // in-line store given a key
    await rejects(app.put('users', { noid: true }), Code.InvalidArgument, 'ERROR_REASON_INVALID_KEY');
    await rejects(app.put('kv', 1, NaN), Code.InvalidArgument, 'ERROR_REASON_INVALID_KEY', { field: 'key' });
    await rejects(app.get('kv', new Date(NaN)), Code.InvalidArgument, 'ERROR_REASON_INVALID_KEY');
    await rejects(app.delete('kv', DocKeyRange.bound(5, 1)), Code.InvalidArgument, 'ERROR_REASON_INVALID_RANGE', { field: 'range' });
    await rejects(app.count('kv', { range: DocKeyRange.bound(1, 1, true) }), Code.InvalidArgument, 'ERROR_REASON_INVALID_RANGE');
    await rejects(app.get('nope', 1), Code.NotFound, 'ERROR_REASON_NOT_FOUND', { store: 'nope', database: 'app' });
    await rejects(app.get('users', 1, { index: 'nope' }), Code.NotFound, 'ERROR_REASON_NOT_FOUND', { index: 'nope' });
    await rejects(docs.database('missing').put('kv', 1, 1), Code.NotFound, 'ERROR_REASON_NOT_FOUND', { database: 'missing' });
    for (const bad of ['', '../etc', '.hidden', 'a/b', 'x'.repeat(129), 'sp ace', 'ü']) {
      await rejects(docs.database(bad).get('kv', 1), Code.InvalidArgument, 'ERROR_REASON_INVALID_ARGUMENT', { field: 'database' });
    }
    await rejects(app.get('bad/store', 1), Code.InvalidArgument, 'ERROR_REASON_INVALID_ARGUMENT', { field: 'store' });
    await rejects(app.put('kv', 'x'.repeat(3000), 'big'), Code.ResourceExhausted, 'ERROR_REASON_VALUE_TOO_LARGE', { limit: '2000' });
    // Raw proto: a key with no kind, a missing document.
    const rpc = docs.rpc;
    await rejects(wrapRaw(rpc.getDocument({ database: 'app', store: 'kv', key: {} })), Code.InvalidArgument, 'ERROR_REASON_INVALID_KEY');
    await rejects(wrapRaw(rpc.putDocument({ database: 'app', store: 'kv', key: { kind: { case: 'numberValue', value: 1 } } })), Code.InvalidArgument, 'ERROR_REASON_INVALID_ARGUMENT', { field: 'document' });
  });

  test(`${label}: delete by key and range, count, getAll limits`, async () => {
    await app.transact([{ clear: { store: 'kv' } }]);
    for (let i = 0; i < 10; i++) await app.put('kv', { i }, i);
    assert.equal(await app.count('kv'), 10);
    assert.equal(await app.count('kv', { range: DocKeyRange.bound(2, 5, false, true) }), 3);
    assert.equal(await app.delete('kv', 3), 1);
    assert.equal(await app.delete('kv', 3), 0);
    assert.equal(await app.delete('kv', DocKeyRange.lowerBound(7)), 3);
    assert.equal(await app.count('kv'), 6);
    const page = await app.getAll('kv', { limit: 4 });
    assert.deepEqual(page.records.map((r) => r.primaryKey), [0, 1, 2, 4]);
    assert.equal(page.more, true);
    assert.deepEqual((await app.getAll('kv', { limit: 6 })).more, false);
    assert.equal(await app.delete('kv', new DocKeyRange(undefined, undefined)), 6, 'an unbounded range deletes every record');
    assert.equal(await app.count('kv'), 0);
    await rejects(app.getAll('kv', { limit: 10_001 }), Code.InvalidArgument, 'ERROR_REASON_INVALID_ARGUMENT', { field: 'limit' });
  });

  test(`${label}: query pages through stores and indexes in every direction`, async () => {
    await docs.applySchema('q', [{ name: 'p', keyPath: 'id', indexes: [{ name: 'g', keyPath: 'g' }] }]);
    const q = docs.database('q');
    // 12 records, index key g = id % 3: each index key has 4 records.
    await q.transact(Array.from({ length: 12 }, (_, id) => ({ put: { store: 'p', doc: { id, g: id % 3 } } })));
    const ids = async (o: Parameters<DocumentDatabase['query']>[1]) => {
      const out: [unknown, unknown][] = [];
      for await (const r of q.query('p', o)) out.push([r.key, r.primaryKey]);
      return out;
    };
    const asc = Array.from({ length: 12 }, (_, i) => [i, i]);
    assert.deepEqual(await ids({ pageSize: 5 }), asc);
    assert.deepEqual(await ids({ pageSize: 5, direction: 'prev' }), [...asc].reverse());
    assert.deepEqual(await ids({ pageSize: 3, range: DocKeyRange.bound(2, 8, true, false) }), asc.slice(3, 9));
    const byG = [0, 1, 2].flatMap((g) => [0, 1, 2, 3].map((j) => [g, g + 3 * j]));
    for (const pageSize of [1, 3, 5, 100]) {
      assert.deepEqual(await ids({ index: 'g', pageSize }), byG, `index next, page ${pageSize}`);
      assert.deepEqual(await ids({ index: 'g', pageSize, direction: 'prev' }), [...byG].reverse(), `index prev, page ${pageSize}`);
      assert.deepEqual(await ids({ index: 'g', pageSize, direction: 'nextunique' }), [[0, 0], [1, 1], [2, 2]]);
      assert.deepEqual(await ids({ index: 'g', pageSize, direction: 'prevunique' }), [[2, 2], [1, 1], [0, 0]]);
    }
    const first = await q.queryPage('p', { index: 'g', pageSize: 2 });
    assert.notEqual(first.nextPageToken, '');
    await rejects(q.queryPage('p', { index: 'g', pageSize: 2, pageToken: first.nextPageToken, direction: 'prev' }), Code.InvalidArgument, 'ERROR_REASON_INVALID_TOKEN');
    await rejects(q.queryPage('p', { pageToken: 'garbage!' }), Code.InvalidArgument, 'ERROR_REASON_INVALID_TOKEN');
    const second = await q.queryPage('p', { index: 'g', pageSize: 10, pageToken: first.nextPageToken });
    assert.deepEqual(second.records.map((r) => r.primaryKey), [6, 9, 1, 4, 7, 10, 2, 5, 8, 11]);
    assert.equal(second.nextPageToken, '');
    const keysOnly = await q.queryPage('p', { pageSize: 1, keysOnly: true });
    assert.equal(keysOnly.records[0]?.doc, undefined);
  });

  test(`${label}: transact is all or nothing across stores`, async () => {
    await app.transact([{ clear: { store: 'kv' } }]);
    const ok = await app.transact([
      { put: { store: 'kv', doc: 'a', key: 'a' } },
      { add: { store: 'notes', doc: { t: 1 } } },
      { put: { store: 'kv', doc: 'b', key: 'b' } },
      { delete: { store: 'kv', key: 'a' } },
    ]);
    assert.equal(ok.results[0]?.key, 'a');
    assert.equal(typeof ok.results[1]?.key, 'number');
    assert.equal(ok.results[3]?.deleted, 1);
    assert.ok(ok.seq > 0);
    const notesBefore = await app.count('notes');
    const err = await rejects(
      app.transact([
        { put: { store: 'kv', doc: 'c', key: 'c' } },
        { add: { store: 'notes', doc: 'n' } },
        { delete: { store: 'kv', key: 'b' } },
        { add: { store: 'kv', doc: 'dup', key: 'c' } },
      ]),
      Code.AlreadyExists, 'ERROR_REASON_ALREADY_EXISTS', { op_index: '3' },
    );
    assert.ok(err.message.length > 0);
    assert.equal(await app.get('kv', 'c'), undefined, 'rolled back');
    assert.equal(await app.get('kv', 'b'), 'b', 'rolled back');
    assert.equal(await app.count('notes'), notesBefore, 'rolled back');
    await rejects(app.transact([{ put: { store: 'kv', doc: 1, key: 'z' } }, { put: { store: 'nope', doc: 1, key: 1 } }]), Code.NotFound, 'ERROR_REASON_NOT_FOUND', { store: 'nope' });
    await rejects(app.transact([{ put: { store: 'kv', doc: 1, key: 'z' } }, { put: { store: 'kv', doc: 1, key: NaN } }]), Code.InvalidArgument, 'ERROR_REASON_INVALID_KEY', { field: 'ops[1].put.key' });
    await rejects(app.transact([{ put: { store: 'kv', doc: 1, key: 'z' } }, { put: { store: 'kv', doc: 2 } }]), Code.InvalidArgument, 'ERROR_REASON_INVALID_KEY', { op_index: '1' });
    assert.equal(await app.get('kv', 'z'), undefined);
    await rejects(app.transact([]), Code.InvalidArgument, 'ERROR_REASON_INVALID_ARGUMENT');
    await rejects(app.transact(Array.from({ length: 51 }, (_, i) => ({ put: { store: 'kv', doc: i, key: i } }))), Code.ResourceExhausted, 'ERROR_REASON_TOO_MANY_ITEMS');
  });

  test(`${label}: concurrent writes while the schema changes all land, each with its own seq`, async () => {
    await docs.applySchema('conc', [{ name: 'c', keyPath: 'id' }]);
    const c = docs.database('conc');
    const writes = Array.from({ length: 40 }, (_, id) => c.put('c', { id, v: id % 4 }));
    const upgrade = docs.applySchema('conc', [{ name: 'c', keyPath: 'id', indexes: [{ name: 'v', keyPath: 'v' }] }, { name: 'd' }]);
    const more = Array.from({ length: 40 }, (_, i) => c.put('c', { id: 40 + i, v: i % 4 }));
    const [keys, schema, keys2] = await Promise.all([Promise.all(writes), upgrade, Promise.all(more)]);
    assert.equal(keys.length + keys2.length, 80);
    assert.equal(schema.changed, true);
    assert.equal(await c.count('c'), 80);
    assert.equal(await c.count('c', { index: 'v', range: DocKeyRange.only(0) }), 20, 'the new index covers every record');
    const seqs = await Promise.all(Array.from({ length: 20 }, (_, i) => c.transact([{ put: { store: 'd', doc: i, key: i } }])));
    assert.equal(new Set(seqs.map((r) => r.seq)).size, 20);
  });

  test(`${label}: databases created at the same time stay isolated`, async () => {
    const names = ['iso1', 'iso2', 'iso3'];
    await Promise.all(names.map((n) => docs.applySchema(n, [{ name: 's' }])));
    await Promise.all(names.map((n) => docs.database(n).put('s', `in ${n}`, 1)));
    for (const n of names) assert.deepEqual((await docs.database(n).getAll('s')).records.map((r) => r.doc), [`in ${n}`]);
    await Promise.all(names.map((n) => docs.deleteDatabase(n)));
  });

  test(`${label}: watch streams committed changes, filters stores, resumes, reports progress and lost positions`, async () => {
    await docs.applySchema('w', [{ name: 'a' }, { name: 'b', keyPath: 'id', autoIncrement: true }]);
    const w = docs.database('w');
    const ac = new AbortController();
    const got: WatchEvent[] = [];
    const stream = w.watch({ signal: ac.signal, stores: ['a', 'b'], progressIntervalMs: 100 });
    const first = await stream.next(); // progress: the stream is live from here
    assert.equal(first.value?.progress, true);
    const reading = (async () => {
      for await (const ev of stream) {
        got.push(ev);
        if (got.flatMap((e) => e.changes).length >= 5) break;
      }
    })();
    await app.put('kv', 'other database', 'x');
    await w.put('a', { v: 1 }, 'k1');
    const gen = await w.put('b', { v: 2 });
    const tx = await w.transact([{ delete: { store: 'a', key: DocKeyRange.bound('k0', 'k9') } }, { clear: { store: 'b' } }, { put: { store: 'a', doc: 3, key: 'k3' } }]);
    await reading;
    ac.abort();
    const changes = got.flatMap((e) => e.changes);
    assert.deepEqual(changes.map((c) => [c.type, c.store, c.key, c.doc]), [
      ['put', 'a', 'k1', { v: 1 }], ['put', 'b', gen, { v: 2, id: gen }], ['delete', 'a', 'k1', undefined], ['clear', 'b', undefined, undefined], ['put', 'a', 'k3', 3],
    ]);
    const seqs = changes.map((c) => c.seq);
    assert.deepEqual(seqs, [...seqs].sort((x, y) => x - y));
    assert.equal(changes[4]?.seq, tx.seq);
    assert.deepEqual(changes.slice(2).map((c) => c.commitSeq), [tx.seq, tx.seq, tx.seq]);
    // Resume from a retained seq replays; keysOnly drops documents; a store filter applies.
    const replay = w.watch({ startSeq: changes[1]?.seq ?? 0, stores: ['a'], keysOnly: true, progressIntervalMs: 100 });
    const ev = await replay.next();
    assert.equal(ev.done, false);
    assert.deepEqual((ev.value as WatchEvent).changes.map((c) => [c.type, c.key, c.doc]), [['delete', 'k1', undefined], ['put', 'k3', undefined]]);
    await replay.return(undefined);
    // Retention is 20 changes: push the old ones out, then resuming from them fails.
    await w.transact(Array.from({ length: 25 }, (_, i) => ({ put: { store: 'a', doc: i, key: i } })));
    const lost = w.watch({ startSeq: seqs[0] ?? 1 });
    const e = await rejects(lost.next(), Code.OutOfRange, 'ERROR_REASON_SEQ_COMPACTED');
    assert.ok(Number(e.metadata['oldest_seq']) > (seqs[0] ?? 0));
    await rejects(w.watch({ startSeq: Number(e.metadata['next_seq']) + 5 }).next(), Code.OutOfRange, 'ERROR_REASON_SEQ_COMPACTED');
    await rejects(w.watch({ progressIntervalMs: 5 }).next(), Code.InvalidArgument, 'ERROR_REASON_INVALID_ARGUMENT', { field: 'progress_interval_ms' });
  });
}

/** Runs a raw generated-client call through the client's error decoding. */
async function wrapRaw<T>(p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (e) {
    throw FlowClientError.from(e);
  }
}
