/** `@flowdb/idb/auto` in a child process: globals installed, the process exits by itself, data persists under FLOWDB_IDB_DIR. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const AUTO = new URL('../src/auto.ts', import.meta.url).href;

const SCRIPT = `
import ${JSON.stringify(AUTO)};
const g = globalThis;
const names = ['IDBFactory','IDBDatabase','IDBTransaction','IDBObjectStore','IDBIndex','IDBCursor','IDBCursorWithValue','IDBKeyRange','IDBRequest','IDBOpenDBRequest','IDBVersionChangeEvent'];
const missing = names.filter((n) => typeof g[n] !== 'function');
const req = indexedDB.open('auto', 1);
req.onupgradeneeded = () => req.result.createObjectStore('s', { autoIncrement: true });
req.onsuccess = () => {
  const db = req.result;
  const tx = db.transaction('s', 'readwrite');
  tx.objectStore('s').add('v');
  const all = tx.objectStore('s').getAllKeys();
  tx.oncomplete = () => {
    console.log(JSON.stringify({ missing, isFactory: indexedDB instanceof IDBFactory, keys: all.result }));
    db.close();
  };
};
`;

function run(env: NodeJS.ProcessEnv, script = SCRIPT): { out: { missing: string[]; isFactory: boolean; keys: number[] }; status: number | null } {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { env: { ...process.env, ...env }, encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  return { out: JSON.parse(r.stdout.trim()) as { missing: string[]; isFactory: boolean; keys: number[] }, status: r.status };
}

test('auto installs the globals and the process exits; a temporary directory is removed', () => {
  const before = new Set(readdirSync(tmpdir()).filter((n) => n.startsWith('flowdb-idb-')));
  const { out } = run({ FLOWDB_IDB_DIR: '' });
  assert.deepEqual(out, { missing: [], isFactory: true, keys: [1] });
  const after = readdirSync(tmpdir()).filter((n) => n.startsWith('flowdb-idb-') && !before.has(n));
  assert.deepEqual(after, [], 'the temporary directory is gone');
});

test('auto with FLOWDB_IDB_DIR keeps the data for the next process', () => {
  const dir = mkdtempSync(join(tmpdir(), 'idb-auto-test-'));
  try {
    assert.deepEqual(run({ FLOWDB_IDB_DIR: dir }).out.keys, [1]);
    assert.deepEqual(run({ FLOWDB_IDB_DIR: dir }).out.keys, [1, 2]);
    assert.ok(existsSync(dir));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('auto removes its temporary directory even when the process calls process.exit()', () => {
  const before = new Set(readdirSync(tmpdir()).filter((n) => n.startsWith('flowdb-idb-')));
  const exiting = SCRIPT.replace('db.close();', 'db.close(); process.exit(0);');
  assert.deepEqual(run({ FLOWDB_IDB_DIR: '' }, exiting).out.keys, [1]);
  assert.deepEqual(readdirSync(tmpdir()).filter((n) => n.startsWith('flowdb-idb-') && !before.has(n)), []);
});
