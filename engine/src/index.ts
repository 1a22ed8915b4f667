/** @flowdb/engine: an embedded LSM engine for time-series records. See README.md. */
export { openEngine, Engine } from './engine.ts';
export type * from './api.ts';
export { FlowError, ErrorCode, isFlowError } from './base/errors.ts';
export { engineWorkerHeap, warmEngineWorkers } from './flush/pool.ts';
export { MAX_KEY_BYTES, MAX_VALUE_BYTES, prefixSuccessor } from './base/entry.ts';
