/**
 * getAllRecords() and the IDBGetAllOptions form of getAll()/getAllKeys() (IndexedDB 3.0 editor's
 * draft, #create-a-request-to-retrieve-multiple-items and #retrieve-multiple-items-from-an-object-store
 * / -from-an-index), checked against a model of the record lists: every direction, count and range,
 * over a store, an index with duplicate keys and a unique index, inside a readwrite transaction whose
 * own writes overlap the range; argument conversion and the order of its exceptions.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type IDBDatabase, type IDBIndex, IDBKeyRange, type IDBObjectStore, IDBRecord, type IDBTransaction } from '../src/index.ts';
import { done, harness, isDomError, open, result } from './support.ts';

interface Value { n: number; g: number }
type Model = Map<number, Value>;
interface Rec { key: number; primaryKey: number; value: Value }
type Dir = 'next' | 'nextunique' | 'prev' | 'prevunique';
const DIRS: Dir[] = ['next', 'nextunique', 'prev', 'prevunique'];

const groupOf = (i: number): number => Math.ceil(i / 3);
const valueOf = (i: number): Value => ({ n: i * 10, g: groupOf(i) });

function initialModel(): Model {
  const m: Model = new Map();
  for (let i = 1; i <= 10; i++) m.set(i, valueOf(i));
  return m;
}

function inRange(r: IDBKeyRange | null, k: number): boolean {
  if (r === null) return true;
  const lo = r.lower as number | undefined;
  const hi = r.upper as number | undefined;
  if (lo !== undefined && (r.lowerOpen ? k <= lo : k < lo)) return false;
  if (hi !== undefined && (r.upperOpen ? k >= hi : k > hi)) return false;
  return true;
}

/** The spec's lists: a store's records by key; an index's by (index key, primary key). */
function list(m: Model, index: 'g' | 'n' | undefined): Rec[] {
  const out: Rec[] = [];
  for (const [pk, v] of m) out.push({ key: index ? v[index] : pk, primaryKey: pk, value: v });
  return out.sort((a, b) => a.key - b.key || a.primaryKey - b.primaryKey);
}

/** What getAllRecords returns: first count in direction order; unique keeps each key's first record. */
function expected(m: Model, index: 'g' | 'n' | undefined, range: IDBKeyRange | null, count: number, dir: Dir): Rec[] {
  let recs = list(m, index).filter((r) => inRange(range, r.key));
  if (dir === 'nextunique' || dir === 'prevunique') recs = recs.filter((r, i) => i === 0 || recs[i - 1]!.key !== r.key);
  if (dir === 'prev' || dir === 'prevunique') recs.reverse();
  return count > 0 ? recs.slice(0, count) : recs;
}

const RANGES = (): (IDBKeyRange | null)[] => [
  null, IDBKeyRange.bound(3, 7), IDBKeyRange.bound(3, 7, true, true), IDBKeyRange.only(2),
  IDBKeyRange.lowerBound(3), IDBKeyRange.upperBound(2, true), IDBKeyRange.only(99),
];
const COUNTS = [0, 1, 2, 3, 20];

function plain(recs: unknown[]): Rec[] {
  return recs.map((r) => {
    assert.ok(r instanceof IDBRecord);
    assert.equal(Object.prototype.toString.call(r), '[object IDBRecord]');
    return { key: r.key as number, primaryKey: r.primaryKey as number, value: r.value as Value };
  });
}

async function setup(name: string): Promise<{ h: Awaited<ReturnType<typeof harness>>; db: IDBDatabase }> {
  const h = await harness();
  const db = await open(h.factory, name, 1, (d) => {
    const s = d.createObjectStore('s');
    s.createIndex('g', 'g');
    s.createIndex('n', 'n', { unique: true });
    for (const [k, v] of initialModel()) s.add(v, k);
  });
  return { h, db };
}

/** Every direction x count x range, through getAllRecords and the options forms of getAll/getAllKeys. */
async function checkAll(src: IDBObjectStore | IDBIndex, m: Model, index: 'g' | 'n' | undefined): Promise<void> {
  for (const range of RANGES()) {
    for (const count of COUNTS) {
      for (const direction of DIRS) {
        const want = expected(m, index, range, count, direction);
        const what = `${index ?? 'store'} ${direction} count ${count} range ${range ? `[${String(range.lower)},${String(range.upper)}]` : 'null'}`;
        const options = { query: range, count, direction };
        const recs = plain(await result<unknown[]>(src.getAllRecords(options)));
        assert.deepEqual(recs, want, what);
        assert.deepEqual(await result(src.getAll(options)), want.map((r) => r.value), `getAll ${what}`);
        assert.deepEqual(await result(src.getAllKeys(options)), want.map((r) => r.primaryKey), `getAllKeys ${what}`);
      }
    }
  }
}

test('getAllRecords over a store, an index with duplicate keys and a unique index: every direction, count and range', async () => {
  const { h, db } = await setup('all');
  const tx = db.transaction('s', 'readonly');
  const s = tx.objectStore('s');
  const m = initialModel();
  await checkAll(s, m, undefined);
  await checkAll(s.index('g'), m, 'g');
  await checkAll(s.index('n'), m, 'n');
  await done(tx);
  db.close();
  await h.close();
});

test('unique directions over duplicate index keys: each key once, with its lowest primary key (as a cursor yields)', async () => {
  const { h, db } = await setup('unique');
  const tx = db.transaction('s', 'readonly');
  const idx = tx.objectStore('s').index('g');
  const cursorOrder = (dir: Dir): Promise<[number, number][]> => new Promise((resolve, reject) => {
    const got: [number, number][] = [];
    const r = idx.openKeyCursor(null, dir);
    r.onsuccess = () => {
      const c = r.result as { key: number; primaryKey: number; continue(): void } | null;
      if (!c) { resolve(got); return; }
      got.push([c.key, c.primaryKey]);
      c.continue();
    };
    r.onerror = () => reject(r.error);
  });
  assert.deepEqual(plain(await result(idx.getAllRecords({ direction: 'nextunique' }))).map((r) => [r.key, r.primaryKey]), [[1, 1], [2, 4], [3, 7], [4, 10]]);
  assert.deepEqual(plain(await result(idx.getAllRecords({ direction: 'prevunique' }))).map((r) => [r.key, r.primaryKey]), [[4, 10], [3, 7], [2, 4], [1, 1]]);
  assert.deepEqual(plain(await result(idx.getAllRecords({ direction: 'prevunique', count: 2 }))).map((r) => [r.key, r.primaryKey]), [[4, 10], [3, 7]]);
  assert.deepEqual(plain(await result(idx.getAllRecords({ direction: 'prev', count: 2 }))).map((r) => [r.key, r.primaryKey]), [[4, 10], [3, 9]]);
  for (const dir of DIRS) {
    const viaCursor = await cursorOrder(dir);
    const recs = plain(await result(idx.getAllRecords({ direction: dir }))).map((r): [number, number] => [r.key, r.primaryKey]);
    assert.deepEqual(recs, viaCursor, dir);
  }
  await done(tx);
  db.close();
  await h.close();
});

test('inside a readwrite transaction, results include its own uncommitted writes in the range', async () => {
  const { h, db } = await setup('overlay');
  const tx = db.transaction('s', 'readwrite');
  const s = tx.objectStore('s');
  const m = initialModel();
  // Overwrite (moving index keys), delete, insert between and past existing keys, delete a range.
  const writes: [number, Value | null][] = [[4, { n: 41, g: 1 }], [5, null], [2, { n: 21, g: 3 }], [11, { n: 110, g: 3 }], [0, { n: -5, g: 2 }]];
  for (const [k, v] of writes) {
    if (v) { s.put(v, k); m.set(k, v); } else { s.delete(k); m.delete(k); }
  }
  s.delete(IDBKeyRange.bound(8, 9));
  m.delete(8);
  m.delete(9);
  s.add({ n: 85, g: 2 }, 8.5);
  m.set(8.5, { n: 85, g: 2 });
  await checkAll(s, m, undefined);
  await checkAll(s.index('g'), m, 'g');
  await checkAll(s.index('n'), m, 'n');
  await done(tx);
  // Committed: a new transaction sees the same.
  const tx2 = db.transaction('s', 'readonly');
  await checkAll(tx2.objectStore('s').index('g'), m, 'g');
  await done(tx2);
  db.close();
  await h.close();
});

test('IDBRecord: key, primaryKey and value; keys converted afresh on each get', async () => {
  const h = await harness();
  const db = await open(h.factory, 'rec', 1, (d) => {
    const s = d.createObjectStore('s');
    s.createIndex('d', 'd');
    s.add({ d: new Date(5) }, [1, 'a']);
  });
  const tx = db.transaction('s', 'readonly');
  const s = tx.objectStore('s');
  const [r] = await result<IDBRecord[]>(s.getAllRecords());
  assert.ok(r);
  assert.deepEqual(r.key, [1, 'a']);
  assert.deepEqual(r.primaryKey, [1, 'a']);
  assert.notEqual(r.key, r.key);
  assert.equal(r.value, r.value);
  assert.deepEqual(r.value, { d: new Date(5) });
  const [ir] = await result<IDBRecord[]>(s.index('d').getAllRecords({ query: new Date(5) }));
  assert.ok(ir);
  assert.ok(ir.key instanceof Date);
  assert.equal((ir.key as Date).getTime(), 5);
  assert.deepEqual(ir.primaryKey, [1, 'a']);
  assert.equal(Object.prototype.toString.call(ir), '[object IDBRecord]');
  await done(tx);
  db.close();
  await h.close();
});

test('getAll/getAllKeys first argument: a potentially valid key range is the query, anything else IDBGetAllOptions', async () => {
  const { h, db } = await setup('args');
  const tx = db.transaction('s', 'readonly');
  const s = tx.objectStore('s');
  const keys = (r: unknown): Promise<unknown> => result(r as never);
  assert.deepEqual(await keys(s.getAllKeys(5)), [5]);
  assert.deepEqual(await keys(s.getAllKeys({ query: 5 })), [5]);
  assert.deepEqual(await keys(s.getAllKeys(IDBKeyRange.lowerBound(3), 2)), [3, 4]);
  assert.deepEqual(await keys(s.getAllKeys([1])), []); // an Array is a key
  assert.deepEqual(await keys(s.getAllKeys(new Date(1))), []);
  assert.deepEqual(await keys(s.getAllKeys(new Uint8Array([1]))), []);
  // A dictionary's count replaces the count argument, given or not.
  assert.deepEqual(await keys(s.getAllKeys({ count: 2 }, 7)), [1, 2]);
  assert.deepEqual(await keys(s.getAllKeys({}, 3)), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  assert.deepEqual(await keys(s.getAllKeys({ direction: 'prev' }, 3)), [10, 9, 8, 7, 6, 5, 4, 3, 2, 1]);
  // Deviation kept for compatibility: undefined and null are an unbounded query, the count argument stands.
  assert.deepEqual(await keys(s.getAllKeys(undefined, 3)), [1, 2, 3]);
  assert.deepEqual(await keys(s.getAllKeys(null, 3)), [1, 2, 3]);
  // Other objects (a function, a plain object, a key range look-alike) are dictionaries.
  assert.deepEqual(await keys(s.getAllKeys(Object.assign(() => {}, { count: 1 }))), [1]);
  assert.deepEqual(await keys(s.getAllKeys({ lower: 3, upper: 4, count: 1, direction: 'prev' })), [10]);
  assert.deepEqual(await keys(s.index('g').getAllKeys({ query: 2, direction: 'prevunique' })), [4]);
  assert.deepEqual(await keys(s.index('g').getAll({ query: 2, direction: 'prev', count: 1 })), [valueOf(6)]);
  // getAllRecords with no argument, undefined, null, {}.
  for (const a of [[], [undefined], [null], [{}]] as unknown[][]) {
    assert.equal((await result<unknown[]>((s.getAllRecords as (...x: unknown[]) => never)(...a))).length, 10);
  }
  // Dictionary members are read once each, in lexicographic order.
  const reads: string[] = [];
  const spy = new Proxy({ query: 3, count: 1, direction: 'next' }, { get: (t, p, r) => { reads.push(String(p)); return Reflect.get(t, p, r); } });
  await result(s.getAllRecords(spy));
  assert.deepEqual(reads, ['count', 'direction', 'query']);
  reads.length = 0;
  await result(s.getAll(spy));
  assert.deepEqual(reads, ['count', 'direction', 'query']);
  await done(tx);
  db.close();
  await h.close();
});

test('argument errors: DataError for a query that is no key, TypeError for count and direction', async () => {
  const { h, db } = await setup('errors');
  const tx = db.transaction('s', 'readonly');
  const s = tx.objectStore('s');
  const idx = s.index('g');
  const view = new Uint8Array(4);
  const detached = view.buffer;
  structuredClone(detached, { transfer: [detached] });
  for (const src of [s, idx]) {
    for (const bad of [NaN, new Date(NaN), [{}], [1, NaN], detached, view]) {
      assert.throws(() => src.getAll(bad), isDomError('DataError'));
      assert.throws(() => src.getAllKeys(bad), isDomError('DataError'));
      assert.throws(() => src.getAll({ query: bad }), isDomError('DataError'));
      assert.throws(() => src.getAllRecords({ query: bad }), isDomError('DataError'));
    }
    assert.throws(() => src.getAllRecords({ query: {} }), isDomError('DataError'));
    assert.throws(() => src.getAllRecords({ query: true }), isDomError('DataError'));
    for (const o of [{ direction: 'sideways' }, { count: -1 }, { count: 2 ** 32 }, { count: NaN }, { count: Infinity }, { count: 1n }]) {
      assert.throws(() => src.getAllRecords(o), TypeError);
      assert.throws(() => src.getAll(o), TypeError);
      assert.throws(() => src.getAllKeys(o), TypeError);
    }
    // Not an object: no dictionary.
    for (const v of [true, Symbol('x'), 1n]) assert.throws(() => src.getAll(v), TypeError);
    assert.throws(() => src.getAllRecords('a'), TypeError);
    assert.throws(() => src.getAll(1, -1), TypeError);
    // The whole dictionary converts before its query: TypeError wins over DataError.
    assert.throws(() => src.getAll({ query: NaN, direction: 'bad' }), TypeError);
    assert.throws(() => src.getAllRecords({ query: NaN, count: -1 }), TypeError);
    // A getter's exception propagates.
    const boom = new Error('boom');
    assert.throws(() => src.getAllRecords({ get direction(): string { throw boom; } }), (e) => e === boom);
  }
  await done(tx);
  db.close();
  await h.close();
});

test('exception order: argument TypeErrors, then InvalidStateError, then TransactionInactiveError, then the options TypeError and DataError', async () => {
  const h = await harness();
  let deletedStore!: IDBObjectStore;
  let deletedIndex!: IDBIndex;
  let finishedStore!: IDBObjectStore;
  const db = await open(h.factory, 'order', 1, (d) => {
    deletedStore = d.createObjectStore('gone');
    finishedStore = d.createObjectStore('s');
    deletedIndex = finishedStore.createIndex('i', 'i');
    // Deleted while the transaction is active: InvalidStateError before anything but WebIDL's conversions.
    d.deleteObjectStore('gone');
    finishedStore.deleteIndex('i');
    for (const src of [deletedStore, deletedIndex]) {
      assert.throws(() => src.getAllRecords({ query: NaN }), isDomError('InvalidStateError'));
      assert.throws(() => src.getAll({ direction: 'bad' }), isDomError('InvalidStateError'));
      assert.throws(() => src.getAll(NaN), isDomError('InvalidStateError'));
      assert.throws(() => src.getAllRecords({ direction: 'bad' }), TypeError);
      assert.throws(() => src.getAll(NaN, -1), TypeError);
    }
  });
  // The upgrade transaction has finished: deleted still wins, then TransactionInactiveError.
  assert.throws(() => deletedIndex.getAllRecords({ query: NaN }), isDomError('InvalidStateError'));
  assert.throws(() => finishedStore.getAllRecords({ query: NaN }), isDomError('TransactionInactiveError'));
  assert.throws(() => finishedStore.getAll({ direction: 'bad' }), isDomError('TransactionInactiveError'));
  assert.throws(() => finishedStore.getAllKeys(new Date(NaN)), isDomError('TransactionInactiveError'));
  assert.throws(() => finishedStore.getAllRecords({ count: -1 }), TypeError);
  assert.throws(() => finishedStore.getAllKeys(1, 2 ** 32), TypeError);
  // Inactive (between tasks) rather than finished.
  const tx: IDBTransaction = db.transaction('s', 'readonly');
  const s = tx.objectStore('s');
  const pending = result(s.getAll());
  await new Promise((r) => setTimeout(r, 0));
  assert.throws(() => s.getAllRecords(), isDomError('TransactionInactiveError'));
  assert.throws(() => s.getAll({ query: NaN }), isDomError('TransactionInactiveError'));
  await pending;
  db.close();
  await h.close();
});
