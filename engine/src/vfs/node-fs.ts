/**
 * NodeFS: the FS seam over node:fs/promises. The ONLY engine file importing node:fs.
 * OS errors pass through with their errno `code`; short reads throw code 'EOF'.
 * lock(): a lock file holding {pid, startedAt}, created exclusively ('wx'); a lock left
 * by a dead process is taken over by moving it aside, checking it is still the stale one,
 * and only then deleting it (so two racers never both win).
 */
import { constants, type FileHandle, open, readFile, mkdir, readdir, rename, stat, unlink } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { FS, FileLock, FileStat, ReadableFile, WritableFile } from './fs.ts';

function fsError(code: string, msg: string): Error {
  return Object.assign(new Error(`${code}: ${msg}`), { code });
}

function errCode(e: unknown): string | undefined {
  return typeof e === 'object' && e !== null && 'code' in e ? String(e.code) : undefined;
}

/** A lock file with unparseable content younger than this is assumed mid-write. */
const UNWRITTEN_LOCK_GRACE_MS = 5000;
const LOCK_ATTEMPTS = 8;

class NodeWritable implements WritableFile {
  #fh: FileHandle;
  #size: number;
  #path: string;
  #closed = false;

  constructor(fh: FileHandle, size: number, path: string) {
    this.#fh = fh;
    this.#size = size;
    this.#path = path;
  }

  async append(data: Uint8Array): Promise<void> {
    this.#check();
    let off = 0;
    while (off < data.length) {
      const { bytesWritten } = await this.#fh.write(data, off, data.length - off, null);
      off += bytesWritten;
      this.#size += bytesWritten;
    }
  }

  async sync(): Promise<void> {
    this.#check();
    await this.#fh.datasync();
  }

  size(): number {
    return this.#size;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#fh.close();
  }

  #check(): void {
    if (this.#closed) throw fsError('EBADF', `file closed: ${this.#path}`);
  }
}

class NodeReadable implements ReadableFile {
  #fh: FileHandle;
  #size: number;
  #path: string;
  #closed = false;

  constructor(fh: FileHandle, size: number, path: string) {
    this.#fh = fh;
    this.#size = size;
    this.#path = path;
  }

  async readAt(offset: number, length: number): Promise<Uint8Array> {
    if (this.#closed) throw fsError('EBADF', `file closed: ${this.#path}`);
    const buf = new Uint8Array(length);
    let got = 0;
    while (got < length) {
      const { bytesRead } = await this.#fh.read(buf, got, length - got, offset + got);
      if (bytesRead === 0) throw fsError('EOF', `short read at ${offset}+${length} (got ${got}): ${this.#path}`);
      got += bytesRead;
    }
    return buf;
  }

  /** Size when opened. */
  size(): number {
    return this.#size;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#fh.close();
  }
}

/** Opens a handle and closes it again if `then` fails. */
async function withOpened<T>(fh: FileHandle, then: (fh: FileHandle) => Promise<T>): Promise<T> {
  try {
    return await then(fh);
  } catch (e) {
    await fh.close().catch(() => undefined);
    throw e;
  }
}

export class NodeFS implements FS {
  /** Lock paths held (or being taken) by this process, across all NodeFS instances. */
  static readonly #held = new Set<string>();

  async create(path: string): Promise<WritableFile> {
    const fh = await open(path, 'w');
    return new NodeWritable(fh, 0, path);
  }

  async openAppend(path: string): Promise<WritableFile> {
    const fh = await open(path, constants.O_WRONLY | constants.O_APPEND);
    return withOpened(fh, async (h) => new NodeWritable(h, (await h.stat()).size, path));
  }

  async openReadable(path: string): Promise<ReadableFile> {
    const fh = await open(path, 'r');
    return withOpened(fh, async (h) => {
      const st = await h.stat();
      if (st.isDirectory()) throw fsError('EISDIR', `is a directory: ${path}`);
      return new NodeReadable(h, st.size, path);
    });
  }

  async readFile(path: string): Promise<Uint8Array> {
    const b = await readFile(path);
    return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  }

  async truncate(path: string, size: number): Promise<void> {
    const fh = await open(path, 'r+');
    try {
      await fh.truncate(size);
      await fh.datasync();
    } finally {
      await fh.close();
    }
  }

  async rename(from: string, to: string): Promise<void> {
    await rename(from, to);
  }

  async remove(path: string): Promise<void> {
    await unlink(path);
  }

  async list(dir: string): Promise<string[]> {
    return (await readdir(dir)).sort();
  }

  async stat(path: string): Promise<FileStat | undefined> {
    try {
      const st = await stat(path);
      return { size: st.size, isDirectory: st.isDirectory() };
    } catch (e) {
      const c = errCode(e);
      if (c === 'ENOENT' || c === 'ENOTDIR') return undefined;
      throw e;
    }
  }

  async mkdirp(dir: string, mode = 0o700): Promise<void> {
    await mkdir(dir, { recursive: true, mode });
  }

  async syncDir(dir: string): Promise<void> {
    const fh = await open(dir, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  }

  async lock(path: string): Promise<FileLock> {
    const key = resolve(path);
    if (NodeFS.#held.has(key)) throw fsError('ELOCKED', `lock held by this process: ${path}`);
    NodeFS.#held.add(key); // reserve synchronously: in-process racers fail fast
    try {
      const content = await acquireLockFile(path);
      return {
        release: async () => {
          if (!NodeFS.#held.has(key)) return;
          try {
            // Remove only our own file (never one a later taker wrote).
            if ((await readText(path)) === content) await unlink(path);
          } finally {
            NodeFS.#held.delete(key);
          }
        },
      };
    } catch (e) {
      NodeFS.#held.delete(key);
      throw e;
    }
  }
}

async function readText(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    if (errCode(e) === 'ENOENT') return undefined;
    throw e;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return errCode(e) === 'EPERM'; // exists, but not ours to signal
  }
}

/** Who holds a lock file: 'live', 'stale', or 'gone' (vanished while we looked). */
async function inspect(path: string): Promise<{ state: 'live' | 'stale' | 'gone'; text: string; ino: number; mtimeMs: number }> {
  let st;
  try {
    st = await stat(path);
  } catch (e) {
    if (errCode(e) === 'ENOENT') return { state: 'gone', text: '', ino: 0, mtimeMs: 0 };
    throw e;
  }
  const text = await readText(path);
  if (text === undefined) return { state: 'gone', text: '', ino: 0, mtimeMs: 0 };
  let pid: number | undefined;
  try {
    const v: unknown = JSON.parse(text);
    if (typeof v === 'object' && v !== null && 'pid' in v && typeof v.pid === 'number') pid = v.pid;
  } catch {
    pid = undefined;
  }
  let state: 'live' | 'stale';
  if (pid === undefined) state = Date.now() - st.mtimeMs < UNWRITTEN_LOCK_GRACE_MS ? 'live' : 'stale';
  else state = pid !== process.pid && isAlive(pid) ? 'live' : 'stale'; // our pid, not in #held: a previous life
  return { state, text, ino: st.ino, mtimeMs: st.mtimeMs };
}

/** Creates the lock file exclusively, taking over a stale one. Returns the content written. */
async function acquireLockFile(path: string): Promise<string> {
  const content = JSON.stringify({ pid: process.pid, startedAt: Date.now() });
  for (let attempt = 0; attempt < LOCK_ATTEMPTS; attempt++) {
    try {
      const fh = await open(path, 'wx', 0o600);
      try {
        await fh.writeFile(content);
        await fh.datasync();
      } finally {
        await fh.close();
      }
      return content;
    } catch (e) {
      if (errCode(e) !== 'EEXIST') throw e;
    }
    const seen = await inspect(path);
    if (seen.state === 'live') throw fsError('ELOCKED', `lock held by another process: ${path}`);
    if (seen.state === 'stale') await takeOver(path, seen);
  }
  throw fsError('ELOCKED', `lock contended: ${path}`);
}

/** Moves the stale file aside; if what we moved is not the stale file we saw, puts it back. */
async function takeOver(path: string, seen: { text: string; ino: number; mtimeMs: number }): Promise<void> {
  const aside = `${path}.stale.${process.pid}.${Math.random().toString(36).slice(2)}`;
  try {
    await rename(path, aside);
  } catch (e) {
    if (errCode(e) === 'ENOENT') return; // someone else moved it; retry the create
    throw e;
  }
  const st = await stat(aside);
  const text = await readText(aside);
  if (text === seen.text && st.ino === seen.ino && st.mtimeMs === seen.mtimeMs) {
    await unlink(aside);
    return;
  }
  // We moved a fresh lock another taker just wrote: put it back and retry (we will see it live).
  try {
    await rename(aside, path);
  } catch (e) {
    await unlink(aside).catch(() => undefined);
    throw e;
  }
}
