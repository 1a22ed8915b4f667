/**
 * @flowdb/idb/testing: an IndexedDB conformance suite written only against the standard API,
 * in the abstract-level style. Run it on any implementation:
 *
 *   runConformance(test, 'mine', async () => ({ indexedDB, IDBKeyRange, cleanup }), supports)
 *
 * Every case gets a fresh env from `createEnv` and calls `cleanup()` at its end.
 */
import type { Group } from './case.ts';
import { clone } from './clone.ts';
import { cursors } from './cursors.ts';
import { events } from './events.ts';
import { factory } from './factory.ts';
import { getters } from './getters.ts';
import { indexes } from './indexes.ts';
import { keyGenerator } from './key-generator.ts';
import { keyPaths } from './key-paths.ts';
import { keyRanges } from './key-ranges.ts';
import { keys } from './keys.ts';
import { transactions } from './transactions.ts';
import type { ConformanceEnv, Supports } from './types.ts';
import { versionChange } from './version-change.ts';

export type * from './types.ts';
export * as helpers from './helpers.ts';

export const groups: readonly Group[] = [
  keys, keyRanges, keyPaths, getters, cursors, indexes, keyGenerator,
  transactions, versionChange, events, clone, factory,
];

const CASE_TIMEOUT_MS = 20_000;

export function runConformance(
  t: typeof import('node:test'),
  name: string,
  createEnv: () => Promise<ConformanceEnv>,
  supports: Supports = {},
): void {
  const known = supports.knownFailures ?? {};
  t.describe(name, () => {
    for (const g of groups) {
      t.describe(g.name, () => {
        for (const c of g.cases) {
          const id = `${g.name} > ${c.name}`;
          const skip = c.requires !== undefined && supports[c.requires] === false ? `implementation declares ${c.requires}: false` : false;
          t.test(c.name, { timeout: CASE_TIMEOUT_MS, skip }, async (ctx) => {
            const env = await createEnv();
            let failure: unknown;
            try {
              await c.run(env);
            } catch (e) {
              failure = e;
            } finally {
              await env.cleanup();
            }
            const reason = known[id];
            if (reason === undefined) {
              if (failure !== undefined) throw failure;
            } else if (failure === undefined) {
              throw new Error(`unexpected pass of a known failure (${reason}); remove it from knownFailures`);
            } else {
              ctx.diagnostic(`known failure (${reason}): ${failure instanceof Error ? failure.message : String(failure)}`);
            }
          });
        }
      });
    }
  });
}
