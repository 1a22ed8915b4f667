/**
 * `npm run reliability:rpc-fuzz` (long setting by default). Env: FUZZ_SEED,
 * FUZZ_REQUESTS (default 100000), FUZZ_CONCURRENCY (16), FUZZ_ONLY=<index>
 * to replay one request verbosely, FUZZ_SERVER_ARGS extra server flags.
 * Exit 1 on any problem.
 */
import { runFuzz, summary } from './fuzz.ts';

const env = process.env;
const seed = env['FUZZ_SEED'] !== undefined ? Number(env['FUZZ_SEED']) >>> 0 : (Date.now() ^ (process.pid << 16)) >>> 0;
const report = await runFuzz({
  seed,
  requests: Number(env['FUZZ_REQUESTS'] ?? 100_000),
  concurrency: Number(env['FUZZ_CONCURRENCY'] ?? 16),
  batch: Number(env['FUZZ_BATCH'] ?? 1000),
  ...(env['FUZZ_ONLY'] !== undefined ? { only: Number(env['FUZZ_ONLY']) } : {}),
});
process.stdout.write(summary(report) + '\n');
const bad = report.crashes + report.healthFailures + report.problems.length + report.serverLogFaults.length;
process.exit(bad === 0 ? 0 : 1);
