/** Prometheus text exposition: RPC counters and latency histograms, engine gauges. */
import type { EngineStats } from '@flowdb/engine';

const BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

interface Hist {
  counts: number[];
  sum: number;
  n: number;
}

const esc = (s: string) => s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

export class Metrics {
  #handled = new Map<string, number>();
  #hist = new Map<string, Hist>();
  #http = new Map<string, number>();

  handled(service: string, method: string, code: string, seconds: number): void {
    const k = `grpc_service="${esc(service)}",grpc_method="${esc(method)}",grpc_code="${esc(code)}"`;
    this.#handled.set(k, (this.#handled.get(k) ?? 0) + 1);
    const hk = `grpc_service="${esc(service)}",grpc_method="${esc(method)}"`;
    let h = this.#hist.get(hk);
    if (h === undefined) this.#hist.set(hk, (h = { counts: BUCKETS.map(() => 0), sum: 0, n: 0 }));
    for (let i = 0; i < BUCKETS.length; i++) if (seconds <= (BUCKETS[i] as number)) h.counts[i] = (h.counts[i] as number) + 1;
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
    for (const [k, v] of this.#handled) out.push(`grpc_server_handled_total{${k}} ${v}`);
    out.push('# HELP grpc_server_handling_seconds RPC duration (streams: until the stream ends).', '# TYPE grpc_server_handling_seconds histogram');
    for (const [k, h] of this.#hist) {
      BUCKETS.forEach((b, i) => out.push(`grpc_server_handling_seconds_bucket{${k},le="${b}"} ${h.counts[i]}`));
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
