/**
 * SIGTERM drain at the TCP level, with a raw HTTP/2 client on a real server process: a client
 * that is slow to close after the GOAWAY, or that connected but had not spoken yet when the drain
 * began, must get the GOAWAY and a clean end of stream, never a TCP reset (a reset can erase the
 * GOAWAY and trailers the client has not read yet, and the client then loses its call's status).
 * Each test fails on the server before the drain fixes (listeners closed at once, untracked
 * connections still sniffing, a 500 ms grace before closing sockets).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnServer, type Spawned } from './spawn.ts';

const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');
const SETTINGS = 4;
const PING = 6;
const GOAWAY = 7;

function frame(type: number, flags: number, payload: Buffer = Buffer.alloc(0)): Buffer {
  const h = Buffer.alloc(9);
  h.writeUIntBE(payload.length, 0, 3);
  h[3] = type;
  h[4] = flags;
  return Buffer.concat([h, payload]);
}

/** A raw HTTP/2 client connection: records the frame types received, how it ended, and any socket error. */
class RawH2 {
  readonly sock: net.Socket;
  readonly types: number[] = [];
  #error: NodeJS.ErrnoException | undefined;
  readonly ended: Promise<void>;
  #buf = Buffer.alloc(0);
  #onFrame: Array<() => void> = [];

  constructor(addr: string) {
    const i = addr.lastIndexOf(':');
    // Half-open: a slow client goes on writing after the server's FIN until it reads it.
    this.sock = net.connect({ port: Number(addr.slice(i + 1)), host: addr.slice(0, i), allowHalfOpen: true });
    this.sock.on('error', (e) => (this.#error = e));
    this.sock.on('data', (c: Buffer) => this.#data(c));
    this.ended = new Promise((r) => this.sock.once('close', () => r()));
  }

  /** The socket error (ECONNRESET, EPIPE), if any. */
  get error(): NodeJS.ErrnoException | undefined {
    return this.#error;
  }

  get connected(): Promise<void> {
    return new Promise((r) => (this.sock.connecting ? this.sock.once('connect', () => r()) : r()));
  }

  /** Sends the client preface and an empty SETTINGS frame. */
  hello(): void {
    this.sock.write(Buffer.concat([PREFACE, frame(SETTINGS, 0)]));
  }

  write(b: Buffer): void {
    if (!this.sock.destroyed && this.sock.writable) this.sock.write(b);
  }

  /** Resolves once a frame of this type arrived (or the connection closed). */
  async until(type: number, ms: number): Promise<boolean> {
    const t0 = Date.now();
    while (!this.types.includes(type) && !this.sock.destroyed && Date.now() - t0 < ms) {
      await new Promise<void>((r) => {
        const t = setTimeout(r, 20);
        this.#onFrame.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
    return this.types.includes(type);
  }

  #data(c: Buffer): void {
    this.#buf = Buffer.concat([this.#buf, c]);
    while (this.#buf.length >= 9) {
      const len = this.#buf.readUIntBE(0, 3);
      if (this.#buf.length < 9 + len) break;
      const type = this.#buf[3] as number;
      const flags = this.#buf[4] as number;
      this.types.push(type);
      if (type === SETTINGS && (flags & 1) === 0) this.write(frame(SETTINGS, 1));
      this.#buf = this.#buf.subarray(9 + len);
    }
    for (const f of this.#onFrame.splice(0)) f();
  }
}

async function withServer(fn: (s: Spawned) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'flowdb-drain-'));
  const s = await spawnServer(dir, ['--shutdown-timeout-ms=5000']);
  try {
    await fn(s);
  } finally {
    await s.stop('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

test('drain: a client still sending after the GOAWAY gets a clean end of stream, not a reset', async () => {
  await withServer(async (s) => {
    const c = new RawH2(s.addr);
    await c.connected;
    c.hello();
    assert.ok(await c.until(SETTINGS, 5000), 'server SETTINGS');
    s.proc.kill('SIGTERM');
    assert.ok(await c.until(GOAWAY, 5000), 'GOAWAY after SIGTERM');
    // A slow client: it keeps writing (PINGs here; a real one: request data it sent before it
    // read the GOAWAY) for longer than a short grace would last, then closes its side.
    for (let i = 0; i < 30; i++) {
      c.write(frame(PING, 0, Buffer.alloc(8, i)));
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(c.error?.code, undefined, `socket error after the GOAWAY: ${c.error?.code}`);
    c.sock.end();
    await c.ended;
    assert.equal(c.error?.code, undefined, `socket error: ${c.error?.code}`);
    assert.equal(await s.stop('SIGTERM', 10_000), 0);
  });
});

test('drain: a connection accepted before the SIGTERM that speaks only after it gets a GOAWAY, not a reset', async () => {
  await withServer(async (s) => {
    const c = new RawH2(s.addr);
    await c.connected;
    await new Promise((r) => setTimeout(r, 300)); // accepted, no bytes yet
    s.proc.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 300)); // the drain is under way
    c.hello();
    assert.ok(await c.until(GOAWAY, 5000), `GOAWAY for a connection that spoke during the drain (frames ${c.types.join(',')}, error ${c.error?.code})`);
    assert.equal(c.error?.code, undefined, `socket error: ${c.error?.code}`);
    c.sock.end();
    await c.ended;
    assert.equal(c.error?.code, undefined, `socket error: ${c.error?.code}`);
    assert.equal(await s.stop('SIGTERM', 10_000), 0);
  });
});

test('drain: connections the kernel queued before the SIGTERM are accepted and get a GOAWAY, not a reset', async () => {
  await withServer(async (s) => {
    // Stopped, the server cannot accept: the kernel completes the connections and queues them.
    s.proc.kill('SIGSTOP');
    const cs = Array.from({ length: 6 }, () => new RawH2(s.addr));
    try {
      await Promise.all(cs.map((c) => c.connected));
      for (const c of cs) c.hello();
      s.proc.kill('SIGTERM'); // handled at the end of the first poll phase after SIGCONT
    } finally {
      s.proc.kill('SIGCONT');
    }
    for (const [i, c] of cs.entries()) {
      assert.ok(await c.until(GOAWAY, 5000), `connection ${i}: GOAWAY (frames ${c.types.join(',')}, error ${c.error?.code})`);
      assert.equal(c.error?.code, undefined, `connection ${i}: socket error ${c.error?.code}`);
    }
    for (const c of cs) c.sock.end();
    await Promise.all(cs.map((c) => c.ended));
    for (const [i, c] of cs.entries()) assert.equal(c.error?.code, undefined, `connection ${i}: socket error ${c.error?.code}`);
    assert.equal(await s.stop('SIGTERM', 10_000), 0);
  });
});
