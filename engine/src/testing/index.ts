/** @flowdb/engine/testing: the reference model and helpers for tests of engine users. */
export { ModelKV } from './model-kv.ts';
export { ManualClock } from './manual-clock.ts';
