/** Opening, upgrades, upgrade abort, versionchange and blocked (https://w3c.github.io/IndexedDB/#opening). */
import assert from 'node:assert/strict';
import { group } from './case.ts';
import { done, inTx, open, openFails, throwsNamed } from './helpers.ts';
import type { DatabaseLike, VersionChangeEventLike } from './types.ts';

export const versionChange = group('versions and upgrades', [
  {
    name: 'upgradeneeded carries old and new versions; same version does not upgrade',
    async run(env) {
      const seen: Array<[number, number | null, string]> = [];
      const db1 = await open(env, 'db', undefined, (db, tx, ev) => seen.push([ev.oldVersion, ev.newVersion, tx.mode]));
      assert.equal(db1.version, 1, 'open without a version creates version 1');
      assert.equal(db1.name, 'db');
      db1.close();
      const db3 = await open(env, 'db', 3, (db, _tx, ev) => {
        seen.push([ev.oldVersion, ev.newVersion, String(db.version)]);
      });
      db3.close();
      const again = await open(env, 'db', 3, () => seen.push([-1, -1, 'unexpected']));
      assert.equal(again.version, 3);
      again.close();
      const latest = await open(env, 'db');
      assert.equal(latest.version, 3, 'open without a version opens the current one');
      latest.close();
      assert.deepEqual(seen, [[0, 1, 'versionchange'], [1, 3, '3']]);
    },
  },
  {
    name: 'bad versions: VersionError for a lower one, TypeError for 0 and non-integers',
    async run(env) {
      (await open(env, 'db', 2)).close();
      assert.equal((await openFails(env, 'db', 1)).name, 'VersionError');
      throwsNamed(() => env.indexedDB.open('db', 0), 'TypeError', 'version 0');
      throwsNamed(() => env.indexedDB.open('db', -1), 'TypeError', 'version -1');
      throwsNamed(() => env.indexedDB.open('db', 2 ** 53), 'TypeError', 'version 2^53');
      throwsNamed(() => env.indexedDB.open('db', NaN), 'TypeError', 'version NaN');
    },
  },
  {
    name: 'schema changes of an aborted upgrade are rolled back',
    async run(env) {
      const db1 = await open(env, 'db', 1, (d) => {
        d.createObjectStore('keep').createIndex('i', 'i');
        d.createObjectStore('drop');
      });
      await inTx(db1, ['keep', 'drop'], 'readwrite', async (tx) => {
        tx.objectStore('keep').put({ i: 1 }, 'k');
        tx.objectStore('drop').put('d', 'k');
      });
      db1.close();
      let upgradeDb: DatabaseLike | undefined;
      const err = await openFails(env, 'db', 2, (d, tx) => {
        upgradeDb = d;
        d.deleteObjectStore('drop');
        d.createObjectStore('new').put('n', 'k');
        const keep = tx.objectStore('keep');
        keep.deleteIndex('i');
        keep.createIndex('j', 'j');
        keep.name = 'renamed';
        keep.put({ i: 2 }, 'k2');
        tx.abort();
      });
      assert.equal(err.name, 'AbortError');
      assert.ok(upgradeDb !== undefined);
      assert.equal(upgradeDb.version, 1, 'the connection version reverts');
      assert.deepEqual([...upgradeDb.objectStoreNames], ['drop', 'keep'], 'the connection store names revert');
      const db = await open(env, 'db');
      assert.equal(db.version, 1);
      assert.deepEqual([...db.objectStoreNames], ['drop', 'keep']);
      await inTx(db, ['keep', 'drop'], 'readonly', async (tx) => {
        const keep = tx.objectStore('keep');
        assert.deepEqual([...keep.indexNames], ['i']);
        assert.deepEqual(await done(keep.getAllKeys()), ['k']);
        assert.deepEqual(await done(keep.index('i').getAllKeys()), ['k']);
        assert.equal(await done(tx.objectStore('drop').get('k')), 'd');
      });
      db.close();
    },
  },
  {
    name: 'an aborted first upgrade leaves no database behind',
    async run(env) {
      const err = await openFails(env, 'db', 1, (d, tx) => {
        d.createObjectStore('s');
        tx.abort();
      });
      assert.equal(err.name, 'AbortError');
      const db = await open(env, 'db', 1, (d, _tx, ev) => {
        assert.equal(ev.oldVersion, 0);
        assert.equal(d.objectStoreNames.length, 0);
      });
      db.close();
    },
  },
  {
    name: 'store schema operations and their errors',
    async run(env) {
      const db1 = await open(env, 'db', 1, (d) => {
        const s = d.createObjectStore('s', { keyPath: 'id', autoIncrement: true });
        assert.equal(s.name, 's');
        assert.equal(s.keyPath, 'id');
        throwsNamed(() => d.createObjectStore('s'), 'ConstraintError', 'duplicate store');
        throwsNamed(() => d.deleteObjectStore('nope'), 'NotFoundError');
        d.createObjectStore('t');
        d.deleteObjectStore('t');
        assert.deepEqual([...d.objectStoreNames], ['s']);
      });
      throwsNamed(() => db1.createObjectStore('x'), 'InvalidStateError', 'outside an upgrade');
      throwsNamed(() => db1.deleteObjectStore('s'), 'InvalidStateError', 'outside an upgrade');
      await inTx(db1, 's', 'readwrite', async (tx) => void (await done(tx.objectStore('s').add({ v: 1 }))));
      db1.close();
      const db = await open(env, 'db', 2, (d, tx) => {
        const s = tx.objectStore('s');
        s.name = 'renamed';
        assert.deepEqual([...d.objectStoreNames], ['renamed']);
        throwsNamed(() => tx.objectStore('s'), 'NotFoundError');
      });
      await inTx(db, 'renamed', 'readwrite', async (tx) => {
        const s = tx.objectStore('renamed');
        assert.deepEqual(await done(s.get(1)), { v: 1, id: 1 });
        assert.equal(s.autoIncrement, true);
        assert.equal(await done(s.add({ v: 2 })), 2, 'the generator survives a rename');
      });
      db.close();
    },
  },
  {
    name: 'after abort() in an upgrade, schema calls throw TransactionInactiveError until the abort event',
    async run(env) {
      const seen: string[] = [];
      const name = (fn: () => unknown): string => {
        try { fn(); return 'no error'; } catch (e) { return (e as Error).name; }
      };
      let upgradeDb: DatabaseLike | undefined;
      const err = await openFails(env, 'db', 1, (d, tx) => {
        upgradeDb = d;
        d.createObjectStore('s');
        // The task that fires abort first clears the database's upgrade transaction.
        tx.addEventListener('abort', () => seen.push(`in abort: ${name(() => d.createObjectStore('s4'))}`));
        tx.abort();
        // The connection's upgrade transaction is still set, only inactive: the state check wins
        // over the key path and store name checks.
        seen.push(name(() => d.createObjectStore('s2', { keyPath: '-invalid-' })));
        seen.push(name(() => d.deleteObjectStore('nope')));
      });
      assert.equal(err.name, 'AbortError');
      // Once the upgrade transaction has finished there is none: InvalidStateError.
      const d = upgradeDb as DatabaseLike;
      seen.push(name(() => d.createObjectStore('s3')));
      seen.push(name(() => d.deleteObjectStore('s')));
      assert.deepEqual(seen, ['TransactionInactiveError', 'TransactionInactiveError', 'in abort: InvalidStateError', 'InvalidStateError', 'InvalidStateError']);
    },
  },
  {
    name: 'versionchange reaches open connections; blocked fires while they stay open',
    async run(env) {
      const a = await open(env, 'db', 1);
      const b = await open(env, 'db', 1);
      const log: string[] = [];
      a.onversionchange = (ev) => {
        log.push(`a:${ev.oldVersion}->${String(ev.newVersion)}`);
        a.close();
      };
      b.onversionchange = (ev) => log.push(`b:${ev.oldVersion}->${String(ev.newVersion)}`);
      const r = env.indexedDB.open('db', 2);
      const upgraded = new Promise<void>((resolve, reject) => {
        r.onblocked = (ev) => {
          log.push(`blocked:${ev.oldVersion}->${String(ev.newVersion)}`);
          b.close();
        };
        r.onupgradeneeded = () => log.push('upgrade');
        r.onsuccess = () => {
          r.result.close();
          resolve();
        };
        r.onerror = () => reject(r.error);
      });
      await upgraded;
      assert.deepEqual(log, ['a:1->2', 'b:1->2', 'blocked:1->2', 'upgrade']);
    },
  },
  {
    name: 'deleteDatabase fires versionchange with newVersion null and waits for close',
    async run(env) {
      const db = await open(env, 'db', 4, (d) => d.createObjectStore('s'));
      let change: VersionChangeEventLike | undefined;
      db.onversionchange = (ev) => {
        change = ev;
        db.close();
      };
      const r = env.indexedDB.deleteDatabase('db');
      const ev = await new Promise<VersionChangeEventLike>((resolve, reject) => {
        r.onsuccess = (e) => resolve(e as VersionChangeEventLike);
        r.onerror = () => reject(r.error);
      });
      assert.equal(change?.oldVersion, 4);
      assert.equal(change?.newVersion, null);
      assert.equal(ev.oldVersion, 4);
      assert.equal(ev.newVersion, null);
      assert.equal(r.result, undefined);
    },
  },
  {
    name: 'the open request exposes the upgrade transaction',
    async run(env) {
      const r = env.indexedDB.open('db', 1);
      assert.equal(r.readyState, 'pending');
      throwsNamed(() => r.result, 'InvalidStateError', 'result while pending');
      await new Promise<void>((resolve, reject) => {
        r.onupgradeneeded = () => {
          assert.equal(r.transaction?.mode, 'versionchange');
          assert.equal(r.transaction?.db, r.result);
          r.result.createObjectStore('s');
        };
        r.onsuccess = () => {
          assert.equal(r.transaction, null, 'the transaction is gone after success');
          r.result.close();
          resolve();
        };
        r.onerror = () => reject(r.error);
      });
    },
  },
]);
