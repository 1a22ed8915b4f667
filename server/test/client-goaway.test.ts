/**
 * The TS client survives a sidecar restart between calls (connect-es #1768, connect-node 2.2.0): a
 * GOAWAY reaching its idle connection while a new call starts used to raise an uncaught 'error'
 * ("received GOAWAY without any open streams") that killed the client process. Real server
 * process; the new call is started from the session's 'goaway' event, the exact interleaving of
 * the bug, so the test fails deterministically without clients/ts/src/session.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as dc from 'node:diagnostics_channel';
import type * as http2 from 'node:http2';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Code, FlowClient, FlowClientError } from '@flowdb/client';
import { spawnServer } from './spawn.ts';

test('client: a GOAWAY on an idle connection (server restart) does not crash the process; the next call reconnects', async () => {
  const uncaught: unknown[] = [];
  const onUncaught = (e: unknown) => uncaught.push(e);
  process.on('uncaughtException', onUncaught);
  // The client's HTTP/2 sessions, seen through Node's stream-created channel.
  const sessions = new Set<http2.Http2Session>();
  const onStream = (m: unknown) => {
    const s = (m as { stream?: http2.ClientHttp2Stream }).stream?.session;
    if (s !== undefined) sessions.add(s);
  };
  dc.subscribe('http2.client.stream.created', onStream);
  const dir = mkdtempSync(join(tmpdir(), 'flowdb-goaway-'));
  let s = await spawnServer(dir);
  const port = Number(s.addr.slice(s.addr.lastIndexOf(':') + 1));
  const db = new FlowClient({ baseUrl: s.baseUrl });
  try {
    await db.put('a', '1'); // the connection is idle from now on
    assert.equal(sessions.size, 1);
    const session = [...sessions][0] as http2.Http2Session;
    let during: Promise<unknown> | undefined;
    const goaway = new Promise<void>((resolve) =>
      session.once('goaway', () => {
        // Runs right after the session manager's own 'goaway' handler destroyed the session.
        during = db.put('b', '2').then(() => 'OK', (e: unknown) => e);
        resolve();
      }),
    );
    assert.equal(await s.stop('SIGTERM'), 0);
    await goaway;
    const r = await during;
    // The server was gone: the call started during its shutdown fails cleanly (or succeeded).
    if (r !== 'OK') {
      assert.ok(r instanceof FlowClientError, String(r));
      assert.equal(r.code, Code.Unavailable, `${r.codeName}: ${r.message}`);
    }
    await new Promise((r) => setTimeout(r, 200)); // the deferred session error fires on socket close
    s = await spawnServer(dir, [`--listen=127.0.0.1:${port}`]);
    assert.equal(s.addr, `127.0.0.1:${port}`);
    const c = await db.put('c', '3'); // reconnects
    assert.ok(c.seq > 0);
    assert.equal((await db.get('a'))?.value.length, 1);
    assert.deepEqual(uncaught.map(String), []);
  } finally {
    db.close();
    process.off('uncaughtException', onUncaught);
    dc.unsubscribe('http2.client.stream.created', onStream);
    await s.stop('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});
