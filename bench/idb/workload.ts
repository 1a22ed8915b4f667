/** Documents and the phases of the IndexedDB benchmark, written against the standard API only. */
import { helpers } from '@flowdb/idb/testing';
import type { DatabaseLike, FactoryLike, TransactionLike } from '@flowdb/idb/testing';
import type { Durability } from './systems.ts';

const { committed, done } = helpers;
const CITIES = ['Oslo', 'Bergen', 'Lima', 'Quito', 'Pune', 'Porto', 'Turku', 'Cork', 'Graz', 'Kobe'];

export interface Doc {
  id: number;
  name: string;
  email: string;
  age: number;
  city: string;
  tags: string[];
  score: number;
}

/** A deterministic document of ~150 bytes as JSON. */
export function doc(id: number): Doc {
  return {
    id,
    name: `user-${id}`,
    email: `user${id}@example.com`,
    age: 18 + (id % 60),
    city: CITIES[id % CITIES.length] as string,
    tags: [`t${id % 7}`, `t${id % 11}`],
    score: (id * 7919) % 1000 / 10,
  };
}

/** Opens "bench" with store docs (keyPath id) and indexes email (unique) and city. */
export function openBenchDb(idb: FactoryLike): Promise<DatabaseLike> {
  return new Promise((resolve, reject) => {
    const r = idb.open('bench', 1);
    r.onupgradeneeded = () => {
      const s = r.result.createObjectStore('docs', { keyPath: 'id' });
      s.createIndex('email', 'email', { unique: true });
      s.createIndex('city', 'city');
    };
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
}

function rw(db: DatabaseLike, durability: Durability): TransactionLike {
  return db.transaction('docs', 'readwrite', { durability });
}

/** One document per transaction, each awaited to "complete"; stops at n docs or after ms. */
export async function writeSingles(db: DatabaseLike, durability: Durability, first: number, n: number, ms: number): Promise<number> {
  const stop = performance.now() + ms;
  let i = 0;
  for (; i < n && performance.now() < stop; i++) {
    const tx = rw(db, durability);
    tx.objectStore('docs').add(doc(first + i));
    await committed(tx);
  }
  return i;
}

/** One document per transaction, up to `inFlight` transactions at once (not awaited one by one); stops at n docs or after ms. */
export async function writeSinglesConcurrent(db: DatabaseLike, durability: Durability, first: number, n: number, inFlight: number, ms: number): Promise<number> {
  const stop = performance.now() + ms;
  let started = 0;
  const worker = async (): Promise<void> => {
    while (started < n && performance.now() < stop) {
      const tx = rw(db, durability);
      tx.objectStore('docs').add(doc(first + started++));
      await committed(tx);
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  return started;
}

/** Batches of `batch` docs per transaction; stops at n docs or after ms (whole batches). */
export async function writeBatches(db: DatabaseLike, durability: Durability, first: number, n: number, batch: number, ms: number): Promise<number> {
  const stop = performance.now() + ms;
  let i = 0;
  while (i < n && performance.now() < stop) {
    const tx = rw(db, durability);
    const s = tx.objectStore('docs');
    for (let j = 0; j < batch; j++) s.add(doc(first + i + j));
    await committed(tx);
    i += batch;
  }
  return i;
}

/** `n` point gets of random ids in [0, of), `perTx` requests issued together per readonly transaction; returns hits. */
export async function pointReads(db: DatabaseLike, ids: number[], perTx: number): Promise<number> {
  let hits = 0;
  for (let i = 0; i < ids.length; i += perTx) {
    const tx = db.transaction('docs', 'readonly');
    const s = tx.objectStore('docs');
    const got = await Promise.all(ids.slice(i, i + perTx).map((id) => done(s.get(id))));
    for (const d of got) if (d !== undefined) hits++;
    await committed(tx);
  }
  return hits;
}

/** Equality lookups on the unique email index, `perTx` per readonly transaction; returns hits. */
export async function indexLookups(db: DatabaseLike, ids: number[], perTx: number): Promise<number> {
  let hits = 0;
  for (let i = 0; i < ids.length; i += perTx) {
    const tx = db.transaction('docs', 'readonly');
    const email = tx.objectStore('docs').index('email');
    const got = await Promise.all(ids.slice(i, i + perTx).map((id) => done(email.get(`user${id}@example.com`))));
    for (const d of got) if ((d as Doc | undefined)?.id !== undefined) hits++;
    await committed(tx);
  }
  return hits;
}

/** Walks the whole store with one cursor; returns records seen. */
export async function cursorWalk(db: DatabaseLike): Promise<number> {
  const tx = db.transaction('docs', 'readonly');
  const r = tx.objectStore('docs').openCursor();
  let n = 0;
  await new Promise<void>((resolve, reject) => {
    r.onsuccess = () => {
      const c = r.result;
      if (c === null) return resolve();
      n++;
      c.continue();
    };
    r.onerror = () => reject(r.error);
  });
  await committed(tx);
  return n;
}

/** Seeded ids in [0, of). */
export function randomIds(count: number, of: number, seed: number): number[] {
  let x = seed >>> 0 || 1;
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out.push((x >>> 0) % of);
  }
  return out;
}
