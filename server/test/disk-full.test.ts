/**
 * Disk full over RPC: a real server (in-process, real sockets) whose engine
 * runs on ErrorFS. While every write-side fs op fails with ENOSPC, writes get
 * RESOURCE_EXHAUSTED + ErrorInfo NO_SPACE (never INTERNAL), reads and health
 * keep working; once space is back writes succeed, and after a restart every
 * acknowledged write is there.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Code } from '@connectrpc/connect';
import { openEngine } from '@flowdb/engine';
import { ErrorFS, NodeFS, onOps } from '@flowdb/engine/vfs';
import { FlowClient, FlowClientError } from '@flowdb/client';
import { loadConfig } from '../src/config.ts';
import { startServer } from '../src/server.ts';
import { silentLogger } from '../src/log.ts';

const dec = new TextDecoder();

for (const protocol of ['grpc', 'connect'] as const) {
  test(`disk full (${protocol}): RESOURCE_EXHAUSTED/NO_SPACE on writes, reads served, recovery, nothing acknowledged lost`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flowdb-diskfull-'));
    const efs = new ErrorFS(new NodeFS());
    const engine = await openEngine(dir, { fs: efs, sync: { mode: 'always' } });
    const config = loadConfig([`--data-dir=${dir}`, '--listen=127.0.0.1:0'], {});
    const server = await startServer(config, { engine, log: silentLogger });
    const db = new FlowClient({ baseUrl: `http://${server.addresses[0]}`, protocol });
    const acked = new Map<string, string>();
    try {
      for (let i = 0; i < 50; i++) {
        await db.put(`k${i}`, `v${i}`);
        acked.set(`k${i}`, `v${i}`);
      }
      // The disk fills up: every append, sync and create fails.
      efs.setInjector(onOps(['append', 'sync', 'create', 'rename', 'syncDir'], { errno: 'ENOSPC' }));
      let failures = 0;
      for (let i = 0; i < 20; i++) {
        try {
          await db.put(`full${i}`, 'x'.repeat(100));
          acked.set(`full${i}`, 'x'.repeat(100));
        } catch (e) {
          assert.ok(e instanceof FlowClientError, String(e));
          assert.equal(e.code, Code.ResourceExhausted, `${e.codeName} ${e.reason}: ${e.message}`);
          assert.equal(e.reason, 'ERROR_REASON_NO_SPACE');
          failures++;
        }
        // Reads and health go on.
        assert.equal(dec.decode((await db.get(`k${i}`))?.value), `v${i}`);
      }
      assert.equal(failures, 20, 'every write failed while the disk was full');
      await assert.rejects(db.batch([{ put: { key: 'b', value: 'b' } }]), (e: FlowClientError) => e.code === Code.ResourceExhausted && e.reason === 'ERROR_REASON_NO_SPACE');
      assert.equal(await db.count({ prefix: 'k' }), 50);
      assert.equal(await db.checkHealth(), 1);
      // Space is back.
      efs.setInjector(undefined);
      for (let i = 0; i < 20; i++) {
        await db.put(`after${i}`, `a${i}`);
        acked.set(`after${i}`, `a${i}`);
      }
    } finally {
      await server.close();
      await engine.close();
    }
    // Restart on a healthy fs: every acknowledged write is there.
    const again = await openEngine(dir, { sync: { mode: 'always' } });
    try {
      for (const [k, v] of acked) assert.equal(dec.decode((await again.get(new TextEncoder().encode(k)))?.value), v, k);
    } finally {
      await again.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
