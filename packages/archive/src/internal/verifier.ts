import { createHash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import type { Digest } from '@isar/oci-spec';
import { ArchiveError, type ArchiveErrorCode } from '../errors.js';

export interface VerifiedContent {
  digest: Digest;
  size: number;
}

export interface VerifierOptions {
  /** What flows through, for messages: `layer sha256:ab12...`. */
  what: string;
  /** Expected sha256 digest; checked when the stream ends. */
  digest?: Digest;
  /** Expected length; more bytes fail at once, fewer when the stream ends. */
  size?: number;
  /** Code for a digest mismatch (`DIGEST_MISMATCH` by default, `DIFF_ID_MISMATCH` for uncompressed layers). */
  digestCode?: ArchiveErrorCode;
  /** Builds the error for a length mismatch (an `ArchiveError` `SIZE_MISMATCH` by default). */
  sizeError?: (actual: number, expected: number, ended: boolean) => Error;
  /** Skip hashing: only count and check the length (for streams someone else already verifies). */
  sizeOnly?: boolean;
  /** Receives the measured digest and length once everything passed. */
  onVerified?: (content: VerifiedContent) => void;
}

/**
 * A pass-through that hashes (sha256) and counts what flows, failing the stream on a mismatch: the
 * "verify while streaming, cap at the size, fail at EOF" rule every blob here goes through.
 */
export class Verifier extends Transform {
  readonly #hash = createHash('sha256');
  readonly #options: VerifierOptions;
  #size = 0;

  constructor(options: VerifierOptions) {
    super({ highWaterMark: 1 << 20 });
    this.#options = options;
  }

  get bytes(): number {
    return this.#size;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.#size += chunk.length;
    const expected = this.#options.size;
    if (expected !== undefined && this.#size > expected) {
      callback(this.#sizeError(this.#size, expected, false));
      return;
    }
    if (!this.#options.sizeOnly) this.#hash.update(chunk);
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    const { size: expected, digest: expectedDigest } = this.#options;
    if (expected !== undefined && this.#size !== expected) {
      callback(this.#sizeError(this.#size, expected, true));
      return;
    }
    if (this.#options.sizeOnly) {
      callback();
      return;
    }
    const digest: Digest = `sha256:${this.#hash.digest('hex')}`;
    if (expectedDigest !== undefined && digest !== expectedDigest) {
      callback(
        new ArchiveError(
          this.#options.digestCode ?? 'DIGEST_MISMATCH',
          `${this.#options.what}: content hashes to ${digest}, expected ${expectedDigest}`,
        ),
      );
      return;
    }
    this.#options.onVerified?.({ digest, size: this.#size });
    callback();
  }

  #sizeError(actual: number, expected: number, ended: boolean): Error {
    if (this.#options.sizeError) return this.#options.sizeError(actual, expected, ended);
    const measured = ended ? `${actual} bytes` : `more than ${expected} bytes`;
    return new ArchiveError('SIZE_MISMATCH', `${this.#options.what}: got ${measured}, expected ${expected}`);
  }
}

/** sha256 of bytes in memory, as a digest string. */
export function sha256Digest(bytes: Uint8Array): Digest {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}
