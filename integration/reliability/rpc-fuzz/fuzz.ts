/**
 * The RPC fuzzer: spawns two real sidecars (one with a bearer token), learns
 * every method through reflection and sends seeded malformed requests over
 * gRPC, gRPC-Web and Connect (HTTP/2 and HTTP/1.1). See docs/reliability.md.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import type { DescMethod } from '@bufbuild/protobuf';
import { spawnServer, type Spawned } from '../../../server/test/spawn.ts';
import { Rng } from './rng.ts';
import { discoverMethods } from './discover.ts';
import { envelope, makePlan, type Plan } from './plan.ts';
import { H2Pool, sendH1, sendH2, type Reply } from './send.ts';
import { judge } from './check.ts';

export const TOKEN = 'fuzz-secret-token';
const MAX_KEY = 1024;
const READ_MAX = 256 * 1024;

export interface FuzzOptions {
  seed: number;
  requests: number;
  concurrency: number;
  /** Health check and resource sample every this many requests. */
  batch: number;
  /** Replay only this request index, verbosely. */
  only?: number;
  log?: (line: string) => void;
}

export interface ProcSample { rssMiB: number; fds: number }

export interface FuzzReport {
  seed: number;
  sent: number;
  outcomes: Map<string, number>;
  problems: { index: number; service: string; method: string; protocol: string; http: string; notes: string[]; outcome: string; problems: string[] }[];
  crashes: number;
  healthFailures: number;
  serverLogFaults: string[];
  before: ProcSample[];
  after: ProcSample[];
  peakRssMiB: number[];
  methods: string[];
  ms: number;
}

function sample(pid: number): ProcSample {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const rss = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
  return { rssMiB: Math.round(rss * 10) / 10, fds: fs.readdirSync(`/proc/${pid}/fd`).length };
}

export function rngFor(seed: number, index: number): Rng {
  return new Rng((seed ^ Math.imul(index + 1, 0x9e3779b1)) >>> 0);
}

async function healthy(url: string, token: boolean): Promise<boolean> {
  const pool = new H2Pool(url);
  const headers: { [k: string]: string } = { 'content-type': 'application/grpc', te: 'trailers', 'grpc-timeout': '5S' };
  if (token) headers['authorization'] = `Bearer ${TOKEN}`;
  const p = { path: '/grpc.health.v1.Health/Check', httpMethod: 'POST', headers, body: envelope(0, new Uint8Array()) } as Plan;
  const r = await sendH2(pool, p, 10_000);
  pool.close();
  const st = r.trailers['grpc-status'] ?? r.headers['grpc-status'];
  return st === '0' && r.body.subarray(5).equals(Buffer.from([8, 1]));
}

const FAULT_LINES = /uncaught exception|unhandled rejection|handler for rpc .* failed|FATAL|heap out of memory/i;

export async function runFuzz(o: FuzzOptions): Promise<FuzzReport> {
  const log = o.log ?? ((l: string) => process.stdout.write(l + '\n'));
  const t0 = Date.now();
  const dirs = [fs.mkdtempSync(path.join(os.tmpdir(), 'flowdb-fuzz-')), fs.mkdtempSync(path.join(os.tmpdir(), 'flowdb-fuzz-tok-'))];
  const extra = (process.env['FUZZ_SERVER_ARGS'] ?? '').split(' ').filter((a) => a !== '');
  const common = ['--sync=none', `--max-key-bytes=${MAX_KEY}`, `--max-recv-bytes=${READ_MAX}`, '--log-level=warn', ...extra];
  const servers: Spawned[] = [];
  const report: FuzzReport = {
    seed: o.seed, sent: 0, outcomes: new Map(), problems: [], crashes: 0, healthFailures: 0, serverLogFaults: [],
    before: [], after: [], peakRssMiB: [0, 0], methods: [], ms: 0,
  };
  try {
    servers.push(await spawnServer(dirs[0] as string, common));
    servers.push(await spawnServer(dirs[1] as string, [...common, `--token=${TOKEN}`]));
    const methods: DescMethod[] = await discoverMethods((servers[0] as Spawned).baseUrl);
    report.methods = methods.map((m) => `${m.parent.typeName}/${m.name}`);
    log(`rpc-fuzz: seed=${o.seed} requests=${o.requests} concurrency=${o.concurrency} methods=${methods.length} (replay: FUZZ_SEED=${o.seed})`);
    const lim = { maxKeyBytes: MAX_KEY, readMax: READ_MAX };
    const agents = servers.map(() => new http.Agent({ keepAlive: true, maxSockets: o.concurrency }));
    const urls = servers.map((s) => new URL(s.baseUrl));

    const one = async (index: number, pools: H2Pool[], verbose: boolean) => {
      const rng = rngFor(o.seed, index);
      const target = rng.chance(0.25) ? 1 : 0;
      const plan = makePlan(rng, index, methods, lim, target === 1);
      const pool = pools[target] as H2Pool;
      if (rng.chance(0.01)) {
        plan.notes.push('connection killed first');
        pool.kill();
      }
      const timeout = 15_000;
      const reply: Reply = plan.http === '2' ? await sendH2(pool, plan, timeout) : await sendH1(agents[target] as http.Agent, urls[target] as URL, plan, timeout);
      const v = judge(plan, reply);
      report.sent++;
      report.outcomes.set(v.outcome, (report.outcomes.get(v.outcome) ?? 0) + 1);
      if (verbose) {
        log(JSON.stringify({ index, method: `${plan.method.parent.typeName}/${plan.method.name}`, protocol: plan.protocol, http: plan.http, path: plan.path, headers: plan.headers, body: Buffer.from(plan.body).toString('hex').slice(0, 400), notes: plan.notes }, null, 1));
        log(JSON.stringify({ status: reply.status, headers: reply.headers, trailers: reply.trailers, body: reply.body.toString('latin1').slice(0, 400), broken: reply.broken, verdict: v }, null, 1));
      }
      if (v.problems.length > 0) {
        report.problems.push({
          index, service: plan.method.parent.typeName, method: plan.method.name, protocol: plan.protocol, http: plan.http,
          notes: plan.notes, outcome: v.outcome, problems: v.problems,
        });
      }
    };

    const check = async () => {
      for (const [k, s] of servers.entries()) {
        if (s.proc.exitCode !== null || s.proc.signalCode !== null) {
          report.crashes++;
          throw new Error(`server ${k} died (exit ${s.proc.exitCode}, signal ${s.proc.signalCode}): ${s.stderr().slice(-2000)}`);
        }
        if (!(await healthy(s.baseUrl, k === 1))) report.healthFailures++;
        const smp = sample(s.proc.pid as number);
        report.peakRssMiB[k] = Math.max(report.peakRssMiB[k] ?? 0, smp.rssMiB);
      }
    };

    if (o.only !== undefined) {
      const pools = servers.map((s) => new H2Pool(s.baseUrl));
      await one(o.only, pools, true);
      for (const p of pools) p.close();
      await check();
    } else {
      let next = 0;
      const sampleAll = () => servers.map((s) => sample(s.proc.pid as number));
      for (let start = 0; start < o.requests; start += o.batch) {
        const end = Math.min(o.requests, start + o.batch);
        next = start;
        await Promise.all(Array.from({ length: o.concurrency }, async () => {
          const pools = servers.map((s) => new H2Pool(s.baseUrl));
          while (next < end) await one(next++, pools, false);
          for (const p of pools) p.close();
        }));
        await check();
        if (start === 0) report.before = sampleAll();
        if ((start / o.batch) % 10 === 9 || end === o.requests) {
          const s = sampleAll();
          log(`  ${end} sent, ${report.problems.length} problems, rss ${s.map((x) => x.rssMiB).join('/')} MiB, fds ${s.map((x) => x.fds).join('/')}, ${Math.round((Date.now() - t0) / 1000)} s`);
        }
      }
      for (const a of agents) a.destroy();
      await new Promise((r) => setTimeout(r, 1000));
      report.after = sampleAll();
    }
  } finally {
    for (const s of servers) {
      const code = await s.stop('SIGTERM');
      if (code !== 0 && code !== null) report.crashes++;
      for (const line of s.stderr().split('\n')) if (FAULT_LINES.test(line)) report.serverLogFaults.push(line.slice(0, 500));
    }
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
    report.ms = Date.now() - t0;
  }
  return report;
}

export function summary(r: FuzzReport): string {
  const lines = [
    `rpc-fuzz seed=${r.seed}: ${r.sent} requests over ${r.methods.length} methods in ${(r.ms / 1000).toFixed(1)} s`,
    `  crashes=${r.crashes} health-failures=${r.healthFailures} problems=${r.problems.length} server-log-faults=${r.serverLogFaults.length}`,
    `  rss MiB before/after/peak: ${r.before.map((b, i) => `${b.rssMiB}/${r.after[i]?.rssMiB}/${r.peakRssMiB[i]}`).join(', ')}; fds before/after: ${r.before.map((b, i) => `${b.fds}/${r.after[i]?.fds}`).join(', ')}`,
    '  outcomes: ' + [...r.outcomes].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k}=${v}`).join(' '),
  ];
  for (const p of r.problems.slice(0, 15)) {
    lines.push(`  PROBLEM #${p.index} ${p.service}/${p.method} ${p.protocol} h${p.http} [${p.notes.join('; ')}] → ${p.outcome}: ${p.problems.join('; ')} (replay: FUZZ_SEED=${r.seed} FUZZ_ONLY=${p.index})`);
  }
  for (const l of r.serverLogFaults.slice(0, 5)) lines.push(`  SERVER LOG: ${l}`);
  return lines.join('\n');
}
