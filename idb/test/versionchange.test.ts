/** Opening, upgrades, versionchange/blocked, deleteDatabase, databases(), renames (spec §2.4, §5.1-5.3). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createIDBFactory, type IDBDatabase, type IDBOpenDBRequest, type IDBVersionChangeEvent } from '../src/index.ts';
import { done, harness, isDomError, open, result } from './support.ts';

test('a new database upgrades from 0; reopening without a version keeps it; a lower version is VersionError', async () => {
  const h = await harness();
  const seen: [number, number | null][] = [];
  const db1 = await open(h.factory, 'db', undefined, (_d, _t, ev) => {
    const e = ev as IDBVersionChangeEvent;
    seen.push([e.oldVersion, e.newVersion]);
  });
  assert.equal(db1.version, 1);
  db1.close();
  const db3 = await open(h.factory, 'db', 3, (d, tx, ev) => {
    const e = ev as IDBVersionChangeEvent;
    seen.push([e.oldVersion, e.newVersion]);
    assert.equal(d.version, 3);
    assert.equal(tx.mode, 'versionchange');
    d.createObjectStore('s');
  });
  db3.close();
  assert.deepEqual(seen, [[0, 1], [1, 3]]);
  await assert.rejects(open(h.factory, 'db', 2), isDomError('VersionError'));
  const again = await open(h.factory, 'db');
  assert.equal(again.version, 3);
  again.close();
  assert.throws(() => h.factory.open('db', 0), TypeError);
  assert.throws(() => h.factory.open('db', -1), TypeError);
  assert.throws(() => h.factory.open('db', NaN), TypeError);
  await h.close();
});

test('an upgrade waits for other connections: versionchange, then blocked, then proceeds after close', async () => {
  const h = await harness();
  const a = await open(h.factory, 'db', 1, (d) => { d.createObjectStore('s'); });
  const log: string[] = [];
  a.onversionchange = (ev) => {
    const e = ev as IDBVersionChangeEvent;
    log.push(`versionchange ${e.oldVersion}->${e.newVersion}`);
    setTimeout(() => { log.push('a closes'); a.close(); }, 20);
  };
  const req = h.factory.open('db', 2) as IDBOpenDBRequest;
  req.onblocked = (ev) => log.push(`blocked ${(ev as IDBVersionChangeEvent).oldVersion}->${(ev as IDBVersionChangeEvent).newVersion}`);
  req.onupgradeneeded = () => log.push('upgradeneeded');
  const b = await result<IDBDatabase>(req);
  assert.deepEqual(log, ['versionchange 1->2', 'blocked 1->2', 'a closes', 'upgradeneeded']);
  b.close();
  await h.close();
});

test('a connection that closes in versionchange does not block', async () => {
  const h = await harness();
  const a = await open(h.factory, 'db', 1);
  a.onversionchange = () => a.close();
  const req = h.factory.open('db', 2);
  let blocked = false;
  req.onblocked = () => { blocked = true; };
  const b = await result<IDBDatabase>(req);
  assert.equal(blocked, false);
  assert.equal(b.version, 2);
  b.close();
  await h.close();
});

test('an aborted upgrade reverts version, stores, indexes and names; the open request gets AbortError', async () => {
  const h = await harness();
  const db1 = await open(h.factory, 'db', 1, (d) => {
    const s = d.createObjectStore('keep');
    s.createIndex('i', 'x');
    s.put({ x: 1 }, 1);
  });
  db1.close();
  let upgradeDb: IDBDatabase | undefined;
  await assert.rejects(open(h.factory, 'db', 2, (d, tx) => {
    upgradeDb = d;
    d.createObjectStore('new');
    const keep = tx.objectStore('keep');
    keep.name = 'renamed';
    keep.deleteIndex('i');
    keep.put({ x: 2 }, 2);
    tx.abort();
    assert.equal(keep.name, 'keep', 'names revert at abort');
    assert.deepEqual([...keep.indexNames], ['i']);
  }), isDomError('AbortError'));
  assert.equal(upgradeDb?.version, 1, 'the connection version reverts');
  const db = await open(h.factory, 'db');
  assert.equal(db.version, 1);
  assert.deepEqual([...db.objectStoreNames], ['keep']);
  const s = db.transaction('keep').objectStore('keep');
  assert.deepEqual([...s.indexNames], ['i']);
  assert.deepEqual(await result(s.index('i').getAllKeys()), [1]);
  db.close();
  await h.close();
});

test('an aborted first upgrade leaves no database behind', async () => {
  const h = await harness();
  await assert.rejects(open(h.factory, 'fresh', 1, (d, tx) => { d.createObjectStore('s'); tx.abort(); }), isDomError('AbortError'));
  assert.deepEqual(await h.factory.databases(), []);
  const db = await open(h.factory, 'fresh', 1, (d) => { assert.deepEqual([...d.objectStoreNames], []); });
  db.close();
  await h.close();
});

test('renaming stores and indexes in an upgrade keeps their data', async () => {
  const h = await harness();
  let db = await open(h.factory, 'db', 1, (d) => {
    const s = d.createObjectStore('old', { keyPath: 'k' });
    s.createIndex('oldIdx', 'v');
    s.put({ k: 1, v: 'a' });
  });
  db.close();
  db = await open(h.factory, 'db', 2, (d, tx) => {
    const s = tx.objectStore('old');
    s.name = 'new';
    s.index('oldIdx').name = 'newIdx';
    assert.throws(() => { s.name = 'new'; s.name = 'x'; d.createObjectStore('y'); s.name = 'y'; }, isDomError('ConstraintError'));
  });
  db.close();
  await h.reopen();
  db = await open(h.factory, 'db');
  assert.deepEqual([...db.objectStoreNames], ['x', 'y']);
  assert.deepEqual(await result(db.transaction('x').objectStore('x').index('newIdx').get('a')), { k: 1, v: 'a' });
  db.close();
  await h.close();
});

test('deleteObjectStore removes the store and its data; a new store with the same name starts empty', async () => {
  const h = await harness();
  let db = await open(h.factory, 'db', 1, (d) => {
    const s = d.createObjectStore('s', { autoIncrement: true });
    s.createIndex('i', 'v');
    s.add({ v: 1 });
    s.add({ v: 2 });
  });
  db.close();
  db = await open(h.factory, 'db', 2, (d, tx) => {
    const old = tx.objectStore('s');
    d.deleteObjectStore('s');
    assert.throws(() => old.put({ v: 3 }), isDomError('InvalidStateError'));
    assert.throws(() => d.deleteObjectStore('s'), isDomError('NotFoundError'));
    d.createObjectStore('s', { autoIncrement: true });
  });
  const tx = db.transaction('s', 'readwrite');
  const k = tx.objectStore('s').add({ v: 9 });
  await done(tx);
  assert.equal(k.result, 1, 'a fresh key generator');
  assert.equal(await result(db.transaction('s').objectStore('s').count()), 1);
  db.close();
  await h.close();
});

test('schema methods outside an upgrade throw InvalidStateError', async () => {
  const h = await harness();
  const db = await open(h.factory, 'db', 1, (d) => { d.createObjectStore('s'); });
  assert.throws(() => db.createObjectStore('t'), isDomError('InvalidStateError'));
  assert.throws(() => db.deleteObjectStore('s'), isDomError('InvalidStateError'));
  db.close();
  await h.close();
});

test('deleteDatabase: versionchange to open connections, removes everything, databases() lists what exists', async () => {
  const h = await harness();
  const a = await open(h.factory, 'a', 4, (d) => { d.createObjectStore('s').put('x', 1); });
  const b = await open(h.factory, 'b', 1);
  b.close();
  assert.deepEqual((await h.factory.databases()).sort((x, y) => x.name.localeCompare(y.name)), [{ name: 'a', version: 4 }, { name: 'b', version: 1 }]);
  let change: [number, number | null] | undefined;
  a.onversionchange = (ev) => {
    const e = ev as IDBVersionChangeEvent;
    change = [e.oldVersion, e.newVersion];
    a.close();
  };
  const del = h.factory.deleteDatabase('a');
  let oldVersion = -1;
  del.onsuccess = (ev) => { oldVersion = (ev as IDBVersionChangeEvent).oldVersion; };
  await result(del);
  assert.deepEqual(change, [4, null]);
  assert.equal(oldVersion, 4);
  assert.deepEqual(await h.factory.databases(), [{ name: 'b', version: 1 }]);
  let dataLeft = 0;
  for await (const _ of h.engine.scan({ gte: new Uint8Array([1]), lt: new Uint8Array([2]) })) dataLeft++;
  assert.equal(dataLeft, 0);
  const again = await open(h.factory, 'a', undefined, (d) => assert.deepEqual([...d.objectStoreNames], []));
  assert.equal(again.version, 1);
  again.close();
  await result(h.factory.deleteDatabase('never-existed'));
  await h.close();
});

test('open requests for one name are served in order', async () => {
  const h = await harness();
  const order: string[] = [];
  const r1 = h.factory.open('db', 1);
  r1.onupgradeneeded = () => order.push('upgrade 1');
  r1.onsuccess = () => { order.push('open 1'); (r1.result as IDBDatabase).close(); };
  const r2 = h.factory.open('db', 2);
  r2.onupgradeneeded = () => order.push('upgrade 2');
  const db = await result<IDBDatabase>(r2);
  order.push('open 2');
  assert.deepEqual(order, ['upgrade 1', 'open 1', 'upgrade 2', 'open 2']);
  db.close();
  await h.close();
});

test('factory.cmp follows key order and rejects invalid keys', async () => {
  const h = await harness();
  const f = h.factory;
  assert.equal(f.cmp(1, '1'), -1);
  assert.equal(f.cmp([1, 2], [1]), 1);
  assert.equal(f.cmp(new Date(3), 1e10), 1);
  assert.equal(f.cmp('a', 'a'), 0);
  assert.throws(() => f.cmp(NaN, 1), isDomError('DataError'));
  await h.close();
});

test('a keyspace written by a newer format version is refused, not guessed at', async () => {
  const h = await harness();
  const db = await open(h.factory, 'db', 1);
  db.close();
  const versionKey = new Uint8Array([0, 0]);
  const stored = await h.engine.get(versionKey);
  assert.equal(new TextDecoder().decode(stored?.value), '1');
  await h.engine.write([{ type: 'put', key: versionKey, ts: 0, value: new TextEncoder().encode('2') }]);
  await h.reopen();
  await assert.rejects(open(h.factory, 'db'), isDomError('VersionError'));
  await h.close();
});

test('databases created concurrently get distinct ids and keep their data apart (BUG-3)', async () => {
  const h = await harness();
  const make = (name: string) => open(h.factory, name, 1, (d) => { d.createObjectStore('s').put(name, 1); });
  const [a, b] = await Promise.all([make('A'), make('B')]);
  assert.equal(await result(a.transaction('s').objectStore('s').get(1)), 'A');
  assert.equal(await result(b.transaction('s').objectStore('s').get(1)), 'B');
  a.close();
  b.close();
  await h.reopen();
  const c = await make('C');
  assert.equal(await result(c.transaction('s').objectStore('s').count()), 1, 'a new id after reopen too');
  c.close();
  await h.close();
});

test('missing required arguments are TypeErrors (WebIDL)', async () => {
  const h = await harness();
  const f = h.factory;
  assert.throws(() => Reflect.apply(f.open, f, []), TypeError);
  assert.throws(() => Reflect.apply(f.deleteDatabase, f, []), TypeError);
  assert.throws(() => Reflect.apply(f.cmp, f, [1]), TypeError);
  const db = await open(f, 'db', 1, (d) => {
    const s = d.createObjectStore('s');
    assert.throws(() => Reflect.apply(s.createIndex, s, ['i']), TypeError);
    assert.throws(() => Reflect.apply(s.put, s, []), TypeError);
  });
  assert.throws(() => Reflect.apply(db.transaction, db, []), TypeError);
  db.close();
  await h.close();
});

test('close() in upgradeneeded: the upgrade still completes, then the open request fails with AbortError', async () => {
  const h = await harness();
  const req = h.factory.open('db', 1);
  let sawComplete = false;
  let db: IDBDatabase | undefined;
  req.onupgradeneeded = () => {
    db = req.result as IDBDatabase;
    db.createObjectStore('os');
    db.close();
    (req.transaction as NonNullable<typeof req.transaction>).oncomplete = () => { sawComplete = true; };
  };
  await assert.rejects(result(req), isDomError('AbortError'));
  assert.equal(sawComplete, true);
  assert.equal(req.result, undefined);
  assert.equal(db?.version, 1);
  assert.throws(() => db?.transaction('os'), isDomError('InvalidStateError'));
  const again = await open(h.factory, 'db');
  assert.deepEqual([...again.objectStoreNames], ['os']);
  again.close();
  await h.close();
});

test('two factories over one engine share databases, scheduling and ids', async () => {
  const h = await harness();
  const f2 = createIDBFactory({ kv: h.engine, walSyncedOnWrite: true });
  const [a, b] = await Promise.all([
    open(h.factory, 'A', 1, (d) => { d.createObjectStore('s').put('A', 1); }),
    open(f2, 'B', 1, (d) => { d.createObjectStore('s').put('B', 1); }),
  ]);
  assert.equal(await result(a.transaction('s').objectStore('s').get(1)), 'A');
  assert.equal(await result(b.transaction('s').objectStore('s').get(1)), 'B');
  // An upgrade through one factory is blocked by a connection from the other.
  let sawVersionChange = false;
  a.onversionchange = () => { sawVersionChange = true; a.close(); };
  const a2 = await open(f2, 'A', 2);
  assert.equal(sawVersionChange, true);
  a2.close();
  b.close();
  await h.close();
});
