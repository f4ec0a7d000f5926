import { createHash, type Hash } from 'node:crypto';
import { type Descriptor, type Digest, digestAlgorithm, digestHex } from '@isar/oci-spec';
import { RegistryError } from '../errors/registry-error.js';

/**
 * Hashes content as it passes and enforces the descriptor: more bytes than `size` fail at once (`TOO_LARGE`),
 * fewer or a different hash fail at {@link finish} (`SIZE_MISMATCH` / `DIGEST_MISMATCH`). Supports sha256 and
 * sha512, whichever the digest names. A verifier can start at an offset with a hash that has already seen the
 * prefix (resuming a partial file).
 */
export class DigestVerifier {
  readonly #descriptor: Descriptor;
  readonly #hash: Hash;
  #received: number;

  constructor(descriptor: Descriptor, prefix?: { hash: Hash; length: number }) {
    this.#descriptor = descriptor;
    this.#hash = prefix?.hash ?? createHash(digestAlgorithm(descriptor.digest));
    this.#received = prefix?.length ?? 0;
  }

  /** Bytes seen so far, the prefix included. */
  get received(): number {
    return this.#received;
  }

  update(chunk: Uint8Array): void {
    this.#received += chunk.length;
    if (this.#received > this.#descriptor.size) {
      throw new RegistryError(
        'TOO_LARGE',
        `blob ${this.#descriptor.digest} is longer than its descriptor's ${this.#descriptor.size} bytes`,
        { retryable: false },
      );
    }
    this.#hash.update(chunk);
  }

  /** Checks size and digest; throws unless both match. */
  finish(): void {
    const { size, digest } = this.#descriptor;
    if (this.#received !== size) {
      throw new RegistryError(
        'SIZE_MISMATCH',
        `blob ${digest} ended after ${this.#received} of ${size} bytes`,
        { retryable: true },
      );
    }
    const actual = this.#hash.digest('hex');
    if (actual !== digestHex(digest)) {
      throw new RegistryError(
        'DIGEST_MISMATCH',
        `blob content hashes to ${digestAlgorithm(digest)}:${actual}, expected ${digest}`,
        { retryable: false },
      );
    }
  }
}

/** Digest of bytes held in memory, in the algorithm a reference digest uses (sha256 by default). */
export function digestOf(bytes: Uint8Array, algorithm: 'sha256' | 'sha512' = 'sha256'): Digest {
  return `${algorithm}:${createHash(algorithm).update(bytes).digest('hex')}` as Digest;
}
