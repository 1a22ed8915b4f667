/**
 * The write oracle. Every write is a unit (a put, a multi-key Batch or one Ingest batch) with a
 * unique id; its keys are `r/<id>/<i>` and every value carries the id (the batch tag), so a
 * recovered database can be checked record by record:
 * - every key belongs to a unit that was handed to the client (nothing never-sent appears);
 * - every value is the one written; an acknowledged record's seq lies in its commit's range;
 * - a unit is all-or-nothing; an acknowledged unit is whole; a unit rejected before any crash
 *   is absent;
 * - a unit whose fate was unknown (in flight at a crash) is resolved by the first check and
 *   must keep that fate in every later check.
 */

export type Kind = 'put' | 'batch' | 'ingest';
type State = 'sent' | 'acked' | 'rejected' | 'present' | 'absent';

interface Unit {
  kind: Kind;
  n: number;
  state: State;
  firstSeq: number;
  seq: number;
}

export interface Found {
  key: Uint8Array;
  value: Uint8Array;
  seq: number;
}

export interface CheckReport {
  records: number;
  units: number;
  /** Units in flight at a crash (unknown fate) that turned out present / absent. */
  survived: number;
  vanished: number;
}

const enc = new TextEncoder();
const dec = new TextDecoder();

export function unitId(cycle: number, writer: number, n: number): string {
  return `c${String(cycle).padStart(6, '0')}/w${writer}/n${n}`;
}

export function cyclePrefix(cycle: number): string {
  return `r/c${String(cycle).padStart(6, '0')}/`;
}

export function keyOf(id: string, i: number): string {
  return `r/${id}/${i}`;
}

/** The value of key i of unit `id`: the tag plus a filler of a length derived from the id. */
export function valueOf(id: string, i: number): string {
  let h = 2166136261;
  for (let k = 0; k < id.length; k++) h = Math.imul(h ^ id.charCodeAt(k), 16777619) >>> 0;
  return `${id}|${i}|${'x'.repeat(16 + (h % 300))}`;
}

export class Oracle {
  readonly #units = new Map<string, Unit>();
  readonly #byCycle = new Map<number, string[]>();
  ackedUnits = 0;
  ackedRecords = 0;
  maxAckedSeq = 0;

  /** Registers a unit just before it is handed to the client. */
  sent(cycle: number, id: string, kind: Kind, n: number): void {
    if (this.#units.has(id)) throw new Error(`oracle: unit ${id} sent twice`);
    this.#units.set(id, { kind, n, state: 'sent', firstSeq: 0, seq: 0 });
    let l = this.#byCycle.get(cycle);
    if (l === undefined) this.#byCycle.set(cycle, (l = []));
    l.push(id);
  }

  acked(id: string, firstSeq: number, seq: number): void {
    const u = this.#get(id);
    if (u.state !== 'sent') throw new Error(`oracle: unit ${id} acknowledged in state ${u.state}`);
    if (seq - firstSeq + 1 !== u.n) throw new Error(`oracle: unit ${id} of ${u.n} records acknowledged with seqs ${firstSeq}..${seq}`);
    u.state = 'acked';
    u.firstSeq = firstSeq;
    u.seq = seq;
    this.ackedUnits++;
    this.ackedRecords += u.n;
    if (seq > this.maxAckedSeq) this.maxAckedSeq = seq;
  }

  /** A definite rejection (e.g. RESOURCE_EXHAUSTED before any crash): the unit must never appear. */
  rejected(id: string): void {
    const u = this.#get(id);
    if (u.state === 'sent') u.state = 'rejected';
  }

  get size(): number {
    return this.#units.size;
  }

  #get(id: string): Unit {
    const u = this.#units.get(id);
    if (u === undefined) throw new Error(`oracle: unknown unit ${id}`);
    return u;
  }

  /**
   * A check of the records under the prefixes of `cycles` (under `r/` when undefined): feed every
   * record to add(), then finish() throws with the first problems found.
   */
  checker(cycles: readonly number[] | undefined, what: string): Checker {
    return new Checker(this.#units, cycles === undefined ? [...this.#units.keys()] : cycles.flatMap((c) => this.#byCycle.get(c) ?? []), what);
  }

  /** Checks a list of records at once (see checker()). */
  check(records: Iterable<Found>, cycles: readonly number[] | undefined, what: string): CheckReport {
    const c = this.checker(cycles, what);
    for (const r of records) c.add(r);
    return c.finish();
  }
}

export class Checker {
  readonly #units: Map<string, Unit>;
  readonly #ids: string[];
  readonly #what: string;
  readonly #problems: string[] = [];
  readonly #found = new Map<string, Set<number>>();
  #n = 0;

  constructor(units: Map<string, Unit>, ids: string[], what: string) {
    this.#units = units;
    this.#ids = ids;
    this.#what = what;
  }

  add(r: Found): void {
    const problems = this.#problems;
    this.#n++;
    const key = dec.decode(r.key);
    const m = /^r\/(c\d{6}\/w\d+\/n\d+)\/(\d+)$/.exec(key);
    if (m === null) {
      problems.push(`unexpected key ${key}`);
      return;
    }
    const id = m[1] as string;
    const i = Number(m[2]);
    const u = this.#units.get(id);
    if (u === undefined) {
      problems.push(`key ${key} of a unit never sent`);
      return;
    }
    if (u.state === 'rejected' || u.state === 'absent') problems.push(`key ${key} of a ${u.state} ${u.kind} unit`);
    if (i >= u.n) problems.push(`key ${key}: index beyond the unit's ${u.n} records`);
    if (dec.decode(r.value) !== valueOf(id, i)) problems.push(`key ${key}: wrong value ${JSON.stringify(dec.decode(r.value).slice(0, 60))}`);
    if (u.state === 'acked' && (r.seq < u.firstSeq || r.seq > u.seq)) problems.push(`key ${key}: seq ${r.seq} outside its commit ${u.firstSeq}..${u.seq}`);
    let s = this.#found.get(id);
    if (s === undefined) this.#found.set(id, (s = new Set()));
    if (s.has(i)) problems.push(`key ${key} seen twice`);
    s.add(i);
  }

  finish(): CheckReport {
    const problems = this.#problems;
    let survived = 0;
    let vanished = 0;
    for (const id of this.#ids) {
      const u = this.#units.get(id) as Unit;
      const got = this.#found.get(id)?.size ?? 0;
      if (got !== 0 && got !== u.n) problems.push(`${u.kind} ${id} (${u.state}) is partial: ${got} of ${u.n} records`);
      if ((u.state === 'acked' || u.state === 'present') && got !== u.n) problems.push(`${u.kind} ${id} (${u.state}) lost: ${got} of ${u.n} records`);
      if (u.state === 'sent' && got === u.n) {
        u.state = 'present';
        survived++;
      } else if (u.state === 'sent' && got === 0) {
        u.state = 'absent';
        vanished++;
      }
    }
    if (problems.length > 0) throw new Error(`${this.#what}: ${problems.length} problems:\n  ${problems.slice(0, 20).join('\n  ')}`);
    return { records: this.#n, units: this.#ids.length, survived, vanished };
  }
}

export const utf8 = (s: string): Uint8Array => enc.encode(s);
