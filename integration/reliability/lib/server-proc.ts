/** Runs the real sidecar entry (server/src/main.ts) as a child process, with its pid and exit status. */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const MAIN = fileURLToPath(new URL('../../../server/src/main.ts', import.meta.url));

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
  const proc = spawn(process.execPath, [MAIN, `--data-dir=${dataDir}`, '--listen=127.0.0.1:0', '--log-level=warn', ...(o.args ?? [])], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...o.env, NODE_COMPILE_CACHE: process.env.NODE_COMPILE_CACHE ?? '/tmp/flowdb-reliability-compile-cache' },
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
