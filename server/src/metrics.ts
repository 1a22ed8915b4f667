/** Prometheus text exposition: RPC counters and latency histograms, engine gauges. */
import type { EngineStats } from '@flowdb/engine';

const BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

interface Hist {
  counts: number[];
  sum: number;
  n: number;
}

const esc = (s: string) => s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

interface MethodStats {
  /** Label text up to the method, e.g. `grpc_service="a",grpc_method="b"`. */
  labels: string;
  codes: Map<string, number>;
  hist: Hist;
}

export class Metrics {
  /** service → method → counters; no string is built per call. */
  #methods = new Map<string, Map<string, MethodStats>>();
  #http = new Map<string, number>();

  handled(service: string, method: string, code: string, seconds: number): void {
    let bySvc = this.#methods.get(service);
    if (bySvc === undefined) this.#methods.set(service, (bySvc = new Map()));
    let m = bySvc.get(method);
    if (m === undefined) {
      m = { labels: `grpc_service="${esc(service)}",grpc_method="${esc(method)}"`, codes: new Map(), hist: { counts: BUCKETS.map(() => 0), sum: 0, n: 0 } };
      bySvc.set(method, m);
    }
    m.codes.set(code, (m.codes.get(code) ?? 0) + 1);
    const h = m.hist;
    // Buckets are cumulative at render time: count only the first matching one here.
    let i = 0;
    while (i < BUCKETS.length && seconds > (BUCKETS[i] as number)) i++;
    if (i < BUCKETS.length) h.counts[i] = (h.counts[i] as number) + 1;
    h.sum += seconds;
    h.n++;
  }

  httpRequest(path: string, status: number): void {
    const k = `path="${esc(path)}",status="${status}"`;
    this.#http.set(k, (this.#http.get(k) ?? 0) + 1);
  }

  render(stats: EngineStats | undefined, extra: { [name: string]: number } = {}): string {
    const out: string[] = [];
    out.push('# HELP grpc_server_handled_total RPCs completed, by status code.', '# TYPE grpc_server_handled_total counter');
    const all = [...this.#methods.values()].flatMap((m) => [...m.values()]);
    for (const m of all) for (const [code, v] of m.codes) out.push(`grpc_server_handled_total{${m.labels},grpc_code="${esc(code)}"} ${v}`);
    out.push('# HELP grpc_server_handling_seconds RPC duration (streams: until the stream ends).', '# TYPE grpc_server_handling_seconds histogram');
    for (const { labels: k, hist: h } of all) {
      let cum = 0;
      BUCKETS.forEach((b, i) => out.push(`grpc_server_handling_seconds_bucket{${k},le="${b}"} ${(cum += h.counts[i] as number)}`));
      out.push(`grpc_server_handling_seconds_bucket{${k},le="+Inf"} ${h.n}`, `grpc_server_handling_seconds_sum{${k}} ${h.sum}`, `grpc_server_handling_seconds_count{${k}} ${h.n}`);
    }
    out.push('# HELP flowdb_http_requests_total Plain HTTP requests (/metrics, /healthz, /readyz, unknown).', '# TYPE flowdb_http_requests_total counter');
    for (const [k, v] of this.#http) out.push(`flowdb_http_requests_total{${k}} ${v}`);
    for (const [name, v] of Object.entries(extra)) out.push(`# TYPE ${name} gauge`, `${name} ${v}`);
    if (stats !== undefined) {
      for (const [k, v] of Object.entries(stats)) {
        const name = 'flowdb_engine_' + k.replace(/[A-Z]/g, (c) => '_' + c.toLowerCase());
        if (typeof v === 'number') out.push(`# TYPE ${name} ${k.startsWith('total') ? 'counter' : 'gauge'}`, `${name} ${v}`);
        else if (typeof v === 'boolean') out.push(`# TYPE ${name} gauge`, `${name} ${v ? 1 : 0}`);
        else if (Array.isArray(v)) {
          out.push(`# TYPE ${name} gauge`);
          v.forEach((x, i) => out.push(`${name}{level="${i}"} ${Number(x)}`));
        } else if (v !== null && typeof v === 'object') {
          out.push(`# TYPE ${name}_micros gauge`);
          for (const [q, x] of Object.entries(v as { [k: string]: number })) {
            if (q === 'count') continue;
            out.push(`${name}_micros{quantile="${q}"} ${x}`);
          }
        }
      }
    }
    return out.join('\n') + '\n';
  }
}

/** The process's memory (process.memoryUsage()), bytes: RSS, V8 heap, memory outside the heap. */
export function processMemory(): { [name: string]: number } {
  const m = process.memoryUsage();
  return {
    process_resident_memory_bytes: m.rss,
    nodejs_heap_size_used_bytes: m.heapUsed,
    nodejs_heap_size_total_bytes: m.heapTotal,
    nodejs_external_memory_bytes: m.external,
    nodejs_array_buffers_bytes: m.arrayBuffers,
  };
}
