/** Runs the real sidecar entry (server/src/main.ts) as a child process, with its pid and exit status. */
import { type ChildProcess, spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const MAIN = fileURLToPath(new URL('../../../server/src/main.ts', import.meta.url));
const ENGINE_WORKER = fileURLToPath(new URL('../../../engine/src/flush/worker.ts', import.meta.url));

let entry: Promise<string> | undefined;

/**
 * The entry to run: main.ts bundled with esbuild as the container image ships it (a restart
 * takes ~0.7 s instead of 3-5 s of module loading on a loaded 2-core box), or the source itself
 * with FLOWDB_RELIABILITY_SOURCE=1.
 */
export function serverEntry(): Promise<string> {
  entry ??= (async () => {
    if (process.env.FLOWDB_RELIABILITY_SOURCE === '1') return MAIN;
    const { build } = await import('esbuild');
    const dir = await mkdtemp(join(tmpdir(), 'flowdb-server-bundle-'));
    const outfile = join(dir, 'server.mjs');
    const common = {
      bundle: true, platform: 'node', format: 'esm', target: 'node24', logLevel: 'warning',
      banner: { js: "import { createRequire as __flowdbCreateRequire } from 'node:module'; const require = __flowdbCreateRequire(import.meta.url);" },
    } as const;
    await build({ ...common, entryPoints: [MAIN], outfile });
    // The engine's worker thread entry, next to the bundle (engine/src/flush/pool.ts: workerEntry).
    await build({ ...common, entryPoints: [ENGINE_WORKER], outfile: join(dir, 'engine-worker.mjs') });
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    return outfile;
  })();
  return entry;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ServerProc {
  proc: ChildProcess;
  pid: number;
  baseUrl: string;
  exited: Promise<Exit>;
  stderr(): string;
  /** Sends `signal`; resolves with how it exited (SIGKILL after `killAfterMs`). */
  stop(signal: NodeJS.Signals, killAfterMs?: number): Promise<Exit>;
}

export interface SpawnOptions {
  args?: string[];
  /** Resolve at once (no wait for "listening"): the caller kills it during startup. */
  noWait?: boolean;
  startTimeoutMs?: number;
  /** Extra environment (e.g. NODE_OPTIONS). */
  env?: NodeJS.ProcessEnv;
}

export async function spawnServer(dataDir: string, o: SpawnOptions = {}): Promise<ServerProc> {
  const proc = spawn(process.execPath, [await serverEntry(), `--data-dir=${dataDir}`, '--listen=127.0.0.1:0', '--log-level=warn', ...(o.args ?? [])], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...o.env },
  });
  const pid = proc.pid;
  if (pid === undefined) throw new Error('spawn failed');
  let out = '';
  let err = '';
  proc.stderr?.on('data', (c: Buffer) => {
    err += c.toString();
    if (err.length > 200_000) err = err.slice(-100_000);
  });
  const exited = new Promise<Exit>((r) => proc.once('exit', (code, signal) => r({ code, signal })));
  let baseUrl = '';
  const listening = new Promise<string>((resolve, reject) => {
    const limit = o.startTimeoutMs ?? 30_000;
    const t = setTimeout(() => reject(new Error(`server did not start in ${limit} ms: ${err}`)), limit);
    proc.stdout?.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /flowdb listening on (\S+)/.exec(out);
      if (m) {
        clearTimeout(t);
        resolve(`http://${(m[1] as string).split(',')[0] as string}`);
      }
    });
    void exited.then((e) => {
      clearTimeout(t);
      reject(new Error(`server exited during startup (${e.code ?? e.signal}): ${err}`));
    });
  });
  if (o.noWait === true) listening.catch(() => undefined);
  else baseUrl = await listening;
  return {
    proc, pid, baseUrl, exited,
    stderr: () => err,
    async stop(signal, killAfterMs = 30_000) {
      if (proc.exitCode !== null || proc.signalCode !== null) return exited;
      proc.kill(signal);
      const t = setTimeout(() => proc.kill('SIGKILL'), killAfterMs);
      const e = await exited;
      clearTimeout(t);
      return e;
    },
  };
}
