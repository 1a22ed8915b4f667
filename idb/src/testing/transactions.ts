/** Transaction lifecycle: activity, auto-commit, abort, commit(), scope (https://w3c.github.io/IndexedDB/#transaction-construct). */
import assert from 'node:assert/strict';
import { group } from './case.ts';
import { aborted, committed, done, inTx, nextTask, open, throwsNamed, withStore, withUncaught } from './helpers.ts';

export const transactions = group('transactions', [
  {
    name: 'requests after the transaction finished throw TransactionInactiveError',
    async run(env) {
      const db = await withStore(env);
      const tx = db.transaction('s', 'readwrite');
      const s = tx.objectStore('s');
      s.put(1, 1);
      await committed(tx);
      throwsNamed(() => s.put(2, 2), 'TransactionInactiveError', 'put');
      throwsNamed(() => s.get(1), 'TransactionInactiveError', 'get');
      throwsNamed(() => s.openCursor(), 'TransactionInactiveError', 'openCursor');
      db.close();
    },
  },
  {
    name: 'a transaction with no requests left auto-commits after its task',
    async run(env) {
      const db = await withStore(env);
      const tx = db.transaction('s', 'readwrite');
      const end = committed(tx);
      const s = tx.objectStore('s');
      s.put('v', 'k');
      // (Inactive right after this task per spec; fake-indexeddb keeps it active, so not asserted.)
      await nextTask();
      await end; // no commit() call: the transaction finishes by itself
      const empty = db.transaction('s', 'readonly');
      await committed(empty);
      assert.deepEqual(await inTx(db, 's', 'readonly', (t) => done(t.objectStore('s').getAll())), ['v']);
      db.close();
    },
  },
  {
    name: 'read-only transactions throw ReadOnlyError on writes',
    async run(env) {
      const db = await withStore(env);
      const tx = db.transaction('s');
      assert.equal(tx.mode, 'readonly');
      const s = tx.objectStore('s');
      throwsNamed(() => s.put(1, 1), 'ReadOnlyError', 'put');
      throwsNamed(() => s.add(1, 1), 'ReadOnlyError', 'add');
      throwsNamed(() => s.delete(1), 'ReadOnlyError', 'delete');
      throwsNamed(() => s.clear(), 'ReadOnlyError', 'clear');
      await committed(tx);
      db.close();
    },
  },
  {
    name: 'abort() rolls back every write of the transaction',
    async run(env) {
      const db = await withStore(env);
      await inTx(db, 's', 'readwrite', async (tx) => void tx.objectStore('s').put('old', 1));
      const tx = db.transaction('s', 'readwrite');
      const end = aborted(tx);
      const s = tx.objectStore('s');
      s.put('new', 1);
      s.put('x', 2);
      s.delete(1);
      assert.equal(await done(s.count()), 1);
      tx.abort();
      assert.equal(await end, null, 'abort() leaves tx.error null');
      throwsNamed(() => tx.abort(), 'InvalidStateError', 'abort twice');
      await inTx(db, 's', 'readonly', async (t) => {
        assert.deepEqual(await done(t.objectStore('s').getAll()), ['old']);
      });
      db.close();
    },
  },
  {
    name: 'pending requests of an aborted transaction fail with AbortError',
    async run(env) {
      const db = await withStore(env);
      const tx = db.transaction('s', 'readwrite');
      const r = tx.objectStore('s').put('v', 1);
      const errs: string[] = [];
      r.onsuccess = () => errs.push('success');
      r.onerror = (ev) => {
        errs.push(r.error?.name ?? 'null');
        ev.preventDefault();
      };
      const end = aborted(tx);
      tx.abort();
      await end;
      assert.deepEqual(errs, ['AbortError']);
      assert.equal(r.readyState, 'done');
      db.close();
    },
  },
  {
    name: 'an exception in a success handler aborts the transaction',
    async run(env) {
      const db = await withStore(env);
      const tx = db.transaction('s', 'readwrite');
      const end = aborted(tx);
      const r = tx.objectStore('s').put('v', 1);
      const thrown = new Error('handler throws');
      const reported = await withUncaught(async () => {
        r.onsuccess = () => {
          throw thrown;
        };
        assert.equal((await end)?.name, 'AbortError');
        await nextTask();
      });
      // The spec "reports" the exception; an implementation may swallow it or rethrow it uncaught.
      assert.ok(reported.every((e) => e === thrown), 'only the handler exception is reported');
      assert.equal(await inTx(db, 's', 'readonly', (t) => done(t.objectStore('s').count())), 0);
      db.close();
    },
  },
  {
    name: 'commit() ends the transaction early',
    async run(env) {
      const db = await withStore(env);
      const tx = db.transaction('s', 'readwrite');
      const end = committed(tx);
      const s = tx.objectStore('s');
      const r = s.put('v', 1);
      tx.commit();
      throwsNamed(() => s.put('w', 2), 'TransactionInactiveError', 'after commit()');
      throwsNamed(() => tx.commit(), 'InvalidStateError', 'commit twice');
      await end;
      assert.equal(r.result, 1);
      assert.deepEqual(await inTx(db, 's', 'readonly', (t) => done(t.objectStore('s').getAllKeys())), [1]);
      db.close();
    },
  },
  {
    name: 'transaction() argument errors',
    async run(env) {
      const db = await open(env, 'db', 1, (d) => {
        d.createObjectStore('b');
        d.createObjectStore('a');
        throwsNamed(() => d.transaction('a'), 'InvalidStateError', 'during an upgrade');
      });
      throwsNamed(() => db.transaction('nope'), 'NotFoundError');
      throwsNamed(() => db.transaction(['a', 'nope']), 'NotFoundError');
      throwsNamed(() => db.transaction([]), 'InvalidAccessError');
      throwsNamed(() => db.transaction('a', 'readwrote' as 'readonly'), 'TypeError');
      const tx = db.transaction(['b', 'a', 'b'], 'readwrite');
      assert.deepEqual([...tx.objectStoreNames], ['a', 'b'], 'scope names are sorted and unique');
      assert.deepEqual([...db.objectStoreNames], ['a', 'b']);
      assert.equal(tx.db, db);
      throwsNamed(() => tx.objectStore('c'), 'NotFoundError');
      const only = db.transaction('a');
      throwsNamed(() => only.objectStore('b'), 'NotFoundError', 'store outside the scope');
      assert.equal(only.objectStore('a'), only.objectStore('a'), 'objectStore() returns the same object');
      await Promise.all([committed(tx), committed(only)]);
      db.close();
      throwsNamed(() => db.transaction('a'), 'InvalidStateError', 'after close()');
    },
  },
  {
    name: 'transactions over the same store run in creation order',
    async run(env) {
      const db = await withStore(env);
      const order: string[] = [];
      const t1 = db.transaction('s', 'readwrite');
      const t2 = db.transaction('s', 'readwrite');
      t2.objectStore('s').put('second', 'k').onsuccess = () => order.push('t2');
      t1.objectStore('s').put('first', 'k').onsuccess = () => order.push('t1');
      await Promise.all([committed(t1), committed(t2)]);
      assert.deepEqual(order, ['t1', 't2']);
      assert.equal(await inTx(db, 's', 'readonly', (t) => done(t.objectStore('s').get('k'))), 'second');
      db.close();
    },
  },
  {
    name: 'close() waits for running transactions to finish',
    async run(env) {
      const db = await withStore(env);
      const tx = db.transaction('s', 'readwrite');
      const end = committed(tx);
      tx.objectStore('s').put('v', 1);
      db.close();
      await end;
      const db2 = await open(env, 'db');
      assert.equal(await inTx(db2, 's', 'readonly', (t) => done(t.objectStore('s').get(1))), 'v');
      db2.close();
    },
  },
]);
