/** @flowdb/engine/vfs: the FS seam and its implementations (real, in-memory, fault-injecting). */
export type { FS, FileLock, FileStat, ReadableFile, WritableFile } from './fs.ts';
export { dirName, joinPath } from './fs.ts';
export { NodeFS } from './node-fs.ts';
export { MemFS, type CrashOptions, type MemFSOptions } from './mem-fs.ts';
export {
  ALL_OPS,
  anyOf,
  ErrorFS,
  InjectedError,
  onOps,
  type ErrorFSOptions,
  type InjectedErrno,
  type Injection,
  type Injector,
  type OnOpsOptions,
  type OpInfo,
  type OpKind,
  type OpRecord,
} from './error-fs.ts';
