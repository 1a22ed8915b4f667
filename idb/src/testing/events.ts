/** Events: error bubbling, preventDefault, stopPropagation, request state (https://w3c.github.io/IndexedDB/#events). */
import assert from 'node:assert/strict';
import { group } from './case.ts';
import { aborted, committed, done, recordEvents, withStore } from './helpers.ts';
import type { EventLike } from './types.ts';

export const events = group('events', [
  {
    name: 'a request error bubbles request -> transaction -> database, then aborts',
    async run(env) {
      const db = await withStore(env);
      await new Promise<void>((resolve) => {
        const tx = db.transaction('s', 'readwrite');
        tx.objectStore('s').add(1, 1).onsuccess = () => resolve();
      });
      const tx = db.transaction('s', 'readwrite');
      const end = aborted(tx);
      const r = tx.objectStore('s').add(2, 1);
      const targets: unknown[] = [];
      const log = recordEvents([['request', r], ['tx', tx], ['db', db]], ['error', 'abort', 'success', 'complete']);
      const noteTarget = (ev: EventLike): void => void targets.push(ev.target);
      r.addEventListener('error', noteTarget);
      tx.addEventListener('error', noteTarget);
      db.addEventListener('error', noteTarget);
      assert.equal((await end)?.name, 'ConstraintError');
      assert.deepEqual(log, ['request:error', 'tx:error', 'db:error', 'tx:abort', 'db:abort']);
      assert.deepEqual(targets, [r, r, r], 'the target stays the request');
      db.close();
    },
  },
  {
    name: 'preventDefault at any level keeps the transaction; stopPropagation stops bubbling',
    async run(env) {
      const db = await withStore(env);
      const tx = db.transaction('s', 'readwrite');
      const end = committed(tx);
      const s = tx.objectStore('s');
      s.add('a', 1);
      const r1 = s.add('b', 1);
      const r2 = s.add('c', 1);
      const log: string[] = [];
      tx.onerror = (ev) => {
        log.push(`tx:${ev.target === r1 ? 'r1' : 'r2'}`);
        ev.preventDefault();
      };
      r2.onerror = (ev) => {
        log.push('r2');
        ev.stopPropagation();
        ev.preventDefault();
      };
      db.onerror = () => log.push('db');
      await end;
      assert.deepEqual(log, ['tx:r1', 'db', 'r2']);
      db.close();
    },
  },
  {
    name: 'success and complete do not bubble',
    async run(env) {
      const db = await withStore(env);
      const tx = db.transaction('s', 'readwrite');
      const log = recordEvents([['tx', tx], ['db', db]], ['success']);
      let dbComplete = false;
      db.addEventListener('complete', () => (dbComplete = true));
      tx.objectStore('s').put(1, 1);
      await committed(tx);
      assert.deepEqual(log, []);
      assert.equal(dbComplete, false);
      db.close();
    },
  },
  {
    name: 'request state: pending, done, source, transaction, error',
    async run(env) {
      const db = await withStore(env);
      const tx = db.transaction('s', 'readwrite');
      const s = tx.objectStore('s');
      const r = s.put('v', 1);
      assert.equal(r.readyState, 'pending');
      assert.equal(r.source, s);
      assert.equal(r.transaction, tx);
      assert.throws(() => r.error, (e: unknown) => (e as Error).name === 'InvalidStateError');
      assert.equal(await done(r), 1);
      assert.equal(r.readyState, 'done');
      assert.ok(r.error == null, 'no error after success (null per spec; fake-indexeddb gives undefined)');
      assert.equal(await done(s.count()), 1);
      await committed(tx);
      db.close();
    },
  },
  {
    name: 'errors are DOMExceptions with spec names and messages',
    async run(env) {
      const db = await withStore(env);
      const tx = db.transaction('s', 'readwrite');
      const s = tx.objectStore('s');
      s.add(1, 'k');
      const r = s.add(2, 'k');
      const err = await new Promise<DOMException | null>((resolve) => {
        r.onerror = (ev) => {
          ev.preventDefault();
          resolve(r.error);
        };
      });
      assert.ok(err instanceof DOMException);
      assert.equal(err.name, 'ConstraintError');
      assert.equal(err.code, 0, 'ConstraintError has no legacy code');
      assert.equal(typeof err.message, 'string');
      await committed(tx);
      db.close();
    },
  },
]);
