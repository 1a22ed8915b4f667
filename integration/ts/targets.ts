/**
 * Where the integration suite runs flowdb:
 *   FLOWDB_TARGET=container (default, what CI runs): the image FLOWDB_IMAGE [flowdb:test] started with
 *     testcontainers (offline: TESTCONTAINERS_RYUK_DISABLED=true, TESTCONTAINERS_HOST_OVERRIDE=127.0.0.1;
 *     set here when unset). The data dir is a host bind mount owned by the image's user 65532.
 *   FLOWDB_TARGET=process: a spawned `node server/src/main.ts` on 127.0.0.1:0 (quick local runs).
 * A target is stopped with SIGTERM (docker stop with a 15 s grace period) and reports its exit code.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, chown } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

process.env['TESTCONTAINERS_RYUK_DISABLED'] ??= 'true';
process.env['TESTCONTAINERS_HOST_OVERRIDE'] ??= '127.0.0.1';

const run = promisify(execFile);
export const REPO = resolve(import.meta.dirname, '../..');
export const IMAGE = process.env['FLOWDB_IMAGE'] ?? 'flowdb:test';
export const TARGET = (process.env['FLOWDB_TARGET'] ?? 'container') as 'container' | 'process';
const IMAGE_UID = 65532;

export interface Running {
  /** http://127.0.0.1:<port> */
  endpoint: string;
  /** Host path of the server's Unix socket, when started with socketDir. */
  socketPath: string | undefined;
  /** Graceful stop (SIGTERM); resolves with the exit code. */
  stop(): Promise<number>;
  /** Hard kill and remove, for teardown; never throws. */
  kill(): Promise<void>;
  logs(): string;
}

export interface Launcher {
  /** A fresh data directory the server can write. */
  newDataDir(): Promise<string>;
  /** socketDir: also listen on <socketDir>/flowdb.sock (a bind mount at /run/flowdb in the container). */
  start(dataDir: string, env?: Record<string, string>, socketDir?: string): Promise<Running>;
  /** Removes data dirs (and, for containers, the image when this process built it). */
  cleanup(): Promise<void>;
}

const docker = async (...args: string[]): Promise<string> => (await run('docker', args, { maxBuffer: 64 << 20 })).stdout.trim();

async function imageExists(tag: string): Promise<boolean> {
  try {
    await docker('image', 'inspect', tag);
    return true;
  } catch {
    return false;
  }
}

function dataDirs() {
  const dirs: string[] = [];
  return {
    async make(owner?: number): Promise<string> {
      const d = await mkdtemp(join(tmpdir(), 'flowdb-it-'));
      if (owner !== undefined) await chown(d, owner, owner);
      dirs.push(d);
      return d;
    },
    async cleanup(): Promise<void> {
      for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
    },
  };
}

export async function containerLauncher(): Promise<Launcher> {
  // testcontainers reads the env above at import: import it only now.
  const { GenericContainer, Wait } = await import('testcontainers');
  let built = false;
  if (!(await imageExists(IMAGE))) {
    if (process.env['FLOWDB_IMAGE'] !== undefined) throw new Error(`image ${IMAGE} does not exist`);
    await run('bash', [join(REPO, 'scripts/build-image.sh')], { cwd: REPO, env: { ...process.env, FLOWDB_IMAGE: IMAGE } });
    built = true;
  }
  const dirs = dataDirs();
  const live = new Set<string>();
  return {
    newDataDir: () => dirs.make(IMAGE_UID),
    async start(dataDir, env = {}, socketDir) {
      let out = '';
      const mounts = [{ source: dataDir, target: '/var/lib/flowdb', mode: 'rw' as const }];
      if (socketDir !== undefined) {
        mounts.push({ source: socketDir, target: '/run/flowdb', mode: 'rw' });
        env = { FLOWDB_LISTEN: '0.0.0.0:50051,unix:/run/flowdb/flowdb.sock', ...env };
      }
      const c = await new GenericContainer(IMAGE)
        .withExposedPorts(50051)
        .withBindMounts(mounts)
        .withEnvironment({ FLOWDB_LOG_LEVEL: 'info', ...env })
        .withWaitStrategy(Wait.forLogMessage(/flowdb listening on/))
        .withStartupTimeout(30_000)
        .withLogConsumer((s) => s.on('data', (d: Buffer) => (out += d.toString())))
        .start();
      const id = c.getId();
      live.add(id);
      const kill = async () => {
        live.delete(id);
        await docker('rm', '-f', '-v', id).catch(() => undefined);
      };
      return {
        endpoint: `http://${c.getHost()}:${c.getMappedPort(50051)}`,
        socketPath: socketDir === undefined ? undefined : join(socketDir, 'flowdb.sock'),
        async stop() {
          await c.stop({ timeout: 15_000, remove: false });
          const code = Number(await docker('inspect', '--format', '{{.State.ExitCode}}', id));
          await kill();
          return code;
        },
        kill,
        logs: () => out,
      };
    },
    async cleanup() {
      for (const id of [...live]) await docker('rm', '-f', '-v', id).catch(() => undefined);
      live.clear();
      await dirs.cleanup();
      if (built) await docker('rmi', '-f', IMAGE).catch(() => undefined);
    },
  };
}

export async function processLauncher(): Promise<Launcher> {
  const dirs = dataDirs();
  const live = new Set<ChildProcess>();
  return {
    newDataDir: () => dirs.make(),
    async start(dataDir, env = {}, socketDir) {
      const listen = socketDir === undefined ? '127.0.0.1:0' : `127.0.0.1:0,unix:${join(socketDir, 'flowdb.sock')}`;
      const child = spawn(process.execPath, [join(REPO, 'server/src/main.ts'), `--listen=${listen}`, `--data-dir=${dataDir}`], {
        env: { ...process.env, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      live.add(child);
      let out = '';
      const exited = new Promise<number>((res) => child.once('exit', (code, sig) => res(code ?? (sig ? 128 : 1))));
      const endpoint = await new Promise<string>((res, rej) => {
        const t = setTimeout(() => rej(new Error(`server did not start:\n${out}`)), 30_000);
        const onData = (d: Buffer) => {
          out += d.toString();
          const m = /flowdb listening on ([^\s,]+)/.exec(out);
          if (m) {
            clearTimeout(t);
            res(`http://${m[1]}`);
          }
        };
        child.stdout!.on('data', onData);
        child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
        void exited.then((c) => rej(new Error(`server exited ${c}:\n${out}`)));
      });
      return {
        endpoint,
        socketPath: socketDir === undefined ? undefined : join(socketDir, 'flowdb.sock'),
        async stop() {
          child.kill('SIGTERM');
          const code = await exited;
          live.delete(child);
          return code;
        },
        async kill() {
          child.kill('SIGKILL');
          live.delete(child);
        },
        logs: () => out,
      };
    },
    async cleanup() {
      for (const c of live) c.kill('SIGKILL');
      live.clear();
      await dirs.cleanup();
    },
  };
}

export const launcher = (): Promise<Launcher> => (TARGET === 'process' ? processLauncher() : containerLauncher());
