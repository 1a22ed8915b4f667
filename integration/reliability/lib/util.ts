/** Small helpers shared by the reliability harnesses: settings, randomness, timing, statistics. */

/** True when FLOWDB_RELIABILITY_LONG=1 or --long was given: the harness runs its long setting. */
export const LONG = process.env.FLOWDB_RELIABILITY_LONG === '1' || process.argv.includes('--long');

/** An integer setting: env var, else the long or quick default. */
export function setting(env: string, quick: number, long: number): number {
  const v = process.env[env];
  if (v === undefined || v === '') return LONG ? long : quick;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${env}: expected a number, got "${v}"`);
  return n;
}

/** Seeded PRNG (mulberry32). */
export interface Rng {
  /** Integer in [0, n). */
  int(n: number): number;
  float(): number;
}

export function rng(seed: number): Rng {
  let a = seed >>> 0;
  const float = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { float, int: (n: number) => Math.floor(float() * n) };
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Least-squares slope of y over x. */
export function slope(xs: readonly number[], ys: readonly number[]): number {
  const n = xs.length;
  if (n < 2) return 0;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    const dx = (xs[i] as number) - mx;
    num += dx * ((ys[i] as number) - my);
    den += dx * dx;
  }
  return den === 0 ? 0 : num / den;
}

export function log(harness: string, msg: string): void {
  process.stdout.write(`[${harness} ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
}

/** Machine load as a short string (for the recorded figures). */
export async function loadAvg(): Promise<string> {
  const os = await import('node:os');
  return os.loadavg().map((l) => l.toFixed(2)).join(' ') + ` on ${os.cpus().length} cores`;
}

/** Runs `main`; prints a failure and exits 1 on a throw, else exits 0 (open sockets do not keep it alive). */
export function runMain(harness: string, main: () => Promise<void>): void {
  // Any uncaught exception fails the run (the client's GOAWAY crash, connect-es #1768, is fixed
  // in @flowdb/client: clients/ts/src/session.ts).
  process.on('uncaughtException', (e) => {
    process.stderr.write(`[${harness}] FAILED: uncaught ${e.stack ?? String(e)}\n`);
    process.exit(1);
  });
  main().then(
    () => process.exit(0),
    (e: unknown) => {
      process.stderr.write(`[${harness}] FAILED: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exit(1);
    },
  );
}
