/** A named group of conformance cases; each case gets a fresh env. */
import type { ConformanceEnv, Supports } from './types.ts';

export interface Case {
  name: string;
  /** A capability the case needs; it is skipped (visibly) when the implementation declares false. */
  requires?: Exclude<keyof Supports, 'knownFailures'>;
  run(env: ConformanceEnv): Promise<void>;
}

export interface Group {
  name: string;
  cases: Case[];
}

export function group(name: string, cases: Case[]): Group {
  return { name, cases };
}
