/**
 * NodeFS: the FS seam over node:fs/promises. The ONLY engine file importing node:fs.
 * OS errors pass through with their errno `code`; short reads throw code 'EOF'.
 * lock(): a lock file holding {pid, startedAt}, created exclusively ('wx'). A lock left by
 * a dead process is removed by whoever exclusively creates a takeover file named after
 * that exact file instance and then re-checks it; all racers then retry the 'wx' create,
 * so exactly one wins.
 */
import { constants, type FileHandle, link, open, readFile, mkdir, readdir, rename, stat, unlink } from 'node:fs/promises';
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
    // NB: O_APPEND, so an append after truncate(path) lands at the new end, not at a stale offset.
    const fh = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_APPEND, 0o644);
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

/** One instance of a lock file: same ino, mtime and content means the same file. */
interface Seen {
  live: boolean;
  ino: number;
  mtimeMs: number;
  text: string;
}

/** Reads a lock (or takeover) file and judges its owner; undefined if it is gone. */
async function inspect(path: string): Promise<Seen | undefined> {
  let fh: FileHandle;
  try {
    fh = await open(path, 'r');
  } catch (e) {
    if (errCode(e) === 'ENOENT') return undefined;
    throw e;
  }
  try {
    const st = await fh.stat();
    const text = await fh.readFile('utf8');
    let pid: number | undefined;
    try {
      const v: unknown = JSON.parse(text);
      if (typeof v === 'object' && v !== null && 'pid' in v && typeof v.pid === 'number') pid = v.pid;
    } catch {
      pid = undefined;
    }
    // Unparseable: mid-write if young, else left by a writer that died. Our own pid (not in
    // #held) can only be a previous process that had the same pid.
    const live = pid === undefined ? Date.now() - st.mtimeMs < UNWRITTEN_LOCK_GRACE_MS : pid !== process.pid && isAlive(pid);
    return { live, ino: st.ino, mtimeMs: st.mtimeMs, text };
  } finally {
    await fh.close();
  }
}

let tempCounter = 0;

/**
 * Exclusively creates `path` holding `content`; false if it exists. NB: the content is written
 * to a temp file first and hard-linked into place, so `path` never exists empty: a process
 * killed mid-way leaves no unreadable lock (only a *.tmp file, which recovery removes).
 */
async function createExclusive(path: string, content: string): Promise<boolean> {
  const tmp = `${path}.${process.pid}-${++tempCounter}.tmp`;
  const fh = await open(tmp, 'wx', 0o600);
  try {
    await fh.writeFile(content);
    await fh.datasync();
  } finally {
    await fh.close();
  }
  try {
    await link(tmp, path);
    return true;
  } catch (e) {
    if (errCode(e) === 'EEXIST') return false;
    throw e;
  } finally {
    await unlink(tmp).catch(() => undefined);
  }
}

/** Creates the lock file exclusively, taking over a stale one. Returns the content written. */
async function acquireLockFile(path: string): Promise<string> {
  const content = JSON.stringify({ pid: process.pid, startedAt: Date.now() });
  for (let attempt = 0; attempt < LOCK_ATTEMPTS; attempt++) {
    if (await createExclusive(path, content)) return content;
    const seen = await inspect(path);
    if (seen?.live === true) throw fsError('ELOCKED', `lock held by another process: ${path}`);
    if (seen !== undefined && !(await removeIfStill(path, seen, content))) {
      await new Promise((r) => setTimeout(r, 5 * (attempt + 1))); // another taker is at work
    }
  }
  throw fsError('ELOCKED', `lock contended: ${path}`);
}

/**
 * Removes the stale file `path` only if it is still the instance `seen`, under a takeover
 * file named after that instance (so exactly one taker may remove it). A takeover file left
 * by a dead taker is itself stale and is removed the same way. False if another taker is busy.
 */
async function removeIfStill(path: string, seen: Seen, content: string): Promise<boolean> {
  const guard = `${path}.takeover-${seen.ino}-${Math.round(seen.mtimeMs * 1000)}`;
  if (!(await createExclusive(guard, content))) {
    const g = await inspect(guard);
    if (g === undefined) return true; // the taker just finished
    if (g.live) return false;
    await removeIfStill(guard, g, content);
    return true;
  }
  try {
    const now = await inspect(path);
    if (now !== undefined && now.ino === seen.ino && now.mtimeMs === seen.mtimeMs && now.text === seen.text) {
      await unlink(path);
    }
  } finally {
    await unlink(guard);
  }
  return true;
}
