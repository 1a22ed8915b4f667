/** Mechanical guards: what engine code may import and call (docs/design.md, brief "Standards"). */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';

const root = new URL('../src/', import.meta.url).pathname;

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...sources(p));
    else if (name.endsWith('.ts') && !name.endsWith('.test.ts') && !name.startsWith('test-support')) out.push(p);
  }
  return out;
}

const files = sources(root).map((p) => ({ rel: relative(root, p), text: readFileSync(p, 'utf8') }));

test('only vfs/node-fs.ts imports node:fs', () => {
  const offenders = files.filter((f) => /from ['"](node:)?fs(\/promises)?['"]/.test(f.text) && f.rel !== 'vfs/node-fs.ts');
  assert.deepEqual(offenders.map((f) => f.rel), []);
});

test('the engine imports no other workspace', () => {
  const offenders = files.filter((f) => /from ['"]@flowdb\/(idb|server|client)/.test(f.text) || /from ['"]\.\.\/\.\.\/\.\.\//.test(f.text));
  assert.deepEqual(offenders.map((f) => f.rel), []);
});

test('no TS enums and no Math.random in engine code', () => {
  assert.deepEqual(files.filter((f) => /^\s*(export )?(const )?enum /m.test(f.text)).map((f) => f.rel), []);
  assert.deepEqual(files.filter((f) => /Math\.random\(/.test(f.text)).map((f) => f.rel), []);
});

test('every format doc linked from code exists', () => {
  const docs = new URL('../../docs/formats/', import.meta.url).pathname;
  for (const f of files) {
    for (const m of f.text.matchAll(/docs\/formats\/([a-z-]+\.md)/g)) {
      assert.ok(readdirSync(docs).includes(m[1] as string), `${f.rel} links docs/formats/${m[1]}`);
    }
  }
});
