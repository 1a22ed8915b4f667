/**
 * ErrorFS: wraps an FS and asks an injector, before every operation, whether to fail it.
 * Counts every operation (opCount) and can trace them, so a test can enumerate all
 * operation sites of a workload and then fail each in turn (onOps(ALL_OPS, { nth: k })).
 * Failed appends: ENOSPC writes nothing; EIO writes nothing unless partialWrite is set.
 * A failed close still closes the inner file (as close(2) does).
 */
import type { FS, FileLock, FileStat, ReadableFile, WritableFile } from './fs.ts';

export type OpKind =
  | 'create' | 'openAppend' | 'openReadable' | 'readFile' | 'read' | 'append' | 'sync'
  | 'truncate' | 'rename' | 'remove' | 'list' | 'stat' | 'mkdirp' | 'syncDir' | 'lock' | 'close';

export const ALL_OPS: readonly OpKind[] = [
  'create', 'openAppend', 'openReadable', 'readFile', 'read', 'append', 'sync',
  'truncate', 'rename', 'remove', 'list', 'stat', 'mkdirp', 'syncDir', 'lock', 'close',
];

export type InjectedErrno = 'EIO' | 'ENOSPC';

/** One operation as the injector sees it; `seq` is 1-based over all ops of this ErrorFS. */
export interface OpInfo {
  op: OpKind;
  /** For file ops the path it was opened as; for rename `${from} -> ${to}`. */
  path: string;
  seq: number;
  /** Bytes to append (append only). */
  bytes?: number;
}

export interface Injection {
  errno: InjectedErrno;
  /** For a failing append: how many leading bytes still reach the inner file. */
  partialBytes?: number;
}

/** Decides per operation; undefined lets it run. */
export type Injector = (op: OpInfo) => Injection | undefined;

export interface OpRecord {
  op: OpKind;
  path: string;
  /** Set when this operation was failed by injection. */
  failed?: InjectedErrno;
}

export class InjectedError extends Error {
  readonly code: InjectedErrno;
  readonly op: OpKind;
  readonly path: string;

  constructor(errno: InjectedErrno, op: OpKind, path: string) {
    super(`${errno}: injected on ${op} ${path}`);
    this.name = 'InjectedError';
    this.code = errno;
    this.op = op;
    this.path = path;
  }
}

export interface OnOpsOptions {
  /** Only ops whose path contains this. */
  pathIncludes?: string;
  /** Fail only the nth matching op (1-based); with `every`, the nth and all later ones. */
  nth?: number;
  /** Fail every matching op (the default when neither nth nor probability is given). */
  every?: boolean;
  /** Fail each candidate op with this probability. */
  probability?: number;
  rng?: () => number;
  errno?: InjectedErrno;
  /** A failing EIO append writes a random prefix first. */
  partialWrite?: boolean;
}

/** Fails matching operations of the given kinds; see OnOpsOptions. Keeps its own match count. */
export function onOps(kinds: readonly OpKind[], opts: OnOpsOptions = {}): Injector {
  const set = new Set(kinds);
  const rng = opts.rng ?? Math.random;
  const errno = opts.errno ?? 'EIO';
  let matched = 0;
  return (info) => {
    if (!set.has(info.op)) return undefined;
    if (opts.pathIncludes !== undefined && !info.path.includes(opts.pathIncludes)) return undefined;
    matched++;
    if (opts.nth !== undefined && (opts.every === true ? matched < opts.nth : matched !== opts.nth)) return undefined;
    if (opts.probability !== undefined && !(rng() < opts.probability)) return undefined;
    const bytes = info.bytes ?? 0;
    if (opts.partialWrite === true && errno === 'EIO' && info.op === 'append' && bytes > 0) {
      return { errno, partialBytes: Math.floor(rng() * bytes) };
    }
    return { errno };
  };
}

/** The first injector (in order) that fails an op wins; every injector sees every op. */
export function anyOf(...injectors: Injector[]): Injector {
  return (info) => {
    let hit: Injection | undefined;
    for (const inj of injectors) {
      const r = inj(info);
      hit ??= r;
    }
    return hit;
  };
}

export interface ErrorFSOptions {
  /** Record every operation in `trace`. */
  trace?: boolean;
}

export class ErrorFS implements FS {
  #inner: FS;
  #injector: Injector | undefined;
  #count = 0;
  #tracing: boolean;
  /** Every operation seen, in order (only when constructed with { trace: true }). */
  readonly trace: OpRecord[] = [];

  constructor(inner: FS, injector?: Injector, opts: ErrorFSOptions = {}) {
    this.#inner = inner;
    this.#injector = injector;
    this.#tracing = opts.trace === true;
  }

  setInjector(injector: Injector | undefined): void {
    this.#injector = injector;
  }

  /** Number of operations seen so far (failed ones included). */
  opCount(): number {
    return this.#count;
  }

  /** Counts and traces an op; returns the injection to apply, if any. */
  #decide(op: OpKind, path: string, bytes?: number): Injection | undefined {
    const info: OpInfo = { op, path, seq: ++this.#count };
    if (bytes !== undefined) info.bytes = bytes;
    const inj = this.#injector?.(info);
    if (this.#tracing) this.trace.push(inj === undefined ? { op, path } : { op, path, failed: inj.errno });
    return inj;
  }

  /** Runs `fn` unless the injector fails this op. */
  async #run<T>(op: OpKind, path: string, fn: () => Promise<T>): Promise<T> {
    const inj = this.#decide(op, path);
    if (inj !== undefined) throw new InjectedError(inj.errno, op, path);
    return fn();
  }

  #writable(f: WritableFile, path: string): WritableFile {
    return {
      append: async (data) => {
        const inj = this.#decide('append', path, data.length);
        if (inj === undefined) return f.append(data);
        const n = inj.errno === 'ENOSPC' ? 0 : Math.min(inj.partialBytes ?? 0, data.length);
        if (n > 0) await f.append(data.subarray(0, n));
        throw new InjectedError(inj.errno, 'append', path);
      },
      sync: () => this.#run('sync', path, () => f.sync()),
      size: () => f.size(),
      close: () => this.#close(path, () => f.close()),
    };
  }

  async #close(path: string, close: () => Promise<void>): Promise<void> {
    const inj = this.#decide('close', path);
    await close();
    if (inj !== undefined) throw new InjectedError(inj.errno, 'close', path);
  }

  create(path: string): Promise<WritableFile> {
    return this.#run('create', path, async () => this.#writable(await this.#inner.create(path), path));
  }
  openAppend(path: string): Promise<WritableFile> {
    return this.#run('openAppend', path, async () => this.#writable(await this.#inner.openAppend(path), path));
  }
  openReadable(path: string): Promise<ReadableFile> {
    return this.#run('openReadable', path, async () => {
      const f = await this.#inner.openReadable(path);
      return {
        readAt: (off, len) => this.#run('read', path, () => f.readAt(off, len)),
        size: () => f.size(),
        close: () => this.#close(path, () => f.close()),
      };
    });
  }
  readFile(path: string): Promise<Uint8Array> {
    return this.#run('readFile', path, () => this.#inner.readFile(path));
  }
  truncate(path: string, size: number): Promise<void> {
    return this.#run('truncate', path, () => this.#inner.truncate(path, size));
  }
  rename(from: string, to: string): Promise<void> {
    return this.#run('rename', `${from} -> ${to}`, () => this.#inner.rename(from, to));
  }
  remove(path: string): Promise<void> {
    return this.#run('remove', path, () => this.#inner.remove(path));
  }
  list(dir: string): Promise<string[]> {
    return this.#run('list', dir, () => this.#inner.list(dir));
  }
  stat(path: string): Promise<FileStat | undefined> {
    return this.#run('stat', path, () => this.#inner.stat(path));
  }
  mkdirp(dir: string, mode?: number): Promise<void> {
    return this.#run('mkdirp', dir, () => (mode === undefined ? this.#inner.mkdirp(dir) : this.#inner.mkdirp(dir, mode)));
  }
  syncDir(dir: string): Promise<void> {
    return this.#run('syncDir', dir, () => this.#inner.syncDir(dir));
  }
  lock(path: string): Promise<FileLock> {
    return this.#run('lock', path, () => this.#inner.lock(path));
  }
}
