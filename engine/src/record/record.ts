/** Checksummed frame codec shared by WAL and MANIFEST. See docs/formats/record.md. */
export {
  FrameType,
  FRAME_HEADER_BYTES,
  FRAME_TRAILER_BYTES,
  FRAME_OVERHEAD,
  MAX_FRAME_PAYLOAD,
  allocFrame,
  sealFrame,
  encodeFrame,
  isKnownFrameType,
} from './frame.ts';
export { readFrames } from './reader.ts';
export type { Frame, TailState, ReadFramesOptions, ReadFramesResult } from './reader.ts';
