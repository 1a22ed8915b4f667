/** grpc.health.v1.Health: Check, Watch and List (gRFC A90), driven by the server's lifecycle. */
import { Code, ConnectError, type ServiceImpl } from '@connectrpc/connect';
import { Health, HealthCheckResponse_ServingStatus as Status } from './gen/grpc/health/v1/health_pb.ts';

export class HealthState {
  #status = new Map<string, Status>();
  #watchers = new Set<() => void>();

  constructor(services: string[]) {
    for (const s of ['', ...services]) this.#status.set(s, Status.SERVING);
  }
  get(service: string): Status | undefined {
    return this.#status.get(service);
  }
  all(): Map<string, Status> {
    return new Map(this.#status);
  }
  setAll(s: Status): void {
    for (const k of this.#status.keys()) this.#status.set(k, s);
    for (const w of this.#watchers) w();
  }
  get serving(): boolean {
    return this.#status.get('') === Status.SERVING;
  }
  onChange(fn: () => void): () => void {
    this.#watchers.add(fn);
    return () => this.#watchers.delete(fn);
  }
}

export function healthService(h: HealthState): ServiceImpl<typeof Health> {
  return {
    check(req) {
      const s = h.get(req.service);
      if (s === undefined) throw new ConnectError(`unknown service "${req.service}"`, Code.NotFound);
      return { status: s };
    },
    list() {
      const statuses: { [k: string]: { status: Status } } = {};
      for (const [k, v] of h.all()) statuses[k] = { status: v };
      return { statuses };
    },
    async *watch(req, ctx) {
      let wake: (() => void) | undefined;
      const off = h.onChange(() => wake?.());
      const onAbort = () => wake?.();
      ctx.signal.addEventListener('abort', onAbort, { once: true });
      try {
        let last: Status | undefined;
        for (;;) {
          const s = h.get(req.service) ?? Status.SERVICE_UNKNOWN;
          if (s !== last) {
            last = s;
            yield { status: s };
          }
          if (ctx.signal.aborted) return;
          // After NOT_SERVING is delivered on shutdown, the stream ends.
          if (s === Status.NOT_SERVING && !h.serving) return;
          await new Promise<void>((r) => (wake = r));
        }
      } finally {
        off();
        ctx.signal.removeEventListener('abort', onAbort);
      }
    },
  };
}
