/** Test helper: runs the real server entry (server/src/main.ts) as a child process. */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));

export interface Spawned {
  proc: ChildProcess;
  addr: string;
  baseUrl: string;
  stderr: () => string;
  /** Sends the signal and resolves with the exit code (kills after timeoutMs). */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<number | null>;
}

export async function spawnServer(dataDir: string, args: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<Spawned> {
  const proc = spawn(process.execPath, [MAIN, `--data-dir=${dataDir}`, '--listen=127.0.0.1:0', '--log-level=warn', ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  proc.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  const addr = await new Promise<string>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`server did not start in 15 s: ${err}`)), 15_000);
    proc.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /flowdb listening on (\S+)/.exec(out);
      if (m) {
        clearTimeout(t);
        resolve((m[1] as string).split(',')[0] as string);
      }
    });
    proc.once('exit', (code) => {
      clearTimeout(t);
      reject(new Error(`server exited with ${code}: ${err}`));
    });
  });
  return {
    proc,
    addr,
    baseUrl: `http://${addr}`,
    stderr: () => err,
    async stop(signal = 'SIGTERM', timeoutMs = 15_000) {
      if (proc.exitCode !== null) return proc.exitCode;
      proc.kill(signal);
      const t = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
      const code = await exited;
      clearTimeout(t);
      return code;
    },
  };
}
