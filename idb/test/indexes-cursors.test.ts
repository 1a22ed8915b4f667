/** Indexes (unique, multiEntry, compound) and cursors (directions, continue, advance, update, delete). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IDBKeyRange, type IDBCursorWithValue, type IDBDatabase, type IDBRequest, type IDBTransaction } from '../src/index.ts';
import { done, harness, isDomError, open, result } from './support.ts';

interface Person { id: number; name: string; age: number; tags: string[]; city: string }
const people: Person[] = [
  { id: 1, name: 'ann', age: 30, tags: ['a', 'b'], city: 'oslo' },
  { id: 2, name: 'bob', age: 25, tags: ['b'], city: 'rome' },
  { id: 3, name: 'cid', age: 30, tags: [], city: 'oslo' },
  { id: 4, name: 'dan', age: 27.5, tags: ['c', 'a', 'a'], city: 'lima' },
  { id: 5, name: 'eve', age: 25, tags: ['b', 'c'], city: 'oslo' },
];

async function withPeople(body: (db: IDBDatabase) => Promise<void>): Promise<void> {
  const h = await harness();
  const db = await open(h.factory, 'db', 1, (d) => {
    const s = d.createObjectStore('p', { keyPath: 'id' });
    s.createIndex('name', 'name', { unique: true });
    s.createIndex('age', 'age');
    s.createIndex('tags', 'tags', { multiEntry: true });
    s.createIndex('city_age', ['city', 'age']);
    for (const p of people) s.put(p);
  });
  try { await body(db); } finally { db.close(); await h.close(); }
}

const idx = (db: IDBDatabase, name: string) => db.transaction('p').objectStore('p').index(name);

/** Collects [key, primaryKey] pairs of a cursor request, calling step() to move on. */
function walk(req: IDBRequest, step: (c: IDBCursorWithValue, n: number) => void = (c) => c.continue()): Promise<[unknown, unknown][]> {
  const out: [unknown, unknown][] = [];
  return new Promise((resolve, reject) => {
    req.onsuccess = () => {
      const c = req.result as IDBCursorWithValue | null;
      if (!c) { resolve(out); return; }
      out.push([c.key, c.primaryKey]);
      step(c, out.length);
    };
    req.onerror = () => reject(req.error);
  });
}

test('index reads: get, getKey, getAll, getAllKeys, count over ranges (numbers in order, §8.4 #25)', () => withPeople(async (db) => {
  assert.deepEqual(await result(idx(db, 'age').getAllKeys(IDBKeyRange.bound(25, 31, false, true))), [2, 5, 4, 1, 3]);
  assert.deepEqual(await result(idx(db, 'age').getAllKeys(IDBKeyRange.bound(25, 30, true, true))), [4], '27.5 inside (25, 30)');
  assert.equal(await result(idx(db, 'age').count(30)), 2);
  assert.equal(await result(idx(db, 'name').getKey('cid')), 3);
  assert.deepEqual(await result(idx(db, 'name').get('dan')), people[3]);
  assert.equal(await result(idx(db, 'name').get('zed')), undefined);
  assert.deepEqual((await result<Person[]>(idx(db, 'age').getAll(25, 1))).map((p) => p.id), [2]);
  assert.deepEqual(await result(idx(db, 'city_age').getAllKeys(IDBKeyRange.bound(['oslo', 0], ['oslo', 100]))), [5, 1, 3]);
}));

test('multiEntry indexes one entry per distinct array member', () => withPeople(async (db) => {
  assert.deepEqual(await result(idx(db, 'tags').getAllKeys('a')), [1, 4]);
  assert.deepEqual(await result(idx(db, 'tags').getAllKeys('b')), [1, 2, 5]);
  assert.equal(await result(idx(db, 'tags').count()), 7, 'dan has a twice: one entry');
  const pairs = await walk(idx(db, 'tags').openKeyCursor());
  assert.deepEqual(pairs, [['a', 1], ['a', 4], ['b', 1], ['b', 2], ['b', 5], ['c', 4], ['c', 5]]);
}));

test('cursor directions: unique ones dedupe by index key; prevunique yields the lowest primary key (§8.4 #33)', () => withPeople(async (db) => {
  const age = (dir: IDBCursorDirection) => walk(idx(db, 'age').openCursor(null, dir));
  assert.deepEqual(await age('next'), [[25, 2], [25, 5], [27.5, 4], [30, 1], [30, 3]]);
  assert.deepEqual(await age('nextunique'), [[25, 2], [27.5, 4], [30, 1]]);
  assert.deepEqual(await age('prev'), [[30, 3], [30, 1], [27.5, 4], [25, 5], [25, 2]]);
  assert.deepEqual(await age('prevunique'), [[30, 1], [27.5, 4], [25, 2]]);
  const store = (dir: IDBCursorDirection) => walk(db.transaction('p').objectStore('p').openKeyCursor(IDBKeyRange.bound(2, 4), dir));
  assert.deepEqual(await store('prev'), [[4, 4], [3, 3], [2, 2]]);
  assert.deepEqual(await store('nextunique'), [[2, 2], [3, 3], [4, 4]]);
}));

test('cursor continue(key), continuePrimaryKey and advance', () => withPeople(async (db) => {
  assert.deepEqual(await walk(idx(db, 'age').openKeyCursor(), (c, n) => (n === 1 ? c.continue(28) : c.continue())), [[25, 2], [30, 1], [30, 3]]);
  assert.deepEqual(await walk(idx(db, 'age').openKeyCursor(null, 'prev'), (c, n) => (n === 1 ? c.continue(26) : c.continue())), [[30, 3], [25, 5], [25, 2]]);
  assert.deepEqual(await walk(idx(db, 'age').openKeyCursor(), (c, n) => (n === 1 ? c.continuePrimaryKey(30, 2) : c.continue())), [[25, 2], [30, 3]]);
  assert.deepEqual(await walk(idx(db, 'age').openKeyCursor(), (c) => c.advance(2)), [[25, 2], [27.5, 4], [30, 3]]);
  const req = idx(db, 'age').openCursor();
  await new Promise<void>((resolve) => {
    req.onsuccess = () => {
      req.onsuccess = null; // once: the walk goes on after this test step resolves
      const c = req.result as IDBCursorWithValue;
      assert.throws(() => c.continue(20), isDomError('DataError'), 'backwards');
      assert.throws(() => c.continuePrimaryKey(25, 1), isDomError('DataError'));
      assert.throws(() => c.advance(0), TypeError);
      c.continue();
      assert.throws(() => c.continue(), isDomError('InvalidStateError'), 'already iterating');
      resolve();
    };
  });
  const uniq = idx(db, 'age').openCursor(null, 'nextunique');
  await new Promise<void>((resolve) => {
    uniq.onsuccess = () => {
      assert.throws(() => (uniq.result as IDBCursorWithValue).continuePrimaryKey(30, 1), isDomError('InvalidAccessError'));
      resolve();
    };
  });
}));

test('cursor update() and delete() through an index cursor keep indexes right', () => withPeople(async (db) => {
  const tx = db.transaction('p', 'readwrite');
  const req = tx.objectStore('p').index('age').openCursor(25);
  req.onsuccess = () => {
    const c = req.result as IDBCursorWithValue | null;
    if (!c) return;
    const p = c.value as Person;
    if (p.id === 2) c.delete();
    else c.update({ ...p, age: 26, name: 'eva' });
    assert.throws(() => c.update({ ...p, id: 99 }), isDomError('DataError'), 'the key may not change');
    c.continue();
  };
  await done(tx);
  assert.deepEqual(await result(idx(db, 'age').getAllKeys()), [5, 4, 1, 3]);
  assert.equal(await result(idx(db, 'name').getKey('eva')), 5);
  assert.equal(await result(idx(db, 'name').getKey('eve')), undefined);
  assert.equal(await result(idx(db, 'name').getKey('bob')), undefined);
}));

test('a cursor sees records written after it was opened (it re-seeks)', () => withPeople(async (db) => {
  const tx = db.transaction('p', 'readwrite');
  const store = tx.objectStore('p');
  const seen = await walk(store.openKeyCursor(), (c, n) => {
    if (n === 1) store.put({ id: 10, name: 'new', age: 1, tags: [], city: 'x' });
    if (n === 2) store.delete(3);
    c.continue();
  });
  await done(tx);
  assert.deepEqual(seen.map(([k]) => k), [1, 2, 4, 5, 10]);
}));

test('unique index: a put that would duplicate fails with ConstraintError and leaves no trace', () => withPeople(async (db) => {
  const tx = db.transaction('p', 'readwrite');
  const r = tx.objectStore('p').put({ id: 9, name: 'ann', age: 1, tags: ['z'], city: 'x' });
  r.onerror = (e) => e.preventDefault();
  const self = tx.objectStore('p').put({ ...people[0], age: 31 });
  await done(tx);
  assert.equal(r.error?.name, 'ConstraintError');
  assert.equal(self.error, null, 'a record may keep its own unique key');
  assert.equal(await result(idx(db, 'tags').count('z')), 0);
  assert.equal(await result(db.transaction('p').objectStore('p').get(9)), undefined);
}));

test('createIndex over existing duplicates fails the upgrade with ConstraintError (§8.4 #26)', async () => {
  const h = await harness();
  let db = await open(h.factory, 'db', 1, (d) => {
    const s = d.createObjectStore('s');
    s.put({ v: 1 }, 1);
    s.put({ v: 1 }, 2);
  });
  db.close();
  let txRef: IDBTransaction | undefined;
  await assert.rejects(open(h.factory, 'db', 2, (_d, tx) => {
    txRef = tx;
    tx.objectStore('s').createIndex('v', 'v', { unique: true });
  }), isDomError('AbortError'));
  assert.equal(txRef?.error?.name, 'ConstraintError');
  db = await open(h.factory, 'db');
  assert.equal(db.version, 1);
  assert.deepEqual([...db.transaction('s').objectStore('s').indexNames], []);
  db.close();
  // Non-unique over the same data is fine, and is backfilled.
  db = await open(h.factory, 'db', 2, (_d, tx) => { tx.objectStore('s').createIndex('v', 'v'); });
  assert.deepEqual(await result(db.transaction('s').objectStore('s').index('v').getAllKeys(1)), [1, 2]);
  db.close();
  await h.close();
});

test('index metadata and validation', () => withPeople(async (db) => {
  const i = idx(db, 'city_age');
  assert.deepEqual(i.keyPath, ['city', 'age']);
  assert.equal(i.keyPath, i.keyPath);
  assert.equal(idx(db, 'tags').multiEntry, true);
  assert.equal(idx(db, 'name').unique, true);
  const store = db.transaction('p').objectStore('p');
  assert.equal(store.index('age'), store.index('age'), 'same IDBIndex per store handle');
  assert.throws(() => store.index('nope'), isDomError('NotFoundError'));
  assert.throws(() => store.createIndex('x', 'x'), isDomError('InvalidStateError'));
  assert.deepEqual([...store.indexNames], ['age', 'city_age', 'name', 'tags']);
}));
