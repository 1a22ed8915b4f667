/** Every single-byte corruption is detected; wrong magic, newer version, truncation. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { crc32 } from 'node:zlib';
import { type Entry, Kind, NO_EXPIRY } from '../base/entry.ts';
import { ErrorCode, isFlowError } from '../base/errors.ts';
import { BlockCache } from './block-cache.ts';
import { FOOTER_BYTES } from './format.ts';
import { Table } from './reader.ts';
import { TinyFS } from './test-support.ts';
import { TableWriter } from './writer.ts';

async function makeTable(compression: 'none' | 'zstd'): Promise<{ bytes: Uint8Array; entries: Entry[] }> {
  const fs = new TinyFS();
  const w = await TableWriter.create(fs, '/t.sst', 1, { blockBytes: 160, bloomBitsPerKey: 10, compression });
  const entries: Entry[] = [];
  for (let i = 0; i < 24; i++) {
    const e: Entry = { key: new TextEncoder().encode(`key-${i % 12}`), ts: i < 12 ? -5 : 3, seq: 100 - i, kind: i % 5 === 0 ? Kind.DELETE : Kind.PUT, expireAt: NO_EXPIRY, value: i % 5 === 0 ? new Uint8Array(0) : new TextEncoder().encode(`value value value ${i}`) };
    entries.push(e);
  }
  entries.sort((a, b) => Buffer.compare(a.key, b.key) || a.ts - b.ts || b.seq - a.seq);
  for (const e of entries) w.add(e);
  w.addRangeTombstone({ start: Uint8Array.of(1), end: Uint8Array.of(2), seq: 5 });
  await w.finish();
  return { bytes: fs.files.get('/t.sst') as Uint8Array, entries };
}

/** Opens, verifies and fully reads a (possibly corrupt) file; returns the error code seen, if any. */
async function probe(bytes: Uint8Array): Promise<string | undefined> {
  const fs = new TinyFS();
  fs.files.set('/x.sst', bytes);
  let t: Table;
  try {
    t = await Table.open(fs, '/x.sst', 1, new BlockCache(1 << 20));
  } catch (err) {
    assert.ok(isFlowError(err), `non-FlowError at open: ${String(err)}`);
    return err.code;
  }
  const problems = await t.verify();
  let readErr: string | undefined;
  try {
    const it = t.iter({});
    while ((await it.nextRun()) !== undefined);
  } catch (err) {
    assert.ok(isFlowError(err, ErrorCode.CORRUPTION), `read error ${String(err)}`);
    assert.equal(err.file, '/x.sst');
    assert.equal(typeof err.offset, 'number');
    readErr = err.code;
  }
  assert.equal(problems.length > 0, readErr !== undefined, 'verify and reads agree');
  return readErr;
}

for (const compression of ['none', 'zstd'] as const) {
  test(`every single-byte corruption is detected (${compression})`, async () => {
    const { bytes } = await makeTable(compression);
    assert.equal(await probe(bytes), undefined, 'pristine file is fine');
    const fs = new TinyFS();
    fs.files.set('/p.sst', bytes);
    assert.ok((await Table.open(fs, '/p.sst', 1, new BlockCache(0))).blockCount >= 4, 'several data blocks');
    const footer = bytes.length - FOOTER_BYTES;
    let dataChecked = 0;
    for (let i = 0; i < bytes.length; i++) {
      for (const flip of [0x01, 0x80, 0xff]) {
        const bad = bytes.slice();
        bad[i] = (bad[i] as number) ^ flip;
        const code = await probe(bad);
        // The footer's version field may turn into a "newer version".
        const versionByte = i >= footer + 48 && i < footer + 52;
        const ok = code === ErrorCode.CORRUPTION || (versionByte && code === ErrorCode.NOT_SUPPORTED);
        assert.ok(ok, `byte ${i}/${bytes.length} ^${flip}: got ${code}`);
      }
      dataChecked++;
    }
    assert.equal(dataChecked, bytes.length);
  });
}

test('wrong magic, newer version, truncation', async () => {
  const { bytes } = await makeTable('none');
  const n = bytes.length;
  const magic = bytes.slice();
  magic[n - 1] = 0;
  assert.equal(await probe(magic), ErrorCode.CORRUPTION);
  const newer = bytes.slice();
  const dv = new DataView(newer.buffer);
  dv.setUint32(n - FOOTER_BYTES + 48, 2, true);
  dv.setUint32(n - FOOTER_BYTES + 52, crc32(newer.subarray(n - FOOTER_BYTES, n - FOOTER_BYTES + 52)), true);
  assert.equal(await probe(newer), ErrorCode.NOT_SUPPORTED);
  assert.equal(await probe(bytes.slice(0, n - 1)), ErrorCode.CORRUPTION);
  assert.equal(await probe(bytes.slice(0, 10)), ErrorCode.CORRUPTION);
  assert.equal(await probe(new Uint8Array(0)), ErrorCode.CORRUPTION);
  const appended = new Uint8Array(n + 3);
  appended.set(bytes);
  assert.equal(await probe(appended), ErrorCode.CORRUPTION);
});

test('corrupt data block surfaces as CORRUPTION from get with file and offset', async () => {
  const { bytes, entries } = await makeTable('zstd');
  const fs = new TinyFS();
  const bad = bytes.slice();
  bad[3] = (bad[3] as number) ^ 0x10;
  fs.files.set('/x.sst', bad);
  const t = await Table.open(fs, '/x.sst', 1, new BlockCache(1 << 20));
  const e = entries[0] as Entry;
  await assert.rejects(t.get(e.key, e.ts, e.seq), (err: unknown) => isFlowError(err, ErrorCode.CORRUPTION) && err.offset === 0 && err.file === '/x.sst');
  const problems = await t.verify();
  assert.equal(problems.length, 1);
  assert.match(problems[0] as string, /x\.sst@0: .*checksum/);
});
