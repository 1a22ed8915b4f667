/**
 * Test-only helpers for record/, wal/ and manifest/ tests: a tiny crash-simulating
 * in-memory FS (stand-in until vfs/mem-fs.ts lands) and an FS wrapper that observes every
 * mutating call. Not part of the engine.
 */
import type { FS, FileLock, FileStat, ReadableFile, WritableFile } from '../vfs/fs.ts';
import { dirName } from '../vfs/fs.ts';

function fsErr(code: string, msg: string): Error {
  return Object.assign(new Error(`${code}: ${msg}`), { code });
}

class Inode {
  data: Uint8Array = new Uint8Array(0);
  durable: Uint8Array = new Uint8Array(0);
}

/** Durable = synced bytes + synced directory entries; crashClone() keeps only that. */
export class TinyFS implements FS {
  #live = new Map<string, Inode>();
  #durable = new Map<string, Inode>();

  crashClone(): TinyFS {
    const c = new TinyFS();
    for (const [p, ino] of this.#durable) {
      const n = new Inode();
      n.data = ino.durable.slice();
      n.durable = ino.durable.slice();
      c.#live.set(p, n);
      c.#durable.set(p, n);
    }
    return c;
  }

  #get(path: string): Inode {
    const ino = this.#live.get(path);
    if (ino === undefined) throw fsErr('ENOENT', path);
    return ino;
  }

  #writable(ino: Inode): WritableFile {
    return {
      append: async (d) => {
        const n = new Uint8Array(ino.data.length + d.length);
        n.set(ino.data);
        n.set(d, ino.data.length);
        ino.data = n;
      },
      sync: async () => {
        ino.durable = ino.data.slice();
      },
      size: () => ino.data.length,
      close: async () => {},
    };
  }

  async create(path: string): Promise<WritableFile> {
    const ino = new Inode();
    this.#live.set(path, ino);
    return this.#writable(ino);
  }
  async openAppend(path: string): Promise<WritableFile> {
    return this.#writable(this.#get(path));
  }
  async openReadable(path: string): Promise<ReadableFile> {
    const ino = this.#get(path);
    return {
      readAt: async (off, len) => {
        if (off + len > ino.data.length) throw fsErr('EOF', path);
        return ino.data.slice(off, off + len);
      },
      size: () => ino.data.length,
      close: async () => {},
    };
  }
  async readFile(path: string): Promise<Uint8Array> {
    return this.#get(path).data.slice();
  }
  async truncate(path: string, size: number): Promise<void> {
    const ino = this.#get(path);
    ino.data = ino.data.slice(0, size);
    ino.durable = ino.data.slice();
  }
  async rename(from: string, to: string): Promise<void> {
    this.#live.set(to, this.#get(from));
    this.#live.delete(from);
  }
  async remove(path: string): Promise<void> {
    this.#get(path);
    this.#live.delete(path);
  }
  async list(dir: string): Promise<string[]> {
    return [...this.#live.keys()].filter((p) => dirName(p) === dir).map((p) => p.slice(dir.length + 1)).sort();
  }
  async stat(path: string): Promise<FileStat | undefined> {
    const ino = this.#live.get(path);
    return ino === undefined ? undefined : { size: ino.data.length, isDirectory: false };
  }
  async mkdirp(): Promise<void> {}
  async syncDir(dir: string): Promise<void> {
    for (const p of [...this.#durable.keys()]) if (dirName(p) === dir) this.#durable.delete(p);
    for (const [p, ino] of this.#live) if (dirName(p) === dir) this.#durable.set(p, ino);
  }
  async lock(): Promise<FileLock> {
    return { release: async () => {} };
  }
}

/** A fresh test FS (switch to MemFS here when vfs/mem-fs.ts lands). */
export function newTestFS(): TinyFS {
  return new TinyFS();
}

export interface Hooks {
  /** Runs after every successful mutating call (file appends and syncs included). */
  after?: (op: string) => void;
  /** Return an errno code to make that call fail before it runs. */
  fail?: (op: string) => string | undefined;
}

/** Wraps an FS so tests can crash-clone after, or inject a failure into, any mutating call. */
export function observeFS(inner: FS, hooks: Hooks): FS {
  const wrap = async <T>(op: string, fn: () => Promise<T>): Promise<T> => {
    const code = hooks.fail?.(op);
    if (code !== undefined) throw fsErr(code, `injected on ${op}`);
    const r = await fn();
    hooks.after?.(op);
    return r;
  };
  const wf = (f: WritableFile): WritableFile => ({
    append: (d) => wrap('append', () => f.append(d)),
    sync: () => wrap('sync', () => f.sync()),
    size: () => f.size(),
    close: () => f.close(),
  });
  return {
    create: (p) => wrap('create', async () => wf(await inner.create(p))),
    openAppend: async (p) => wf(await inner.openAppend(p)),
    openReadable: (p) => inner.openReadable(p),
    readFile: (p) => inner.readFile(p),
    truncate: (p, s) => wrap('truncate', () => inner.truncate(p, s)),
    rename: (a, b) => wrap('rename', () => inner.rename(a, b)),
    remove: (p) => wrap('remove', () => inner.remove(p)),
    list: (d) => inner.list(d),
    stat: (p) => inner.stat(p),
    mkdirp: (d, m) => inner.mkdirp(d, m),
    syncDir: (d) => wrap('syncDir', () => inner.syncDir(d)),
    lock: (p) => inner.lock(p),
  };
}
