/**
 * FS: the one seam through which the engine touches storage.
 *
 * Durability contract (every implementation, incl. MemFS crash simulation):
 * - bytes appended to a WritableFile are durable only after `sync()` resolves;
 * - a newly created file, a rename or a removal is durable only after `syncDir(dir)`
 *   of the directory that holds the name;
 * - `rename` is atomic: a reader sees the old or the new target, never a mix.
 * Errors are thrown as Error objects with an errno-style `code` ('ENOENT', 'EEXIST',
 * 'EIO', 'ENOSPC', ...), the same codes NodeFS gets from the OS.
 * Paths are '/'-separated; implementations never interpret '..' specially.
 */
export interface WritableFile {
  /** Appends bytes at the end of the file. Not durable until sync(). Keeps no reference to `data` once settled. */
  append(data: Uint8Array): Promise<void>;
  /** Makes every appended byte durable (fdatasync). */
  sync(): Promise<void>;
  /** Current logical size (durable or not). */
  size(): number;
  close(): Promise<void>;
}

export interface ReadableFile {
  /** Reads exactly `length` bytes at `offset`; throws (code 'EOF') if the file is shorter. */
  readAt(offset: number, length: number): Promise<Uint8Array>;
  size(): number;
  close(): Promise<void>;
}

export interface FileLock {
  release(): Promise<void>;
}

export interface FileStat {
  size: number;
  isDirectory: boolean;
}

export interface FS {
  /** Creates (or truncates) a file for appending. The name is durable after syncDir. */
  create(path: string): Promise<WritableFile>;
  /** Opens an existing file for appending at its end (used after truncating a torn WAL tail). */
  openAppend(path: string): Promise<WritableFile>;
  openReadable(path: string): Promise<ReadableFile>;
  /** Reads a whole file. */
  readFile(path: string): Promise<Uint8Array>;
  /** Cuts a file to `size` bytes and makes the new size durable. */
  truncate(path: string, size: number): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  /** Removes a file; ENOENT if missing. */
  remove(path: string): Promise<void>;
  /** Names (not paths) of the entries of a directory, sorted. */
  list(dir: string): Promise<string[]>;
  /** Returns undefined when the path does not exist. */
  stat(path: string): Promise<FileStat | undefined>;
  /** Creates a directory and its parents with the given mode (default 0o700). */
  mkdirp(dir: string, mode?: number): Promise<void>;
  /** Makes creations, renames and removals in `dir` durable. */
  syncDir(dir: string): Promise<void>;
  /**
   * Takes an exclusive lock on `path` (creating it). Fails with code 'ELOCKED' when another
   * holder (this process or a live other process) has it. A lock left by a dead process is taken over.
   */
  lock(path: string): Promise<FileLock>;
}

export function joinPath(dir: string, name: string): string {
  return dir.endsWith('/') ? dir + name : `${dir}/${name}`;
}

export function dirName(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? (i === 0 ? '/' : '.') : path.slice(0, i);
}

/** mkdir -p, then syncs the parent of each directory it made: a new name is durable only then. */
export async function mkdirDurable(fs: FS, dir: string): Promise<void> {
  const made: string[] = [];
  for (let d = dir; (await fs.stat(d)) === undefined; d = dirName(d)) {
    made.push(d);
    if (dirName(d) === d) break;
  }
  await fs.mkdirp(dir, 0o700);
  for (const d of made) await fs.syncDir(dirName(d));
}
