/** MANIFEST: the version log. Format: docs/formats/manifest.md. */
export { MANIFEST_FORMAT_VERSION, COMPARATOR_NAME, encodeEdit, decodeEdit } from './edit.ts';
export type { TableRecord, VersionEdit } from './edit.ts';
export { emptyManifestState, applyEdit, stateToSnapshotEdit } from './state.ts';
export type { ManifestState } from './state.ts';
export { ManifestWriter } from './writer.ts';
export { setCurrent, readCurrent, CURRENT_TMP } from './current.ts';
export { replayManifest } from './replay.ts';
