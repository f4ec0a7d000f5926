const zstdMagic = 0xfd2fb528;

/** True when `bytes` starts with a zstd frame (not a skippable frame). */
export function isZstdFrame(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && Buffer.from(bytes.buffer, bytes.byteOffset, 4).readUInt32LE(0) === zstdMagic;
}

/**
 * The Frame_Content_Size a zstd frame header declares (RFC 8878 3.1.1.1), or `undefined` when absent.
 * It describes the first frame only; a caller that trusts it for a whole file must check the real length.
 */
export function zstdFrameContentSize(bytes: Uint8Array): number | undefined {
  if (!isZstdFrame(bytes) || bytes.length < 5) return undefined;
  const descriptor = bytes[4] ?? 0;
  const fcsFlag = descriptor >> 6;
  const singleSegment = (descriptor >> 5) & 1;
  const dictionaryIdSize = [0, 1, 2, 4][descriptor & 3] ?? 0;
  const fcsSize = fcsFlag === 0 ? singleSegment : ([0, 2, 4, 8][fcsFlag] ?? 0);
  if (fcsSize === 0) return undefined;
  const offset = 5 + (singleSegment ? 0 : 1) + dictionaryIdSize;
  if (bytes.length < offset + fcsSize) return undefined;
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  switch (fcsSize) {
    case 1:
      return view.readUInt8(offset);
    case 2:
      return view.readUInt16LE(offset) + 256;
    case 4:
      return view.readUInt32LE(offset);
    default: {
      const value = view.readBigUInt64LE(offset);
      return value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : undefined;
    }
  }
}
