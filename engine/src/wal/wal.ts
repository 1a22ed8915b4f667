/** Write-ahead log. Format: docs/formats/wal.md. */
export { encodeBatch, decodeBatch } from './batch.ts';
export type { DecodedBatch } from './batch.ts';
export { WalWriter } from './writer.ts';
export { readWal } from './reader.ts';
export type { ReadWalResult } from './reader.ts';
