/**
 * VersionEdit: one MANIFEST_EDIT frame, payload = UTF-8 JSON. See docs/formats/manifest.md.
 * Readers ignore unknown fields; a change of meaning bumps MANIFEST_FORMAT_VERSION.
 */
import { corruption } from '../base/errors.ts';
import { FrameType, encodeFrame } from '../record/frame.ts';

/** Highest manifest format this code reads and the one it writes. */
export const MANIFEST_FORMAT_VERSION = 1;
/** The only key order flowdb has; recorded in every snapshot edit. */
export const COMPARATOR_NAME = 'flowdb.bytewise';

export interface TableRecord {
  fileNum: number;
  level: number;
  size: number;
  entries: number;
  /** base64 */
  smallestKey: string;
  /** base64 */
  largestKey: string;
  minTs: number;
  maxTs: number;
  minSeq: number;
  maxSeq: number;
  minExpireAt: number;
  maxExpireAt: number;
}

export interface VersionEdit {
  addTables?: TableRecord[];
  removeTables?: number[];
  lastSeq?: number;
  nextFileNum?: number;
  /** WAL files below this number are obsolete. */
  logNumber?: number;
  comparator?: string;
  formatVersion?: number;
  /** The edit holds the whole state (first edit of every manifest). */
  snapshot?: boolean;
}

const TABLE_INT_FIELDS = [
  'fileNum', 'level', 'size', 'entries', 'minTs', 'maxTs', 'minSeq', 'maxSeq', 'minExpireAt', 'maxExpireAt',
] as const;
const EDIT_INT_FIELDS = ['lastSeq', 'nextFileNum', 'logNumber', 'formatVersion'] as const;

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

export function encodeEdit(edit: VersionEdit): Uint8Array {
  return encodeFrame(FrameType.MANIFEST_EDIT, encoder.encode(JSON.stringify(edit)));
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v);
}

function checkTable(t: unknown): TableRecord {
  if (!isRecord(t)) throw corruption('manifest edit: table record is not an object');
  for (const f of TABLE_INT_FIELDS) {
    if (!isInt(t[f])) throw corruption(`manifest edit: table field ${f} is not an integer`);
  }
  if (typeof t.smallestKey !== 'string' || typeof t.largestKey !== 'string') {
    throw corruption('manifest edit: table key bounds are not strings');
  }
  return t as unknown as TableRecord;
}

/** Parses and shape-checks an edit payload; throws CORRUPTION (no file/offset: callers add them). */
export function decodeEdit(payload: Uint8Array): VersionEdit {
  let v: unknown;
  try {
    v = JSON.parse(decoder.decode(payload));
  } catch {
    throw corruption('manifest edit is not valid UTF-8 JSON');
  }
  if (!isRecord(v)) throw corruption('manifest edit is not an object');
  for (const f of EDIT_INT_FIELDS) {
    if (v[f] !== undefined && !isInt(v[f])) throw corruption(`manifest edit: ${f} is not an integer`);
  }
  if (v.comparator !== undefined && typeof v.comparator !== 'string') throw corruption('manifest edit: bad comparator');
  if (v.snapshot !== undefined && typeof v.snapshot !== 'boolean') throw corruption('manifest edit: bad snapshot flag');
  if (v.addTables !== undefined) {
    if (!Array.isArray(v.addTables)) throw corruption('manifest edit: addTables is not an array');
    v.addTables.forEach(checkTable);
  }
  if (v.removeTables !== undefined) {
    if (!Array.isArray(v.removeTables) || !v.removeTables.every(isInt)) {
      throw corruption('manifest edit: removeTables is not an integer array');
    }
  }
  return v as VersionEdit;
}
