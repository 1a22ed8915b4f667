/**
 * ManifestState: the fold of a manifest's edits. Rules: docs/formats/manifest.md.
 * The engine can keep its live state with applyEdit() exactly as replay computes it.
 */
import { ErrorCode, FlowError, corruption } from '../base/errors.ts';
import { COMPARATOR_NAME, MANIFEST_FORMAT_VERSION, type TableRecord, type VersionEdit } from './edit.ts';

export interface ManifestState {
  tables: Map<number, TableRecord>;
  lastSeq: number;
  nextFileNum: number;
  logNumber: number;
  formatVersion: number;
  /** Edits folded so far. */
  edits: number;
}

export function emptyManifestState(): ManifestState {
  return {
    tables: new Map(),
    lastSeq: 0,
    nextFileNum: 1,
    logNumber: 0,
    formatVersion: MANIFEST_FORMAT_VERSION,
    edits: 0,
  };
}

/**
 * Folds one edit into `state` (mutates it). A snapshot edit resets the state first.
 * Otherwise removes apply before adds, and lastSeq/nextFileNum/logNumber only move forward.
 * Throws NOT_SUPPORTED (newer format, other comparator) or CORRUPTION (inconsistent edit).
 */
export function applyEdit(state: ManifestState, edit: VersionEdit): void {
  if (edit.formatVersion !== undefined) {
    if (edit.formatVersion > MANIFEST_FORMAT_VERSION) {
      throw new FlowError(
        ErrorCode.NOT_SUPPORTED,
        `manifest format version ${edit.formatVersion} is newer than supported ${MANIFEST_FORMAT_VERSION}`,
      );
    }
    if (edit.formatVersion < 1) throw corruption(`manifest format version ${edit.formatVersion}`);
  }
  if (edit.comparator !== undefined && edit.comparator !== COMPARATOR_NAME) {
    throw new FlowError(ErrorCode.NOT_SUPPORTED, `manifest comparator ${edit.comparator} is not ${COMPARATOR_NAME}`);
  }
  if (edit.snapshot === true) {
    state.tables.clear();
    state.lastSeq = edit.lastSeq ?? 0;
    state.nextFileNum = edit.nextFileNum ?? 1;
    state.logNumber = edit.logNumber ?? 0;
    state.formatVersion = edit.formatVersion ?? MANIFEST_FORMAT_VERSION;
  } else {
    if (edit.lastSeq !== undefined) state.lastSeq = Math.max(state.lastSeq, edit.lastSeq);
    if (edit.nextFileNum !== undefined) state.nextFileNum = Math.max(state.nextFileNum, edit.nextFileNum);
    if (edit.logNumber !== undefined) state.logNumber = Math.max(state.logNumber, edit.logNumber);
    if (edit.formatVersion !== undefined) state.formatVersion = Math.max(state.formatVersion, edit.formatVersion);
  }
  for (const num of edit.removeTables ?? []) {
    if (!state.tables.delete(num)) throw corruption(`manifest edit removes unknown table ${num}`);
  }
  for (const t of edit.addTables ?? []) {
    if (state.tables.has(t.fileNum)) throw corruption(`manifest edit adds table ${t.fileNum} twice`);
    state.tables.set(t.fileNum, t);
  }
  state.edits++;
}

/** The snapshot edit that starts a fresh manifest holding `state`. Tables sorted by fileNum. */
export function stateToSnapshotEdit(state: ManifestState): VersionEdit {
  return {
    snapshot: true,
    formatVersion: MANIFEST_FORMAT_VERSION,
    comparator: COMPARATOR_NAME,
    lastSeq: state.lastSeq,
    nextFileNum: state.nextFileNum,
    logNumber: state.logNumber,
    addTables: [...state.tables.values()].sort((a, b) => a.fileNum - b.fileNum),
  };
}
