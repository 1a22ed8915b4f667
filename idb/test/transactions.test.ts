/** Transaction lifecycle, events, scheduling and isolation (spec §2.7, §5.6). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setExceptionReporter, type IDBDatabase, type IDBRequest } from '../src/index.ts';
import { done, harness, isDomError, open, result } from './support.ts';

async function setup(): Promise<{ db: IDBDatabase; close: () => Promise<void> }> {
  const h = await harness();
  const db = await open(h.factory, 'db', 1, (d) => {
    d.createObjectStore('a');
    d.createObjectStore('b');
  });
  return { db, close: async () => { db.close(); await h.close(); } };
}

test('a transaction is inactive once its creating task ends, and auto-commits', async () => {
  const { db, close } = await setup();
  const tx = db.transaction('a', 'readwrite');
  const finished = done(tx);
  const store = tx.objectStore('a');
  store.put('v', 1);
  await Promise.resolve(); // microtasks of the creating task: still active
  store.put('w', 2);
  await new Promise((r) => setTimeout(r, 5));
  assert.throws(() => store.put('x', 3), isDomError('TransactionInactiveError'));
  await finished;
  assert.deepEqual(await result(db.transaction('a').objectStore('a').getAll()), ['v', 'w']);
  await close();
});

test('a request callback runs with the transaction active; promise continuations too', async () => {
  const { db, close } = await setup();
  const tx = db.transaction('a', 'readwrite');
  const store = tx.objectStore('a');
  const r = store.put(1, 'k');
  r.onsuccess = () => {
    store.put(2, 'k2');
    void Promise.resolve().then(() => store.put(3, 'k3'));
  };
  await done(tx);
  assert.deepEqual(await result(db.transaction('a').objectStore('a').getAllKeys()), ['k', 'k2', 'k3']);
  await close();
});

test('promise-style code (the idb library pattern) can await request after request in one transaction', async () => {
  const { db, close } = await setup();
  const tx = db.transaction('a', 'readwrite');
  const finished = done(tx);
  const store = tx.objectStore('a');
  const wrap = <T>(r: IDBRequest): Promise<T> => new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result as T);
    r.onerror = () => reject(r.error);
  });
  for (let i = 0; i < 5; i++) {
    const n = await wrap<number>(store.count());
    await wrap(store.put(n + 1, `k${i}`));
  }
  assert.deepEqual(await wrap(store.getAll()), [1, 2, 3, 4, 5]);
  await finished;
  await assert.rejects(async () => wrap(store.count()), (e: unknown) => e instanceof DOMException && e.name === 'TransactionInactiveError');
  await close();
});

test('abort() rolls back every write and fires error at pending requests, then abort', async () => {
  const { db, close } = await setup();
  const seed = db.transaction('a', 'readwrite');
  seed.objectStore('a').put('keep', 1);
  await done(seed);
  const tx = db.transaction('a', 'readwrite');
  const store = tx.objectStore('a');
  store.put('gone', 2);
  store.delete(1);
  const pending = store.get(1);
  const order: string[] = [];
  pending.onerror = (e) => { order.push(`request:${pending.error?.name}`); e.preventDefault(); };
  tx.onabort = () => order.push('abort');
  tx.abort();
  assert.throws(() => tx.abort(), isDomError('InvalidStateError'));
  await assert.rejects(done(tx));
  assert.deepEqual(order, ['request:AbortError', 'abort']);
  assert.equal(tx.error, null, 'abort() sets no error');
  assert.deepEqual(await result(db.transaction('a').objectStore('a').getAll()), ['keep']);
  await close();
});

test('an error event bubbles request -> transaction -> database; preventDefault keeps the transaction', async () => {
  const { db, close } = await setup();
  const tx = db.transaction('a', 'readwrite');
  const store = tx.objectStore('a');
  store.add('first', 1);
  const dup = store.add('second', 1);
  const path: string[] = [];
  db.addEventListener('error', (e) => path.push(`db:capture:${e.eventPhase}`), { capture: true });
  dup.addEventListener('error', (e) => path.push(`request:${e.eventPhase}:${(e.target as object) === dup}`));
  tx.addEventListener('error', (e) => path.push(`tx:${e.eventPhase}`));
  db.addEventListener('error', (e) => { path.push(`db:${e.eventPhase}`); e.preventDefault(); });
  store.put('after', 2);
  await done(tx);
  assert.equal(dup.error?.name, 'ConstraintError');
  assert.deepEqual(path, ['db:capture:1', 'request:2:true', 'tx:3', 'db:3']);
  assert.deepEqual(await result(db.transaction('a').objectStore('a').getAll()), ['first', 'after']);
  await close();
});

test('an unhandled request error aborts the transaction with that error', async () => {
  const { db, close } = await setup();
  const tx = db.transaction('a', 'readwrite');
  const store = tx.objectStore('a');
  store.add('x', 1);
  store.add('y', 1);
  await assert.rejects(done(tx), isDomError('ConstraintError'));
  assert.equal(tx.error?.name, 'ConstraintError');
  assert.equal(await result(db.transaction('a').objectStore('a').count()), 0);
  await close();
});

test('stopPropagation at the request keeps the error from the transaction and database', async () => {
  const { db, close } = await setup();
  const tx = db.transaction('a', 'readwrite');
  const store = tx.objectStore('a');
  store.add('x', 1);
  const dup = store.add('y', 1);
  let reachedTx = false;
  dup.onerror = (e) => e.stopPropagation();
  tx.onerror = () => { reachedTx = true; };
  await assert.rejects(done(tx), isDomError('ConstraintError'), 'not prevented, so it still aborts');
  assert.equal(reachedTx, false);
  await close();
});

test('an exception thrown in a success handler aborts the transaction with AbortError', async () => {
  const { db, close } = await setup();
  const reported: unknown[] = [];
  setExceptionReporter((e) => reported.push(e));
  try {
    const tx = db.transaction('a', 'readwrite');
    const r = tx.objectStore('a').put('x', 1);
    r.onsuccess = () => { throw new Error('boom'); };
    await assert.rejects(done(tx), isDomError('AbortError'));
    assert.equal(reported.length, 1);
    assert.equal(await result(db.transaction('a').objectStore('a').count()), 0);
  } finally {
    setExceptionReporter((e) => process.nextTick(() => { throw e; }));
  }
  await close();
});

test('commit() commits without waiting for inactivity; no requests afterwards', async () => {
  const { db, close } = await setup();
  const tx = db.transaction('a', 'readwrite');
  const store = tx.objectStore('a');
  const r = store.put('x', 1);
  tx.commit();
  assert.throws(() => store.put('y', 2), isDomError('TransactionInactiveError'));
  assert.throws(() => tx.commit(), isDomError('InvalidStateError'));
  await done(tx);
  assert.equal(r.readyState, 'done');
  assert.equal(await result(db.transaction('a').objectStore('a').get(1)), 'x');
  await close();
});

test('readonly transactions reject writes with ReadOnlyError; scope is enforced', async () => {
  const { db, close } = await setup();
  const tx = db.transaction('a');
  assert.throws(() => tx.objectStore('a').put(1, 1), isDomError('ReadOnlyError'));
  assert.throws(() => tx.objectStore('a').clear(), isDomError('ReadOnlyError'));
  assert.throws(() => tx.objectStore('b'), isDomError('NotFoundError'));
  assert.throws(() => db.transaction('nope'), isDomError('NotFoundError'));
  assert.throws(() => db.transaction([]), isDomError('InvalidAccessError'));
  assert.throws(() => db.transaction('a', 'bogus' as IDBTransactionMode), TypeError);
  assert.throws(() => db.transaction('a', 'versionchange'), TypeError);
  await done(tx);
  await close();
});

test('readwrite transactions with overlapping scopes run one after another; disjoint ones do not wait', async () => {
  const { db, close } = await setup();
  const events: string[] = [];
  const t1 = db.transaction(['a'], 'readwrite');
  const t2 = db.transaction(['a', 'b'], 'readwrite');
  const t3 = db.transaction(['b'], 'readonly');
  const t4 = db.transaction(['a'], 'readonly');
  t1.objectStore('a').put('one', 'k').onsuccess = () => events.push('t1 put');
  t2.objectStore('a').get('k').onsuccess = (e) => events.push(`t2 sees ${(e.target as unknown as { result: unknown }).result}`);
  t3.objectStore('b').count().onsuccess = () => events.push('t3 count');
  t4.objectStore('a').get('k').onsuccess = () => events.push('t4 get');
  t1.oncomplete = () => events.push('t1 complete');
  t2.oncomplete = () => events.push('t2 complete');
  await Promise.all([done(t1), done(t2), done(t3), done(t4)]);
  assert.ok(events.indexOf('t1 complete') < events.indexOf('t2 sees one'), events.join());
  assert.ok(events.includes('t2 sees one'));
  assert.ok(events.indexOf('t2 complete') < events.indexOf('t3 count'), 't3 overlaps t2 (readwrite, created earlier)');
  assert.ok(events.indexOf('t2 complete') < events.indexOf('t4 get'));
  await close();
});

test('two readonly transactions run in parallel', async () => {
  const { db, close } = await setup();
  const t1 = db.transaction('a');
  const t2 = db.transaction('a');
  const order: string[] = [];
  // t1 keeps itself alive until t2 has answered: only possible when both have started.
  let t2Answered = false;
  const spin = (): void => {
    const r = t1.objectStore('a').count();
    r.onsuccess = () => { if (t2Answered) order.push('t1 saw t2'); else spin(); };
  };
  spin();
  t2.objectStore('a').count().onsuccess = () => { t2Answered = true; };
  await Promise.all([done(t1), done(t2)]);
  assert.deepEqual(order, ['t1 saw t2']);
  await close();
});

test('no false conflicts: concurrent read-modify-write on string keys all commit (reference bug §8.4 #29)', async () => {
  const { db, close } = await setup();
  const seed = db.transaction('a', 'readwrite');
  for (let i = 0; i < 5; i++) seed.objectStore('a').put({ n: 0 }, `u${i}`);
  await done(seed);
  const txs = [];
  for (let round = 0; round < 10; round++) {
    const tx = db.transaction('a', 'readwrite');
    const store = tx.objectStore('a');
    for (let i = 0; i < 5; i++) {
      const r = store.get(`u${i}`);
      r.onsuccess = () => { store.put({ n: (r.result as { n: number }).n + 1 }, `u${i}`); };
    }
    txs.push(done(tx));
  }
  await Promise.all(txs);
  const all = await result<{ n: number }[]>(db.transaction('a').objectStore('a').getAll());
  assert.deepEqual(all.map((v) => v.n), [10, 10, 10, 10, 10]);
  await close();
});

test('reads see the transaction\'s own latest write (reference bug §8.4 #30)', async () => {
  const { db, close } = await setup();
  const tx = db.transaction('a', 'readwrite');
  const s = tx.objectStore('a');
  s.put('v1', 'k');
  s.put('v2', 'k');
  const afterPuts = s.get('k');
  s.delete('k');
  const afterDelete = s.get('k');
  s.put('v3', 'k');
  const count = s.count();
  const all = s.getAll();
  await done(tx);
  assert.equal(afterPuts.result, 'v2');
  assert.equal(afterDelete.result, undefined);
  assert.equal(count.result, 1);
  assert.deepEqual(all.result, ['v3']);
  await close();
});

test('transaction() after close() throws InvalidStateError', async () => {
  const { db, close } = await setup();
  db.close();
  assert.throws(() => db.transaction('a'), isDomError('InvalidStateError'));
  await close();
});
