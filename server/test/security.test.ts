/**
 * Security basics: loopback by default, constant-time token check and no
 * token in logs, TLS, a 0700 data directory, no path from request input, and
 * the size/stream/scan limits with their statuses.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http2 from 'node:http2';
import * as https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Code } from '@connectrpc/connect';
import { FlowClient, FlowClientError } from '@flowdb/client';
import { loadConfig } from '../src/config.ts';
import { startServer } from '../src/server.ts';
import { tokenMatches } from '../src/interceptors.ts';
import { silentLogger } from '../src/log.ts';
import { spawnServer } from './spawn.ts';

const SRC = fileURLToPath(new URL('../src/', import.meta.url));
const tmp = (p: string) => fs.mkdtempSync(join(tmpdir(), p));
const dec = new TextDecoder();

test('listens on loopback by default (config default and an empty host)', async () => {
  assert.deepEqual(loadConfig([], {}).listen, ['127.0.0.1:50051']);
  const dir = tmp('flowdb-sec-');
  const server = await startServer(loadConfig([`--data-dir=${dir}`, '--listen=:0'], {}), { log: silentLogger });
  try {
    assert.match(server.addresses[0] as string, /^127\.0\.0\.1:\d+$/);
  } finally {
    await server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('token check: timingSafeEqual over equal-length SHA-256 digests; right/wrong/short/long/empty', () => {
  assert.equal(tokenMatches('Bearer s3cret', 's3cret'), true);
  for (const bad of ['Bearer s3cre', 'Bearer s3cret!', 'bearer s3cret', 's3cret', '', null, undefined, 'Bearer ' + 'x'.repeat(10_000)]) {
    assert.equal(tokenMatches(bad, 's3cret'), false, String(bad));
  }
  // Design check: the comparison is over digests with timingSafeEqual, never a string compare.
  const src = fs.readFileSync(join(SRC, 'interceptors.ts'), 'utf8');
  const fn = /export function tokenMatches[\s\S]*?\n}/.exec(src)?.[0] ?? '';
  assert.match(fn, /createHash\('sha256'\)[\s\S]*createHash\('sha256'\)[\s\S]*timingSafeEqual\(a, b\)/);
  assert.doesNotMatch(fn, /===|!==|==/);
});

test('the token never reaches the logs (bad, missing and good tokens, debug level)', async () => {
  const dir = tmp('flowdb-sec-tok-');
  const secret = 'tok-7f3a9c1e5b2d4f60';
  const wrong = 'wrong-9d8c7b6a5f4e3d2c';
  const srv = await spawnServer(dir, [`--token=${secret}`, '--log-level=debug']);
  try {
    const good = new FlowClient({ baseUrl: srv.baseUrl, token: secret });
    await good.put('k', 'v');
    for (const protocol of ['grpc', 'connect'] as const) {
      const bad = new FlowClient({ baseUrl: srv.baseUrl, token: wrong, protocol });
      await assert.rejects(bad.get('k'), (e: FlowClientError) => e.code === Code.Unauthenticated && e.reason === 'ERROR_REASON_UNAUTHENTICATED');
      const none = new FlowClient({ baseUrl: srv.baseUrl, token: '', protocol });
      await assert.rejects(none.get('k'), (e: FlowClientError) => e.code === Code.Unauthenticated);
    }
    const r = await fetch(`${srv.baseUrl}/metrics`, { headers: { authorization: `Bearer ${wrong}` } });
    assert.equal(r.status, 401);
    assert.equal(dec.decode((await good.get('k'))?.value), 'v');
  } finally {
    await srv.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const logs = srv.stderr();
  assert.match(logs, /rpc failed/, 'debug logs were captured');
  assert.ok(!logs.includes(secret), 'the token is in the logs');
  assert.ok(!logs.includes(wrong), 'a presented (wrong) token is in the logs');
  assert.match(logs, /<redacted>/);
});

test('TLS: h2 and HTTP/1.1 over TLS with a self-signed cert; plaintext is refused', async () => {
  const dir = tmp('flowdb-sec-tls-');
  const key = join(dir, 'key.pem');
  const cert = join(dir, 'cert.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', cert,
    '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'], { stdio: 'ignore' });
  const server = await startServer(loadConfig([`--data-dir=${join(dir, 'data')}`, '--listen=127.0.0.1:0', `--tls-cert=${cert}`, `--tls-key=${key}`], {}), { log: silentLogger });
  const ca = fs.readFileSync(cert);
  const url = `https://${server.addresses[0]}`;
  try {
    // gRPC health over h2 + TLS.
    const session = http2.connect(url, { ca });
    const reply = await new Promise<{ status: string | undefined; body: Buffer }>((resolve, reject) => {
      const req = session.request({ ':method': 'POST', ':path': '/grpc.health.v1.Health/Check', 'content-type': 'application/grpc', te: 'trailers' });
      const chunks: Buffer[] = [];
      let status: string | undefined;
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('trailers', (t) => (status = String(t['grpc-status'])));
      req.on('end', () => resolve({ status, body: Buffer.concat(chunks) }));
      req.on('error', reject);
      req.end(Buffer.alloc(5));
    });
    session.close();
    assert.equal(reply.status, '0');
    assert.deepEqual([...reply.body.subarray(5)], [8, 1]);
    assert.equal(session.alpnProtocol, 'h2');
    // HTTP/1.1 over TLS (ALPN http/1.1).
    const h1 = await new Promise<number>((resolve, reject) => {
      https.get(`${url}/healthz`, { ca }, (res) => (res.resume(), resolve(res.statusCode ?? 0))).on('error', reject);
    });
    assert.equal(h1, 200);
    // An untrusted cert is rejected by a verifying client; plaintext gets no answer.
    await assert.rejects(fetch(`${url}/healthz`));
    await assert.rejects(fetch(`http://${server.addresses[0]}/healthz`, { signal: AbortSignal.timeout(3000) }));
  } finally {
    await server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('the data directory is created with mode 0700', async () => {
  const parent = tmp('flowdb-sec-dir-');
  const dataDir = join(parent, 'nested', 'data');
  const server = await startServer(loadConfig([`--data-dir=${dataDir}`, '--listen=127.0.0.1:0'], {}), { log: silentLogger });
  try {
    assert.equal(fs.statSync(dataDir).mode & 0o777, 0o700);
  } finally {
    await server.close();
    fs.rmSync(parent, { recursive: true, force: true });
  }
});

test('no request field reaches the filesystem: only config paths are opened; "../" keys stay keys', async () => {
  // Design check: only server.ts (TLS files, unix socket) and config.ts (token file) touch node:fs.
  const files = fs.readdirSync(SRC, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts') && !f.startsWith('gen/'));
  const users = files.filter((f) => /from 'node:fs(\/promises)?'|from 'fs'|require\('fs'\)/.test(fs.readFileSync(join(SRC, f), 'utf8')));
  assert.deepEqual(users.sort(), ['config.ts', 'server.ts']);
  const parent = tmp('flowdb-sec-path-');
  const dataDir = join(parent, 'data');
  const server = await startServer(loadConfig([`--data-dir=${dataDir}`, '--listen=127.0.0.1:0'], {}), { log: silentLogger });
  const before = fs.readdirSync(parent, { recursive: true }).length;
  try {
    const db = new FlowClient({ baseUrl: `http://${server.addresses[0]}` });
    const keys = ['../escape', '../../../../tmp/flowdb-escape', '/etc/passwd', '..\\..\\x', 'a/../../b', 'nul\u0000byte'];
    for (const k of keys) await db.put(k, `value of ${k}`);
    for (const k of keys) assert.equal(dec.decode((await db.get(k))?.value), `value of ${k}`);
    assert.equal(await db.count({ prefix: '../' }), 2);
    await db.deleteRange({ prefix: '../' });
    assert.equal(await db.get('../escape'), undefined);
    assert.equal(fs.existsSync('/tmp/flowdb-escape'), false);
    assert.equal(fs.existsSync(join(parent, 'escape')), false);
  } finally {
    await server.close();
  }
  // Nothing new beside the data directory's own files.
  const outside = fs.readdirSync(parent).filter((f) => f !== 'data');
  assert.deepEqual(outside, []);
  assert.ok(before > 0);
  fs.rmSync(parent, { recursive: true, force: true });
});

test('a max-recv-bytes too small for max-key-bytes is a config error, not a silent 0-byte value limit', () => {
  assert.throws(() => loadConfig(['--max-recv-bytes=65536'], {}), /leaves no room for a value/);
  assert.equal(loadConfig(['--max-recv-bytes=65536', '--max-key-bytes=1024'], {}).maxValueBytes, 65536 - 1024 - 1024);
});

test('limits: message size, streams per connection, scan result size', async () => {
  const dir = tmp('flowdb-sec-lim-');
  const server = await startServer(
    loadConfig([`--data-dir=${dir}`, '--listen=127.0.0.1:0', '--max-recv-bytes=65536', '--max-key-bytes=1024', '--max-concurrent-streams=4', '--max-scan-records=10'], {}),
    { log: silentLogger },
  );
  const base = `http://${server.addresses[0]}`;
  try {
    // Message size: RESOURCE_EXHAUSTED + MESSAGE_TOO_LARGE, over gRPC and Connect.
    for (const protocol of ['grpc', 'connect'] as const) {
      const db = new FlowClient({ baseUrl: base, protocol, writeMaxBytes: 1 << 20 });
      await assert.rejects(db.put('big', new Uint8Array(100_000)), (e: FlowClientError) =>
        e.code === Code.ResourceExhausted && e.reason === 'ERROR_REASON_MESSAGE_TOO_LARGE');
    }
    // Streams per connection: the server advertises the limit; of 5 long-lived streams asked for on
    // one connection, 4 are open at the server (the 5th waits; a peer ignoring SETTINGS gets REFUSED_STREAM).
    const session = http2.connect(base);
    await new Promise<void>((r) => session.once('remoteSettings', () => r()));
    assert.equal(session.remoteSettings.maxConcurrentStreams, 4);
    for (let i = 0; i < 5; i++) {
      const req = session.request({ ':method': 'POST', ':path': '/flowdb.v1.EventsService/Watch', 'content-type': 'application/grpc', te: 'trailers' });
      req.on('error', () => {});
      req.end(Buffer.alloc(5));
    }
    const openStreams = async () => Number(/flowdb_server_open_streams (\d+)/.exec(await (await fetch(`${base}/metrics`)).text())?.[1]);
    let seen = 0;
    for (let t = 0; t < 50 && seen < 4; t++, await new Promise((r) => setTimeout(r, 20))) seen = await openStreams();
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(await openStreams(), 4);
    session.destroy();
    // Scan result size: explicit limit > max → RESOURCE_EXHAUSTED/TOO_MANY_ITEMS; no limit → capped, more=true.
    const db = new FlowClient({ baseUrl: base });
    await db.batch(Array.from({ length: 25 }, (_, i) => ({ put: { key: `s/${String(i).padStart(2, '0')}`, value: 'x' } })));
    await assert.rejects(async () => { for await (const _ of db.scan({ prefix: 's/', limit: 11 })) { /* drain */ } },
      (e: FlowClientError) => e.code === Code.ResourceExhausted && e.reason === 'ERROR_REASON_TOO_MANY_ITEMS' && e.metadata['limit'] === '10');
    let more = false;
    let n = 0;
    for await (const _ of db.scan({ prefix: 's/' }, (_t, m) => (more ||= m))) n++;
    assert.equal(n, 10);
    assert.equal(more, true);
    assert.equal(await db.count({ prefix: 's/' }), 25, 'count_only is not capped');
  } finally {
    await server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
