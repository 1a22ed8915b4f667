/** Promise helpers over IDB requests and events; the suite's only glue to the async model. */
import assert from 'node:assert/strict';
import type {
  ConformanceEnv,
  DatabaseLike,
  EventLike,
  Key,
  OpenRequestLike,
  RequestLike,
  TransactionLike,
  VersionChangeEventLike,
} from './types.ts';

/** Resolves with the result on "success", rejects with request.error on "error". */
export function done<T>(r: RequestLike<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error ?? new Error('request failed without error'));
  });
}

/** Resolves with the error of a request that must fail; preventDefault() keeps its transaction. */
export function failure(r: RequestLike<unknown>, opts: { prevent?: boolean } = {}): Promise<DOMException> {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => reject(new Error('request succeeded, expected an error'));
    r.onerror = (ev) => {
      if (opts.prevent === true) ev.preventDefault();
      if (r.error === null) reject(new Error('error event without request.error'));
      else resolve(r.error);
    };
  });
}

/** Resolves on "complete", rejects with the transaction's error on "abort". */
export function committed(tx: TransactionLike): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.addEventListener('complete', () => resolve());
    tx.addEventListener('abort', () => reject(tx.error ?? new Error('transaction aborted')));
  });
}

/** Resolves with tx.error on "abort", rejects on "complete". */
export function aborted(tx: TransactionLike): Promise<DOMException | null> {
  return new Promise((resolve, reject) => {
    tx.addEventListener('abort', () => resolve(tx.error));
    tx.addEventListener('complete', () => reject(new Error('transaction committed, expected abort')));
  });
}

export type Upgrade = (db: DatabaseLike, tx: TransactionLike, ev: VersionChangeEventLike) => void;

/** Runs an upgrade callback; a throw (a failed assert) aborts the upgrade and is kept for the caller. */
function runUpgrade(r: OpenRequestLike, upgrade: Upgrade | undefined, ev: VersionChangeEventLike, fail: (e: unknown) => void): void {
  const tx = r.transaction;
  if (tx === null) return fail(new Error('upgradeneeded without a transaction'));
  try {
    upgrade?.(r.result, tx, ev);
  } catch (e) {
    fail(e);
    try {
      tx.abort();
    } catch {
      // already finished
    }
  }
}

/** Opens a connection, running `upgrade` inside upgradeneeded. */
export function open(env: ConformanceEnv, name: string, version?: number, upgrade?: Upgrade): Promise<DatabaseLike> {
  const r = version === undefined ? env.indexedDB.open(name) : env.indexedDB.open(name, version);
  let thrown: { e: unknown } | undefined;
  return new Promise((resolve, reject) => {
    r.onupgradeneeded = (ev) => runUpgrade(r, upgrade, ev, (e) => (thrown = { e }));
    r.onsuccess = () => resolve(r.result);
    r.onerror = (ev) => {
      ev.preventDefault();
      reject(thrown !== undefined ? thrown.e : (r.error ?? new Error('open failed')));
    };
    r.onblocked = () => reject(new Error('open blocked'));
  });
}

/** Deletes a database; resolves with the success event. */
export function deleteDb(env: ConformanceEnv, name: string): Promise<VersionChangeEventLike> {
  const r = env.indexedDB.deleteDatabase(name);
  return new Promise((resolve, reject) => {
    r.onsuccess = (ev) => resolve(ev as VersionChangeEventLike);
    r.onerror = () => reject(r.error ?? new Error('delete failed'));
  });
}

/** A request that must fail to open (e.g. an aborted upgrade); resolves with its error. */
export function openFails(env: ConformanceEnv, name: string, version: number, upgrade?: Upgrade): Promise<DOMException> {
  const r = env.indexedDB.open(name, version);
  let thrown: { e: unknown } | undefined;
  return new Promise((resolve, reject) => {
    r.onupgradeneeded = (ev) => runUpgrade(r, upgrade, ev, (e) => (thrown = { e }));
    r.onsuccess = () => {
      r.result.close();
      reject(new Error('open succeeded, expected an error'));
    };
    r.onerror = (ev) => {
      ev.preventDefault();
      if (thrown !== undefined) reject(thrown.e);
      else if (r.error === null) reject(new Error('error event without request.error'));
      else resolve(r.error);
    };
  });
}

/** A database with one store "s" (optional params) created at version 1. */
export function withStore(env: ConformanceEnv, params?: Parameters<DatabaseLike['createObjectStore']>[1], more?: Upgrade): Promise<DatabaseLike> {
  return open(env, 'db', 1, (db, tx, ev) => {
    db.createObjectStore('s', params);
    more?.(db, tx, ev);
  });
}

/** Runs `fn` in one transaction over `stores` and waits for it to commit. */
export async function inTx<T>(db: DatabaseLike, stores: string | string[], mode: 'readonly' | 'readwrite', fn: (tx: TransactionLike) => Promise<T>): Promise<T> {
  const tx = db.transaction(stores, mode);
  const end = committed(tx);
  let out: T;
  try {
    out = await fn(tx);
  } catch (e) {
    end.catch(() => {}); // the body failed: how the transaction ends no longer matters
    throw e;
  }
  await end;
  return out;
}

/** Asserts a synchronous DOMException (or TypeError when name is "TypeError") with that name. */
export function throwsNamed(fn: () => unknown, name: string, what = ''): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof Error || e instanceof DOMException, `${what}: not an Error: ${String(e)}`);
    assert.equal((e as Error).name, name, `${what}: got ${(e as Error).name}: ${(e as Error).message}`);
    if (name !== 'TypeError' && name !== 'RangeError') assert.ok(e instanceof DOMException, `${what}: not a DOMException`);
    return true;
  });
}

/** A comparable form of a key or value for deepEqual: binary as {bin}, dates as {date}. */
export function norm(k: unknown): unknown {
  if (k instanceof ArrayBuffer) return { bin: [...new Uint8Array(k)] };
  if (ArrayBuffer.isView(k)) return { bin: [...new Uint8Array(k.buffer, k.byteOffset, k.byteLength)] };
  if (k instanceof Date) return { date: k.getTime() };
  if (Array.isArray(k)) return k.map(norm);
  return k;
}

export function sameKeys(actual: readonly unknown[], expected: readonly Key[], msg?: string): void {
  assert.deepEqual(actual.map(norm), expected.map(norm), msg);
}

/** Walks a cursor request to the end, collecting `pick(cursor)` and calling `step` to advance. */
export function walk<C extends { continue(): void }, T>(
  r: RequestLike<C | null>,
  pick: (c: C) => T,
  step: (c: C, n: number) => void = (c) => c.continue(),
): Promise<T[]> {
  const out: T[] = [];
  return new Promise((resolve, reject) => {
    r.onsuccess = () => {
      const c = r.result;
      if (c === null) return resolve(out);
      out.push(pick(c));
      step(c, out.length);
    };
    r.onerror = () => reject(r.error ?? new Error('cursor failed'));
  });
}

/**
 * Runs `fn` with process "uncaughtException" listeners (node:test's too) swapped for a recorder;
 * returns what was thrown uncaught meanwhile. For exceptions an implementation "reports".
 */
export async function withUncaught(fn: () => Promise<void>): Promise<unknown[]> {
  const saved = process.listeners('uncaughtException');
  const seen: unknown[] = [];
  const record = (e: unknown): void => void seen.push(e);
  process.removeAllListeners('uncaughtException');
  process.on('uncaughtException', record);
  try {
    await fn();
  } finally {
    process.off('uncaughtException', record);
    for (const l of saved) process.on('uncaughtException', l);
  }
  return seen;
}

/** Resolves after the current task and the following ones queued by then (transactions go inactive). */
export function nextTask(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** Records the events of `names` on each target, in dispatch order. */
export function recordEvents(targets: Array<[string, { addEventListener(t: string, l: (e: EventLike) => unknown): void }]>, names: string[]): string[] {
  const log: string[] = [];
  for (const [label, target] of targets) {
    for (const n of names) target.addEventListener(n, () => log.push(`${label}:${n}`));
  }
  return log;
}
