/**
 * Summarises a V8 .cpuprofile (from `node --cpu-prof`): top functions by self time and by
 * inclusive ("total") time.
 *   node bench/engine/prof-top.ts <file.cpuprofile> [n=20] [filter-substring]
 */
import { readFileSync } from 'node:fs';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface Profile {
  nodes: ProfNode[];
  samples: number[];
  timeDeltas: number[];
}

const [file, nArg, filter] = process.argv.slice(2);
if (file === undefined) {
  console.error('usage: prof-top.ts <file.cpuprofile> [n] [filter]');
  process.exit(2);
}
const n = Number(nArg ?? 20);
const prof = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(prof.nodes.map((x) => [x.id, x]));
const parent = new Map<number, number>();
for (const x of prof.nodes) for (const c of x.children ?? []) parent.set(c, x.id);

const label = (cf: CallFrame) => {
  const f = cf.url.replace(/^file:\/\/.*?\/(engine|bench|node_modules)\//, '$1/');
  return `${cf.functionName || '(anonymous)'} ${f}${f ? `:${cf.lineNumber + 1}` : ''}`;
};

const self = new Map<string, number>();
const total = new Map<string, number>();
let all = 0;
for (let i = 0; i < prof.samples.length; i++) {
  const dt = prof.timeDeltas[i] ?? 0;
  all += dt;
  let id: number | undefined = prof.samples[i] as number;
  const leaf = byId.get(id);
  if (leaf === undefined) continue;
  self.set(label(leaf.callFrame), (self.get(label(leaf.callFrame)) ?? 0) + dt);
  const seen = new Set<string>();
  while (id !== undefined) {
    const node = byId.get(id);
    if (node === undefined) break;
    const l = label(node.callFrame);
    if (!seen.has(l)) {
      seen.add(l);
      total.set(l, (total.get(l) ?? 0) + dt);
    }
    id = parent.get(id);
  }
}

const show = (title: string, m: Map<string, number>) => {
  console.log(`${title} (of ${(all / 1000).toFixed(0)} ms sampled)`);
  const top = [...m].filter(([k]) => filter === undefined || k.includes(filter)).sort((a, b) => b[1] - a[1]).slice(0, n);
  for (const [k, v] of top) console.log(`${((100 * v) / all).toFixed(1).padStart(5)}%  ${(v / 1000).toFixed(0).padStart(6)} ms  ${k}`);
};
show('self time', self);
console.log('');
show('total time', total);
