/**
 * Test-only helpers for the sstable tests: a tiny in-memory FS (only what tables use),
 * counting readAt calls, with byte-level access for corruption tests; and a seeded PRNG.
 */
import type { FS, FileLock, FileStat, ReadableFile, WritableFile } from '../vfs/fs.ts';

function enoent(path: string): Error {
  return Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
}

export class TinyFS implements FS {
  files = new Map<string, Uint8Array>();
  reads = 0;
  /** Offsets of every readAt, in call order. */
  readLog: number[] = [];

  async create(path: string): Promise<WritableFile> {
    this.files.set(path, new Uint8Array(0));
    return this.openAppend(path);
  }
  async openAppend(path: string): Promise<WritableFile> {
    if (!this.files.has(path)) throw enoent(path);
    const files = this.files;
    return {
      async append(data: Uint8Array): Promise<void> {
        const old = files.get(path) ?? new Uint8Array(0);
        const next = new Uint8Array(old.length + data.length);
        next.set(old);
        next.set(data, old.length);
        files.set(path, next);
      },
      async sync(): Promise<void> {},
      size: () => files.get(path)?.length ?? 0,
      async close(): Promise<void> {},
    };
  }
  async openReadable(path: string): Promise<ReadableFile> {
    const data = this.files.get(path);
    if (data === undefined) throw enoent(path);
    return {
      readAt: async (offset: number, length: number): Promise<Uint8Array> => {
        this.reads++;
        this.readLog.push(offset);
        if (offset + length > data.length) throw Object.assign(new Error('EOF'), { code: 'EOF' });
        // A Buffer, like NodeFS returns: the reader must not leak Buffers into entries.
        return Buffer.from(data.subarray(offset, offset + length));
      },
      size: () => data.length,
      async close(): Promise<void> {},
    };
  }
  async readFile(path: string): Promise<Uint8Array> {
    const d = this.files.get(path);
    if (d === undefined) throw enoent(path);
    return d.slice();
  }
  async truncate(path: string, size: number): Promise<void> {
    const d = this.files.get(path);
    if (d === undefined) throw enoent(path);
    this.files.set(path, d.slice(0, size));
  }
  async rename(from: string, to: string): Promise<void> {
    const d = this.files.get(from);
    if (d === undefined) throw enoent(from);
    this.files.delete(from);
    this.files.set(to, d);
  }
  async remove(path: string): Promise<void> {
    if (!this.files.delete(path)) throw enoent(path);
  }
  async list(): Promise<string[]> {
    return [...this.files.keys()].sort();
  }
  async stat(path: string): Promise<FileStat | undefined> {
    const d = this.files.get(path);
    return d === undefined ? undefined : { size: d.length, isDirectory: false };
  }
  async mkdirp(): Promise<void> {}
  async syncDir(): Promise<void> {}
  async lock(): Promise<FileLock> {
    return { release: async () => {} };
  }
}

/** mulberry32: deterministic PRNG in [0, 1). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
