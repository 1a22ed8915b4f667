/** Object stores: reads, writes, key paths, key generators, ranges, cloning (spec §4.5, §2.11). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_KEY_BYTES } from '@flowdb/engine';
import { IDBKeyRange, type IDBDatabase } from '../src/index.ts';
import { done, harness, type Harness, isDomError, open, result } from './support.ts';

async function withDb(upgrade: (db: IDBDatabase) => void, body: (db: IDBDatabase, h: Harness) => Promise<void>): Promise<void> {
  const h = await harness();
  const db = await open(h.factory, 'db', 1, (d) => upgrade(d));
  try { await body(db, h); } finally { db.close(); await h.close(); }
}

async function fill(db: IDBDatabase, store: string, entries: [unknown, unknown][]): Promise<void> {
  const tx = db.transaction(store, 'readwrite');
  for (const [k, v] of entries) tx.objectStore(store).put(v, k as IDBValidKey);
  await done(tx);
}

const ro = (db: IDBDatabase, name = 's') => db.transaction(name).objectStore(name);

test('numbers sort as numbers; 1 and "1" are different keys (reference bug §8.4 #24)', () => withDb((d) => { d.createObjectStore('s'); }, async (db) => {
  await fill(db, 's', [100, 9, 2, 11, 1, 10, 3].map((n) => [n, `n${n}`]));
  await fill(db, 's', [['1', 'string one'], [1, 'number one']]);
  assert.deepEqual(await result(ro(db).getAllKeys()), [1, 2, 3, 9, 10, 11, 100, '1']);
  assert.deepEqual(await result(ro(db).getAll(IDBKeyRange.bound(2, 10))), ['n2', 'n3', 'n9', 'n10']);
  assert.equal(await result(ro(db).get(1)), 'number one');
  assert.equal(await result(ro(db).get('1')), 'string one');
  assert.equal(await result(ro(db).count()), 8);
}));

test('key ranges: open and closed bounds exactly as asked (reference bugs §3.4)', () => withDb((d) => { d.createObjectStore('s'); }, async (db) => {
  await fill(db, 's', [1, 2, 3, 4, 5].map((n) => [n, n]));
  const cases: [IDBKeyRange, number[]][] = [
    [IDBKeyRange.bound(2, 4), [2, 3, 4]],
    [IDBKeyRange.bound(2, 4, true, false), [3, 4]],
    [IDBKeyRange.bound(2, 4, false, true), [2, 3]],
    [IDBKeyRange.bound(2, 4, true, true), [3]],
    [IDBKeyRange.lowerBound(4), [4, 5]],
    [IDBKeyRange.lowerBound(4, true), [5]],
    [IDBKeyRange.upperBound(2), [1, 2]],
    [IDBKeyRange.upperBound(2, true), [1]],
    [IDBKeyRange.only(3), [3]],
    [IDBKeyRange.bound(2.5, 3.5), [3]],
  ];
  for (const [range, want] of cases) {
    assert.deepEqual(await result(ro(db).getAllKeys(range)), want, `${range.lower}${range.lowerOpen ? '(' : '['} ${range.upper}${range.upperOpen ? ')' : ']'}`);
    assert.equal(await result(ro(db).count(range)), want.length);
  }
  assert.deepEqual(await result(ro(db).getAll(null, 2)), [1, 2]);
  const tx = db.transaction('s', 'readwrite');
  tx.objectStore('s').delete(IDBKeyRange.bound(2, 4, true, true));
  await done(tx);
  assert.deepEqual(await result(ro(db).getAllKeys()), [1, 2, 4, 5]);
}));

test('IDBKeyRange validates and includes() follows open/closed', () => {
  assert.throws(() => IDBKeyRange.bound(2, 1), isDomError('DataError'));
  assert.throws(() => IDBKeyRange.bound(1, 1, true, false), isDomError('DataError'));
  assert.throws(() => IDBKeyRange.only(NaN), isDomError('DataError'));
  assert.throws(() => IDBKeyRange.lowerBound({}), isDomError('DataError'));
  const r = IDBKeyRange.bound('a', 'c', true, false);
  assert.deepEqual(['a', 'b', 'c', 'd'].map((k) => r.includes(k)), [false, true, true, false]);
  assert.equal(IDBKeyRange.lowerBound(0).upper, undefined);
  assert.equal(IDBKeyRange.lowerBound(0).upperOpen, true);
  assert.equal(IDBKeyRange.only([1, 'x']).includes([1, 'x']), true);
  assert.throws(() => r.includes(undefined), isDomError('DataError'));
});

test('in-line keys: plain, dotted and compound key paths', () => withDb((d) => {
  d.createObjectStore('plain', { keyPath: 'id' });
  d.createObjectStore('dotted', { keyPath: 'a.b.c' });
  d.createObjectStore('compound', { keyPath: ['last', 'first'] });
}, async (db) => {
  const tx = db.transaction(['plain', 'dotted', 'compound'], 'readwrite');
  const k1 = tx.objectStore('plain').put({ id: 'x', v: 1 });
  const k2 = tx.objectStore('dotted').put({ a: { b: { c: 7 } } });
  const k3 = tx.objectStore('compound').put({ last: 'Doe', first: 'Jo' });
  const k4 = tx.objectStore('plain').put({ id: 'invalid' }); // string keys are never mistaken for sentinels
  assert.throws(() => tx.objectStore('plain').put({ v: 1 }), isDomError('DataError'), 'no key at the path');
  assert.throws(() => tx.objectStore('plain').put({ id: {} }), isDomError('DataError'), 'not a valid key');
  assert.throws(() => tx.objectStore('plain').put({ id: 1 }, 1), isDomError('DataError'), 'in-line keys take no key argument');
  await done(tx);
  assert.deepEqual([k1.result, k2.result, k3.result, k4.result], ['x', 7, ['Doe', 'Jo'], 'invalid']);
  assert.deepEqual(await result(ro(db, 'compound').get(['Doe', 'Jo'])), { last: 'Doe', first: 'Jo' });
  assert.deepEqual(await result(ro(db, 'dotted').getKey(IDBKeyRange.lowerBound(0))), 7);
}));

test('out-of-line keys without a generator need a key; invalid keys are DataError', () => withDb((d) => { d.createObjectStore('s'); }, async (db) => {
  const tx = db.transaction('s', 'readwrite');
  const s = tx.objectStore('s');
  assert.throws(() => s.put('v'), isDomError('DataError'));
  for (const bad of [NaN, new Date(NaN), [1, [NaN]], {}, null, true]) assert.throws(() => s.put('v', bad as IDBValidKey), isDomError('DataError'));
  assert.throws(() => s.get(undefined), isDomError('DataError'));
  assert.throws(() => s.delete(null), isDomError('DataError'));
  s.put('ok', [new Date(5), new Uint8Array([1, 2]), 'x', 3]);
  await done(tx);
  const keys = await result<unknown[]>(ro(db).getAllKeys());
  assert.equal(keys.length, 1);
  const k = keys[0] as [Date, ArrayBuffer, string, number];
  assert.ok(k[0] instanceof Date && k[0].getTime() === 5);
  assert.ok(k[1] instanceof ArrayBuffer);
  assert.deepEqual(new Uint8Array(k[1]), new Uint8Array([1, 2]));
}));

test('add() refuses an existing key with ConstraintError; put() overwrites', () => withDb((d) => { d.createObjectStore('s'); }, async (db) => {
  await fill(db, 's', [[1, 'a']]);
  const tx = db.transaction('s', 'readwrite');
  const r = tx.objectStore('s').add('b', 1);
  r.onerror = (e) => e.preventDefault();
  tx.objectStore('s').put('c', 1);
  await done(tx);
  assert.equal(r.error?.name, 'ConstraintError');
  assert.equal(await result(ro(db).get(1)), 'c');
}));

test('values are structured clones taken at put(); uncloneable values throw DataCloneError', () => withDb((d) => { d.createObjectStore('s'); }, async (db) => {
  const tx = db.transaction('s', 'readwrite');
  const s = tx.objectStore('s');
  const v = { when: new Date(1), re: /x/g, map: new Map([[1, 2]]), set: new Set(['a']), bytes: new Uint8Array([9]), big: 10n, nested: { arr: [1, , 3] } };
  s.put(v, 1);
  v.nested.arr[0] = 99; // changes after put() are not stored
  assert.throws(() => s.put({ f: () => 1 }, 2), isDomError('DataCloneError'));
  assert.throws(() => s.put(Symbol('x'), 3), isDomError('DataCloneError'));
  assert.throws(() => s.put({ shared: new SharedArrayBuffer(4) }, 4), isDomError('DataCloneError'), 'not storable');
  s.put({ deep: [new Map([[1, new Blob(['x'])]])] }, 5); // Blobs are stored with their bytes (blob-values.test.ts)
  await done(tx);
  const got = await result<typeof v>(ro(db).get(1));
  assert.ok(got.when instanceof Date && got.when.getTime() === 1);
  assert.ok(got.re instanceof RegExp && got.re.flags === 'g');
  assert.deepEqual([...got.map], [[1, 2]]);
  assert.deepEqual([...got.set], ['a']);
  assert.ok(got.bytes instanceof Uint8Array);
  assert.equal(got.big, 10n);
  assert.equal(got.nested.arr[0], 1);
  assert.equal(1 in got.nested.arr, false, 'holes survive');
  const deep = await result<{ deep: [Map<number, Blob>] }>(ro(db).get(5));
  assert.equal(await deep.deep[0].get(1)?.text(), 'x');
}));

test('key generator: starts at 1, follows larger explicit numeric keys, injects at the key path', () => withDb((d) => {
  d.createObjectStore('out', { autoIncrement: true });
  d.createObjectStore('in', { keyPath: 'a.id', autoIncrement: true });
}, async (db) => {
  const tx = db.transaction(['out', 'in'], 'readwrite');
  const out = tx.objectStore('out');
  const keys = [out.add('x'), out.add('y', 10), out.add('z'), out.add('w', 5.5), out.add('v'), out.add('s', 'str'), out.add('u')];
  const inl = tx.objectStore('in');
  const i1 = inl.put({ a: {} });
  const i2 = inl.put({ name: 'no a yet' });
  assert.throws(() => inl.put({ a: 5 }), isDomError('DataError'), 'cannot inject into a number');
  await done(tx);
  assert.deepEqual(keys.map((r) => r.result), [1, 10, 11, 5.5, 12, 'str', 13]);
  assert.deepEqual([i1.result, i2.result], [1, 2]);
  assert.deepEqual(await result(ro(db, 'in').get(2)), { name: 'no a yet', a: { id: 2 } });
}));

test('key generator: an aborted transaction reverts it; it persists across reopen', async () => {
  const h = await harness();
  let db = await open(h.factory, 'db', 1, (d) => { d.createObjectStore('s', { autoIncrement: true }); });
  const t1 = db.transaction('s', 'readwrite');
  t1.objectStore('s').add('a');
  t1.objectStore('s').add('b');
  await done(t1);
  const t2 = db.transaction('s', 'readwrite');
  const r = t2.objectStore('s').add('c');
  r.onsuccess = () => t2.abort();
  await assert.rejects(done(t2));
  db.close();
  await h.reopen();
  db = await open(h.factory, 'db');
  const t3 = db.transaction('s', 'readwrite');
  const k = t3.objectStore('s').add('d');
  await done(t3);
  assert.equal(k.result, 3);
  db.close();
  await h.close();
});

test('key generator: past 2^53 it is exhausted (ConstraintError)', () => withDb((d) => { d.createObjectStore('s', { autoIncrement: true }); }, async (db) => {
  const tx = db.transaction('s', 'readwrite');
  const s = tx.objectStore('s');
  s.add('big', 2 ** 53);
  const r = s.add('next');
  r.onerror = (e) => e.preventDefault();
  await done(tx);
  assert.equal(r.error?.name, 'ConstraintError');
}));

test('clear() and delete() remove the engine data, not just hide it (reference bug §8.4)', () => withDb((d) => {
  const s = d.createObjectStore('s');
  s.createIndex('i', 'v');
}, async (db, h) => {
  await fill(db, 's', Array.from({ length: 50 }, (_, i) => [i, { v: i % 7 }]));
  const before = await h.engine.count({});
  const t1 = db.transaction('s', 'readwrite');
  t1.objectStore('s').delete(IDBKeyRange.upperBound(9));
  await done(t1);
  // 10 records and their 10 index entries are gone.
  assert.equal(await h.engine.count({}), before - 20);
  const t2 = db.transaction('s', 'readwrite');
  t2.objectStore('s').clear();
  await done(t2);
  assert.equal(await result(ro(db).count()), 0);
  assert.equal(await result(ro(db).index('i').count()), 0);
  await h.engine.flush();
  await h.engine.compact?.();
  let data = 0;
  for await (const r of h.engine.scan({ gte: new Uint8Array([1]), lt: new Uint8Array([2]) })) data += r.value.length + 1;
  assert.equal(data, 0, 'no record or index entry left in the engine');
}));

test('store metadata and argument validation', () => withDb((d) => {
  d.createObjectStore('s', { keyPath: ['a', 'b'] });
  assert.throws(() => d.createObjectStore('s'), isDomError('ConstraintError'));
  assert.throws(() => d.createObjectStore('t', { keyPath: 'a b' }), isDomError('SyntaxError'));
  assert.throws(() => d.createObjectStore('t', { keyPath: ['a'], autoIncrement: true }), isDomError('InvalidAccessError'));
  assert.throws(() => d.createObjectStore('t', { keyPath: '', autoIncrement: true }), isDomError('InvalidAccessError'));
}, async (db) => {
  const s = ro(db);
  assert.deepEqual(s.keyPath, ['a', 'b']);
  assert.equal(s.keyPath, s.keyPath, 'the same array each time');
  assert.equal(s.autoIncrement, false);
  assert.equal(s.name, 's');
  assert.throws(() => s.getAll(null, -1), TypeError);
  assert.throws(() => s.openCursor(null, 'sideways' as IDBCursorDirection), TypeError);
  assert.throws(() => { s.name = 'x'; }, isDomError('InvalidStateError'));
  assert.deepEqual([...db.objectStoreNames], ['s']);
}));

test('a key past the engine limit fails its request with DataError and leaves nothing behind', () => withDb((d) => {
  d.createObjectStore('s').createIndex('i', 'big');
}, async (db) => {
  const tx = db.transaction('s', 'readwrite');
  const s = tx.objectStore('s');
  s.put({ big: 'small' }, 1);
  const tooLongKey = s.put('v', 'k'.repeat(MAX_KEY_BYTES));
  tooLongKey.onerror = (e) => e.preventDefault();
  const tooLongIndexKey = s.put({ big: 'x'.repeat(MAX_KEY_BYTES) }, 1);
  tooLongIndexKey.onerror = (e) => e.preventDefault();
  await done(tx);
  assert.equal(tooLongKey.error?.name, 'DataError');
  assert.equal(tooLongIndexKey.error?.name, 'DataError');
  assert.deepEqual(await result(ro(db).get(1)), { big: 'small' }, 'the failed overwrite changed nothing');
  assert.deepEqual(await result(ro(db).index('i').getAllKeys()), [1]);
}));

test('delete(range) on an indexed store removes records and entries past one batch', () => withDb((d) => {
  d.createObjectStore('s').createIndex('i', 'v');
}, async (db) => {
  await fill(db, 's', Array.from({ length: 700 }, (_, i) => [i, { v: i % 3 }]));
  const tx = db.transaction('s', 'readwrite');
  tx.objectStore('s').delete(IDBKeyRange.bound(10, 650, false, true));
  await done(tx);
  assert.equal(await result(ro(db).count()), 60);
  assert.equal(await result(ro(db).index('i').count()), 60);
  assert.deepEqual((await result<number[]>(ro(db).getAllKeys())).slice(8, 12), [8, 9, 650, 651]);
}));

test('an exception thrown by a getter while cloning propagates unchanged', () => withDb((d) => { d.createObjectStore('s'); }, async (db) => {
  const tx = db.transaction('s', 'readwrite');
  const boom = new TypeError('from the getter');
  assert.throws(() => tx.objectStore('s').put({ get x() { throw boom; } }, 1), (e: unknown) => e === boom);
  let activeInGetter: boolean | undefined;
  tx.objectStore('s').put({ get x() { try { tx.objectStore('s').get(1); activeInGetter = true; } catch { activeInGetter = false; } return 1; } }, 2);
  assert.equal(activeInGetter, false, 'the transaction is inactive while the value is cloned');
  await done(tx);
}));
