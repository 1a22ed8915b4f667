/** Samples a process's RSS and open file descriptors from /proc (Linux). */
import { readFile, readdir, readlink } from 'node:fs/promises';

export interface ProcSample {
  /** Seconds since the sampler started. */
  t: number;
  rssMb: number;
  fds: number;
  /** Descriptors on files under the data directory, and on deleted files. */
  dataFds: number;
  deletedFds: number;
  sockets: number;
  /** Event loop and thread plumbing (anon_inode: eventfd / eventpoll, pipes): grows with worker threads, bounded. */
  plumbing: number;
}

export async function sampleProc(pid: number, dataDir: string, t: number): Promise<ProcSample> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const m = /VmRSS:\s+(\d+) kB/.exec(status);
  if (m === null) throw new Error(`no VmRSS in /proc/${pid}/status`);
  const fds = await readdir(`/proc/${pid}/fd`);
  let dataFds = 0;
  let deletedFds = 0;
  let sockets = 0;
  let plumbing = 0;
  for (const fd of fds) {
    const target = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => ''); // closed meanwhile
    if (target.startsWith(dataDir)) dataFds++;
    if (target.endsWith('(deleted)')) deletedFds++;
    if (target.startsWith('socket:')) sockets++;
    if (target.startsWith('anon_inode:') || target.startsWith('pipe:')) plumbing++;
  }
  return { t, rssMb: Number(m[1]) / 1024, fds: fds.length, dataFds, deletedFds, sockets, plumbing };
}

/** The server's own memory figures from /metrics (process.memoryUsage()), MB, and its open HTTP/2 sessions. */
export interface MemSample {
  heapMb: number;
  /** V8 heap reserved by the main thread (used + free). */
  heapTotalMb: number;
  /** V8 heaps of the engine worker threads (reserved). */
  workerHeapMb: number;
  externalMb: number;
  arrayBuffersMb: number;
  /** The engine's block cache (bounded: fills up, then stays). */
  blockCacheMb: number;
  sessions: number;
}

export async function sampleMetrics(baseUrl: string): Promise<MemSample> {
  const text = await (await fetch(`${baseUrl}/metrics`, { signal: AbortSignal.timeout(10_000) })).text();
  const get = (name: string): number => {
    const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
    if (m === null) throw new Error(`/metrics: no ${name}`);
    return Number(m[1]);
  };
  const mb = (name: string): number => get(name) / 1024 / 1024;
  return {
    heapMb: mb('nodejs_heap_size_used_bytes'),
    heapTotalMb: mb('nodejs_heap_size_total_bytes'),
    workerHeapMb: mb('flowdb_engine_worker_heap_total_bytes'),
    externalMb: mb('nodejs_external_memory_bytes'),
    arrayBuffersMb: mb('nodejs_array_buffers_bytes'),
    blockCacheMb: mb('flowdb_engine_block_cache_bytes'),
    sessions: get('flowdb_server_http2_sessions'),
  };
}
