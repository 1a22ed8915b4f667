/**
 * Server configuration: defaults < FLOWDB_* environment < --flags.
 * Every option has a flag `--name=value` (or `--name value`) and an env var
 * FLOWDB_NAME (upper snake case). `--help` prints the table.
 */
import { readFileSync } from 'node:fs';
import type { OpenOptions, SyncMode } from '@flowdb/engine';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface Config {
  dataDir: string;
  /** TCP "host:port" ([v6]:port) and/or "unix:/path" entries. */
  listen: string[];
  sync: SyncMode;
  logLevel: LogLevel;
  /** Bearer token; undefined disables auth. */
  token: string | undefined;
  tlsCert: string | undefined;
  tlsKey: string | undefined;
  maxRecvBytes: number;
  maxSendBytes: number;
  maxKeyBytes: number;
  maxValueBytes: number;
  maxBatchOps: number;
  maxBatchKeys: number;
  /** Unacknowledged batches per Ingest stream. */
  maxInFlight: number;
  /** In-flight write bytes across all calls before RESOURCE_EXHAUSTED. */
  maxInFlightBytes: number;
  /** Server HTTP/2 PING interval, ms; 0 disables. */
  keepaliveMs: number;
  keepaliveTimeoutMs: number;
  maxConcurrentStreams: number;
  shutdownTimeoutMs: number;
  changeRetention: number;
  memtableBytes: number | undefined;
  /** Table files each engine (KV, documents) keeps open; undefined: the engine default. */
  maxOpenFiles: number | undefined;
  /** Largest grpc-timeout / connect-timeout-ms accepted, ms; 0: no limit. */
  maxTimeoutMs: number;
  /** Records per Scan call (larger limit: RESOURCE_EXHAUSTED; no limit: capped, more=true); 0: unbounded. */
  maxScanRecords: number;
}

interface Opt {
  flag: string;
  help: string;
  def: string;
  set(c: Config, v: string): void;
}

const MiB = 1024 * 1024;

function int(name: string, v: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < min || n > max) throw new Error(`${name}: expected an integer in [${min}, ${max}], got "${v}"`);
  return n;
}

export function parseSync(v: string): SyncMode {
  if (v === 'always' || v === 'none') return { mode: v };
  const m = /^interval(?::(\d+))?$/.exec(v);
  if (m) return { mode: 'interval', intervalMs: m[1] === undefined ? 100 : int('sync', m[1], 1) };
  throw new Error(`sync: expected always | none | interval[:ms], got "${v}"`);
}

const OPTS: Opt[] = [
  { flag: 'data-dir', def: './data', help: 'data directory', set: (c, v) => (c.dataDir = v) },
  {
    flag: 'listen', def: '127.0.0.1:50051',
    help: 'comma-separated listen addresses: host:port, [::1]:port, unix:/path (port 0 picks a free port)',
    set: (c, v) => (c.listen = v.split(',').map((s) => s.trim()).filter((s) => s !== '')),
  },
  { flag: 'sync', def: 'always', help: 'WAL sync: always (fsync per group commit) | interval[:ms] | none', set: (c, v) => (c.sync = parseSync(v)) },
  {
    flag: 'log-level', def: 'info', help: 'debug | info | warn | error',
    set: (c, v) => {
      if (!['debug', 'info', 'warn', 'error'].includes(v)) throw new Error(`log-level: bad value "${v}"`);
      c.logLevel = v as LogLevel;
    },
  },
  { flag: 'token', def: '', help: 'require "authorization: Bearer <token>" on every RPC (empty: no auth)', set: (c, v) => (c.token = v === '' ? undefined : v) },
  { flag: 'token-file', def: '', help: 'read the token from this file (trailing newline stripped)', set: (c, v) => { if (v !== '') c.token = readFileSync(v, 'utf8').trim(); } },
  { flag: 'tls-cert', def: '', help: 'PEM certificate: serve TLS (h2 + HTTP/1.1 via ALPN)', set: (c, v) => (c.tlsCert = v === '' ? undefined : v) },
  { flag: 'tls-key', def: '', help: 'PEM private key for --tls-cert', set: (c, v) => (c.tlsKey = v === '' ? undefined : v) },
  { flag: 'max-recv-bytes', def: String(4 * MiB), help: 'max request message size, bytes', set: (c, v) => (c.maxRecvBytes = int('max-recv-bytes', v, 1024)) },
  { flag: 'max-send-bytes', def: String(4 * MiB), help: 'max response message size, bytes', set: (c, v) => (c.maxSendBytes = int('max-send-bytes', v, 1024)) },
  { flag: 'max-key-bytes', def: '65536', help: 'max key size, bytes', set: (c, v) => (c.maxKeyBytes = int('max-key-bytes', v, 1, 65536)) },
  { flag: 'max-value-bytes', def: String(1 * MiB), help: 'max value size, bytes', set: (c, v) => (c.maxValueBytes = int('max-value-bytes', v, 0)) },
  { flag: 'max-batch-ops', def: '10000', help: 'max operations per Batch / points per Ingest batch', set: (c, v) => (c.maxBatchOps = int('max-batch-ops', v, 1)) },
  { flag: 'max-batch-keys', def: '1000', help: 'max keys per BatchGet', set: (c, v) => (c.maxBatchKeys = int('max-batch-keys', v, 1)) },
  { flag: 'max-in-flight', def: '64', help: 'unacknowledged batches per Ingest stream', set: (c, v) => (c.maxInFlight = int('max-in-flight', v, 1)) },
  { flag: 'max-in-flight-bytes', def: String(256 * MiB), help: 'in-flight write bytes across all calls', set: (c, v) => (c.maxInFlightBytes = int('max-in-flight-bytes', v, 1024)) },
  { flag: 'keepalive-ms', def: '30000', help: 'server HTTP/2 PING interval on idle sessions, ms (0: off)', set: (c, v) => (c.keepaliveMs = int('keepalive-ms', v, 0)) },
  { flag: 'keepalive-timeout-ms', def: '20000', help: 'close a session whose PING is unanswered after this, ms', set: (c, v) => (c.keepaliveTimeoutMs = int('keepalive-timeout-ms', v, 100)) },
  { flag: 'max-concurrent-streams', def: '1000', help: 'HTTP/2 streams per connection', set: (c, v) => (c.maxConcurrentStreams = int('max-concurrent-streams', v, 1)) },
  { flag: 'shutdown-timeout-ms', def: '10000', help: 'graceful shutdown bound, ms', set: (c, v) => (c.shutdownTimeoutMs = int('shutdown-timeout-ms', v, 0)) },
  { flag: 'change-retention', def: '100000', help: 'changes kept for WatchChanges resume', set: (c, v) => (c.changeRetention = int('change-retention', v, 1)) },
  { flag: 'memtable-bytes', def: '', help: 'engine memtable size, bytes (default: engine default)', set: (c, v) => (c.memtableBytes = v === '' ? undefined : int('memtable-bytes', v, 4096)) },
  { flag: 'max-open-files', def: '', help: 'table files kept open per engine (KV and documents each; default: engine default, 1000)', set: (c, v) => (c.maxOpenFiles = v === '' ? undefined : int('max-open-files', v, 16)) },
  { flag: 'max-scan-records', def: '0', help: 'records per Scan call: a larger limit gets RESOURCE_EXHAUSTED, no limit is capped with more=true (0: unbounded, streamed in 1 MiB chunks)', set: (c, v) => (c.maxScanRecords = int('max-scan-records', v, 0)) },
  { flag: 'max-timeout-ms', def: '0', help: 'largest client deadline accepted, ms (0: any)', set: (c, v) => (c.maxTimeoutMs = int('max-timeout-ms', v, 0)) },
];

/** The engine options a config sets (both engines: KV and documents). */
export function engineOptions(c: Config): OpenOptions {
  return {
    sync: c.sync,
    ...(c.memtableBytes === undefined ? {} : { memtableBytes: c.memtableBytes }),
    ...(c.maxOpenFiles === undefined ? {} : { maxOpenFiles: c.maxOpenFiles }),
  };
}

export function envName(flag: string): string {
  return 'FLOWDB_' + flag.toUpperCase().replace(/-/g, '_');
}

export function usage(): string {
  const lines = ['usage: flowdb-server [--flag=value ...]   (each flag also reads FLOWDB_<FLAG>)', ''];
  for (const o of OPTS) lines.push(`  --${o.flag.padEnd(24)} ${envName(o.flag).padEnd(30)} ${o.help} [${o.def === '' ? 'unset' : o.def}]`);
  return lines.join('\n');
}

export function loadConfig(argv: string[] = [], env: NodeJS.ProcessEnv = {}): Config {
  const c = {} as Config;
  for (const o of OPTS) o.set(c, o.def);
  for (const o of OPTS) {
    const v = env[envName(o.flag)];
    if (v !== undefined) o.set(c, v);
  }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (!a.startsWith('--')) throw new Error(`unexpected argument "${a}"`);
    const eq = a.indexOf('=');
    const name = eq < 0 ? a.slice(2) : a.slice(2, eq);
    const o = OPTS.find((x) => x.flag === name);
    if (o === undefined) throw new Error(`unknown flag --${name}\n${usage()}`);
    let v: string;
    if (eq >= 0) v = a.slice(eq + 1);
    else {
      const next = argv[i + 1];
      if (next === undefined) throw new Error(`--${name} needs a value`);
      v = next;
      i++;
    }
    o.set(c, v);
  }
  if ((c.tlsCert === undefined) !== (c.tlsKey === undefined)) throw new Error('--tls-cert and --tls-key go together');
  if (c.listen.length === 0) throw new Error('--listen is empty');
  if (c.maxValueBytes + c.maxKeyBytes + 1024 > c.maxRecvBytes) {
    // Keep the engine limits reachable through the transport limit.
    c.maxValueBytes = c.maxRecvBytes - c.maxKeyBytes - 1024;
    if (c.maxValueBytes < 1) throw new Error(`--max-recv-bytes=${c.maxRecvBytes} leaves no room for a value next to --max-key-bytes=${c.maxKeyBytes}`);
  }
  return c;
}

/** The config as logged at startup (secrets redacted). */
export function redacted(c: Config): object {
  return { ...c, token: c.token === undefined ? undefined : '<redacted>' };
}
