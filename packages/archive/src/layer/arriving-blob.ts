import type { Readable } from 'node:stream';

/**
 * A layer blob that is still arriving, e.g. a download into a blob cache in progress. The writers read it while
 * it grows instead of waiting for the whole blob, so writing overlaps with downloading. Its bytes are not
 * trusted: the writer checks the blob digest (OCI) or the diff_id (docker-archive) itself.
 */
export interface ArrivingBlob {
  readonly kind: 'arriving';
  /** The blob's raw bytes from the first on, yielded as they land; ends after the last; errors on failure. */
  open(signal: AbortSignal): Readable;
  /**
   * The blob's last `length` bytes before the rest has arrived (e.g. a Range request), when the source can get
   * them. Only a prediction (the gzip trailer's size of a layer): whatever streams later is checked against it.
   */
  readTail?(length: number, signal: AbortSignal): Promise<Uint8Array | undefined>;
  /** Resolves to the complete file once the blob has fully arrived and was verified. */
  complete(): Promise<string>;
  /**
   * The source hashes the very bytes it lands against the blob's digest (a download that verifies what it
   * writes), and `complete()` rejects when they do not match. The OCI writer then does not hash the blob a
   * second time: it waits for `complete()` before taking the next blob, so a bad blob still fails the write.
   */
  readonly verifiesDigest?: boolean;
}

/** Whether a layer file (see `LayerFileProvider`) is a blob still arriving rather than a complete file. */
export function isArrivingBlob(value: unknown): value is ArrivingBlob {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'arriving';
}
