/** Keepalive, TLS and config: a spawned server with aggressive server PINGs survives abrupt client disconnects. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as http2 from 'node:http2';
import * as net from 'node:net';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FlowClient } from '@flowdb/client';
import { engineOptions, loadConfig } from '../src/config.ts';
import { spawnServer } from './spawn.ts';

test('config: defaults < FLOWDB_* env < flags', () => {
  const d = loadConfig([], {});
  assert.equal(d.dataDir, './data');
  assert.deepEqual(d.listen, ['127.0.0.1:50051']);
  assert.deepEqual(d.sync, { mode: 'always' });
  const c = loadConfig(['--listen=[::1]:1,unix:/tmp/s', '--sync', 'interval:5'], { FLOWDB_DATA_DIR: '/x', FLOWDB_SYNC: 'none', FLOWDB_MAX_RECV_BYTES: '2048000' });
  assert.equal(c.dataDir, '/x');
  assert.deepEqual(c.listen, ['[::1]:1', 'unix:/tmp/s']);
  assert.deepEqual(c.sync, { mode: 'interval', intervalMs: 5 });
  assert.equal(c.maxRecvBytes, 2048000);
  assert.throws(() => loadConfig(['--nope=1'], {}), /unknown flag/);
  assert.throws(() => loadConfig([], { FLOWDB_SYNC: 'sometimes' }), /sync/);
  assert.deepEqual(engineOptions(d), { sync: { mode: 'always' } });
  assert.deepEqual(engineOptions(loadConfig(['--memtable-bytes=65536'], { FLOWDB_MAX_OPEN_FILES: '64' })), { sync: { mode: 'always' }, memtableBytes: 65536, maxOpenFiles: 64 });
  assert.throws(() => loadConfig(['--max-open-files=3'], {}), /max-open-files/);
});

test('keepalive: server PINGs survive destroyed client sessions', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'flowdb-ka-'));
  const s = await spawnServer(dir, ['--keepalive-ms=50', '--keepalive-timeout-ms=100']);
  try {
    for (let i = 0; i < 5; i++) {
      const session = http2.connect(s.baseUrl);
      session.on('error', () => {});
      await new Promise((r) => session.once('connect', r));
      await new Promise((r) => setTimeout(r, 70)); // a ping or two in flight
      session.socket.destroy(); // abrupt: no GOAWAY
    }
    // A client that never answers PINGs: raw preface + SETTINGS, then silence.
    const [host, port] = [s.addr.slice(0, s.addr.lastIndexOf(':')), Number(s.addr.slice(s.addr.lastIndexOf(':') + 1))];
    const raw = net.connect(port, host);
    raw.on('error', () => {});
    raw.on('data', () => {}); // read, never reply
    raw.write(Buffer.concat([Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1'), Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0])]));
    const closed = new Promise<boolean>((r) => raw.once('close', () => r(true)));
    assert.equal(await Promise.race([closed, new Promise<boolean>((r) => setTimeout(() => r(false), 3000))]), true, 'server dropped the silent session');
    const db = new FlowClient({ baseUrl: s.baseUrl });
    await db.put('alive', 'yes');
    assert.equal(await db.checkHealth(), 1);
    assert.equal(s.proc.exitCode, null);
    assert.doesNotMatch(s.stderr(), /uncaught/);
  } finally {
    assert.equal(await s.stop(), 0);
    rmSync(dir, { recursive: true, force: true });
  }
});

test('TLS: h2 and HTTP/1.1 via ALPN', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'flowdb-tls-'));
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=127.0.0.1'], { stdio: 'ignore' });
  } catch {
    t.skip('openssl not available');
    return;
  }
  const s = await spawnServer(join(dir, 'data'), [`--tls-cert=${join(dir, 'cert.pem')}`, `--tls-key=${join(dir, 'key.pem')}`]);
  try {
    const out = execFileSync('curl', ['-sk', '--http1.1', '-X', 'POST', '-H', 'content-type: application/json', '-d', '{"key":"dA==","value":"dg=="}', `https://${s.addr}/flowdb.v1.KVService/Put`]).toString();
    assert.match(out, /"seq"/);
    const h2 = execFileSync('curl', ['-sk', '--http2', '-X', 'POST', '-H', 'content-type: application/json', '-d', '{"key":"dA=="}', `https://${s.addr}/flowdb.v1.KVService/Get`]).toString();
    assert.equal(JSON.parse(h2).found, true);
  } finally {
    assert.equal(await s.stop(), 0);
    rmSync(dir, { recursive: true, force: true });
  }
});
