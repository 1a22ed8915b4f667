/**
 * MemFS: a strict in-memory FS with power-loss simulation (crashClone).
 * Same error codes as NodeFS. Durability per the contract in fs.ts:
 * - per file, `synced` bytes survive a crash; later appends are volatile; truncate() and
 *   create() over an existing file are durable at once;
 * - per directory, `durable` entries survive; create/rename/remove change only `live`
 *   until syncDir(dir). Directories made by mkdirp are durable at once, unless the MemFS is
 *   made with { volatileDirs: true }: then a new directory's name is durable only after
 *   syncDir of its parent (as on a real disk), and a crash drops it with all it holds.
 * Paths: '/'-separated; empty and '.' segments are ignored, relative paths start at root.
 */
import type { FS, FileLock, FileStat, ReadableFile, WritableFile } from './fs.ts';

function fsError(code: string, msg: string): Error {
  return Object.assign(new Error(`${code}: ${msg}`), { code });
}

class MemFile {
  buf = new Uint8Array(64);
  len = 0;
  /** Bytes [0, synced) survive a crash. */
  synced = 0;

  bytes(): Uint8Array {
    return this.buf.subarray(0, this.len);
  }

  write(data: Uint8Array): void {
    if (this.len + data.length > this.buf.length) {
      const n = new Uint8Array(Math.max(this.buf.length * 2, this.len + data.length));
      n.set(this.bytes());
      this.buf = n;
    }
    this.buf.set(data, this.len);
    this.len += data.length;
  }

  /** Cuts or zero-extends to `size`. */
  resize(size: number): void {
    if (size > this.buf.length) {
      const n = new Uint8Array(size);
      n.set(this.bytes());
      this.buf = n;
    } else if (size > this.len) {
      this.buf.fill(0, this.len, size);
    }
    this.len = size;
  }
}

class MemDir {
  live = new Map<string, MemNode>();
  durable = new Map<string, MemNode>();
}

type MemNode = MemFile | MemDir;

export interface CrashOptions {
  /** Keep a random prefix of up to this fraction of each file's unsynced tail (default 0). */
  keepUnsyncedFraction?: number;
  /** Append 1..8 random bytes after the kept prefix of files with unsynced data (torn writes). */
  garbageTail?: boolean;
  /** Randomness for the above (default Math.random). */
  rng?: () => number;
}

function split(path: string): string[] {
  return path.split('/').filter((s) => s !== '' && s !== '.');
}

export interface MemFSOptions {
  /** New directories need a syncDir of their parent to survive a crash (default false). */
  volatileDirs?: boolean;
}

export class MemFS implements FS {
  #root = new MemDir();
  #held = new Set<string>();
  readonly #volatileDirs: boolean;

  constructor(opts: MemFSOptions = {}) {
    this.#volatileDirs = opts.volatileDirs === true;
  }

  /** Resolves the parent directory of `path` and its last name. */
  #parent(path: string): { dir: MemDir; name: string } {
    const parts = split(path);
    const name = parts.pop();
    if (name === undefined) throw fsError('EISDIR', `is the root: ${path}`);
    return { dir: this.#dirAt(parts, path), name };
  }

  #dirAt(parts: string[], path: string): MemDir {
    let d = this.#root;
    for (const p of parts) {
      const n = d.live.get(p);
      if (n === undefined) throw fsError('ENOENT', `no such file or directory: ${path}`);
      if (!(n instanceof MemDir)) throw fsError('ENOTDIR', `not a directory: ${path}`);
      d = n;
    }
    return d;
  }

  #node(path: string): MemNode {
    const parts = split(path);
    const name = parts.pop();
    if (name === undefined) return this.#root;
    const n = this.#dirAt(parts, path).live.get(name);
    if (n === undefined) throw fsError('ENOENT', `no such file or directory: ${path}`);
    return n;
  }

  #file(path: string): MemFile {
    const n = this.#node(path);
    if (n instanceof MemDir) throw fsError('EISDIR', `is a directory: ${path}`);
    return n;
  }

  async create(path: string): Promise<WritableFile> {
    const { dir, name } = this.#parent(path);
    const old = dir.live.get(name);
    if (old instanceof MemDir) throw fsError('EISDIR', `is a directory: ${path}`);
    const f = old ?? new MemFile();
    f.resize(0);
    f.synced = 0;
    dir.live.set(name, f);
    return new MemWritable(f, path);
  }

  async openAppend(path: string): Promise<WritableFile> {
    return new MemWritable(this.#file(path), path);
  }

  async openReadable(path: string): Promise<ReadableFile> {
    return new MemReadable(this.#file(path), path);
  }

  async readFile(path: string): Promise<Uint8Array> {
    return this.#file(path).bytes().slice();
  }

  async truncate(path: string, size: number): Promise<void> {
    const f = this.#file(path);
    f.resize(size);
    f.synced = size;
  }

  async rename(from: string, to: string): Promise<void> {
    const src = this.#parent(from);
    const node = src.dir.live.get(src.name);
    if (node === undefined) throw fsError('ENOENT', `no such file or directory: ${from}`);
    const dst = this.#parent(to);
    const old = dst.dir.live.get(dst.name);
    if (old === node) return;
    if (node instanceof MemFile && old instanceof MemDir) throw fsError('EISDIR', `is a directory: ${to}`);
    if (node instanceof MemDir) {
      if (old instanceof MemFile) throw fsError('ENOTDIR', `not a directory: ${to}`);
      if (old instanceof MemDir && old.live.size > 0) throw fsError('ENOTEMPTY', `directory not empty: ${to}`);
      if (this.#contains(node, dst.dir)) throw fsError('EINVAL', `cannot move ${from} into itself`);
    }
    src.dir.live.delete(src.name);
    dst.dir.live.set(dst.name, node);
  }

  #contains(d: MemDir, target: MemDir): boolean {
    if (d === target) return true;
    for (const n of d.live.values()) if (n instanceof MemDir && this.#contains(n, target)) return true;
    return false;
  }

  async remove(path: string): Promise<void> {
    const { dir, name } = this.#parent(path);
    const n = dir.live.get(name);
    if (n === undefined) throw fsError('ENOENT', `no such file or directory: ${path}`);
    if (n instanceof MemDir) throw fsError('EISDIR', `is a directory: ${path}`);
    dir.live.delete(name);
  }

  async list(dir: string): Promise<string[]> {
    const d = this.#node(dir);
    if (!(d instanceof MemDir)) throw fsError('ENOTDIR', `not a directory: ${dir}`);
    return [...d.live.keys()].sort();
  }

  async stat(path: string): Promise<FileStat | undefined> {
    let n: MemNode;
    try {
      n = this.#node(path);
    } catch {
      return undefined; // ENOENT or ENOTDIR
    }
    return n instanceof MemDir ? { size: 4096, isDirectory: true } : { size: n.len, isDirectory: false };
  }

  async mkdirp(dir: string, _mode = 0o700): Promise<void> {
    let d = this.#root;
    const parts = split(dir);
    parts.forEach((p, i) => {
      let n = d.live.get(p);
      if (n === undefined) {
        n = new MemDir();
        d.live.set(p, n);
        if (!this.#volatileDirs) d.durable.set(p, n);
      } else if (n instanceof MemFile) {
        throw fsError(i === parts.length - 1 ? 'EEXIST' : 'ENOTDIR', `file exists: ${dir}`);
      }
      d = n;
    });
  }

  async syncDir(dir: string): Promise<void> {
    const d = this.#node(dir);
    if (!(d instanceof MemDir)) throw fsError('ENOTDIR', `not a directory: ${dir}`);
    d.durable = new Map(d.live);
  }

  async lock(path: string): Promise<FileLock> {
    const key = split(path).join('/');
    if (this.#held.has(key)) throw fsError('ELOCKED', `lock held: ${path}`);
    const w = await this.create(path); // a leftover (stale) lock file is taken over
    await w.append(new TextEncoder().encode(JSON.stringify({ pid: process.pid, startedAt: Date.now() })));
    await w.close();
    this.#held.add(key);
    return {
      release: async () => {
        if (!this.#held.delete(key)) return;
        await this.remove(path).catch(() => undefined);
      },
    };
  }

  /** A new MemFS holding what survives a power loss now. Locks are not carried over. */
  crashClone(opts: CrashOptions = {}): MemFS {
    const frac = opts.keepUnsyncedFraction ?? 0;
    const rng = opts.rng ?? Math.random;
    const files = new Map<MemFile, MemFile>();
    const cloneFile = (f: MemFile): MemFile => {
      let c = files.get(f);
      if (c !== undefined) return c;
      c = new MemFile();
      const tail = f.len - f.synced;
      const keep = frac > 0 && tail > 0 ? Math.min(tail, Math.floor(rng() * (Math.floor(frac * tail) + 1))) : 0;
      c.write(f.bytes().subarray(0, f.synced + keep));
      if (opts.garbageTail === true && tail > 0) {
        const g = new Uint8Array(1 + Math.floor(rng() * 8));
        for (let i = 0; i < g.length; i++) g[i] = Math.floor(rng() * 256);
        c.write(g);
      }
      c.synced = c.len;
      files.set(f, c);
      return c;
    };
    const cloneDir = (d: MemDir): MemDir => {
      const c = new MemDir();
      for (const [name, n] of d.durable) c.live.set(name, n instanceof MemDir ? cloneDir(n) : cloneFile(n));
      c.durable = new Map(c.live);
      return c;
    };
    const fs = new MemFS({ volatileDirs: this.#volatileDirs });
    fs.#root = cloneDir(this.#root);
    return fs;
  }

  /** Debug listing: one line per entry, with size, synced bytes and '(volatile)' for un-synced names. */
  dump(): string {
    const out: string[] = [];
    const walk = (d: MemDir, prefix: string): void => {
      for (const name of [...d.live.keys()].sort()) {
        const n = d.live.get(name);
        const vol = d.durable.get(name) === n ? '' : ' (volatile)';
        if (n instanceof MemDir) {
          out.push(`${prefix}/${name}/${vol}`);
          walk(n, `${prefix}/${name}`);
        } else if (n !== undefined) {
          out.push(`${prefix}/${name} ${n.len}B synced=${n.synced}${vol}`);
        }
      }
    };
    walk(this.#root, '');
    return out.join('\n');
  }
}

class MemWritable implements WritableFile {
  #f: MemFile;
  #path: string;
  #closed = false;

  constructor(f: MemFile, path: string) {
    this.#f = f;
    this.#path = path;
  }

  async append(data: Uint8Array): Promise<void> {
    this.#check();
    this.#f.write(data);
  }

  async sync(): Promise<void> {
    this.#check();
    this.#f.synced = this.#f.len;
  }

  size(): number {
    return this.#f.len;
  }

  async close(): Promise<void> {
    this.#closed = true;
  }

  #check(): void {
    if (this.#closed) throw fsError('EBADF', `file closed: ${this.#path}`);
  }
}

class MemReadable implements ReadableFile {
  #f: MemFile;
  #path: string;
  #size: number;
  #closed = false;

  constructor(f: MemFile, path: string) {
    this.#f = f;
    this.#path = path;
    this.#size = f.len;
  }

  async readAt(offset: number, length: number): Promise<Uint8Array> {
    if (this.#closed) throw fsError('EBADF', `file closed: ${this.#path}`);
    if (offset + length > this.#f.len) throw fsError('EOF', `short read at ${offset}+${length}: ${this.#path}`);
    return this.#f.buf.slice(offset, offset + length);
  }

  /** Size when opened (as NodeFS). */
  size(): number {
    return this.#size;
  }

  async close(): Promise<void> {
    this.#closed = true;
  }
}
