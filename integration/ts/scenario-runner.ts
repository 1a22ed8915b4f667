/** Placeholder until integration/scenarios/*.json lands (see loadScenarios). */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { REPO } from './targets.ts';

export interface Scenario {
  name: string;
  file: string;
  doc: unknown;
}
export interface ScenarioEnv {
  endpoint: string;
  restart: (() => Promise<string>) | undefined;
}

export async function loadScenarios(dir = join(REPO, 'integration/scenarios')): Promise<Scenario[]> {
  let files: string[];
  try {
    files = (await readdir(dir)).filter((f) => f.endsWith('.json')).sort();
  } catch {
    return [];
  }
  const out: Scenario[] = [];
  for (const f of files) {
    const doc = JSON.parse(await readFile(join(dir, f), 'utf8')) as { name?: string };
    out.push({ name: doc.name ?? f, file: f, doc });
  }
  return out;
}

export async function runScenario(_sc: Scenario, _env: ScenarioEnv): Promise<void> {
  throw new Error('scenario format not implemented yet');
}
