import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { type Descriptor, digestHex } from '@isar/oci-spec';
import { ArchiveError } from '../errors.js';
import { checkDescriptor } from '../internal/image-check.js';
import { sha256Digest, Verifier } from '../internal/verifier.js';

/** Manifests, indexes and configs are read whole; cap them as registries do (4 MiB). */
export const maxDocumentSize = 4 << 20;

/** The `blobs/sha256/<hex>` directory of an OCI image layout: paths, verified small reads, verified streams. */
export class BlobStore {
  constructor(readonly root: string) {}

  path(descriptor: Descriptor): string {
    checkDescriptor(descriptor.digest, descriptor.size, 'blob');
    return join(this.root, 'blobs', 'sha256', digestHex(descriptor.digest));
  }

  /** Reads a small blob whole and checks its size and digest. */
  async readDocument(descriptor: Descriptor, what: string): Promise<Buffer> {
    const path = this.path(descriptor);
    if (descriptor.size > maxDocumentSize) {
      throw new ArchiveError(
        'LIMIT_EXCEEDED',
        `${what} ${descriptor.digest} is ${descriptor.size} bytes, over ${maxDocumentSize}`,
      );
    }
    const handle = await open(path, 'r').catch((error: unknown) => {
      throw new ArchiveError('INVALID_LAYOUT', `${what} ${descriptor.digest} is missing from ${this.root}`, {
        cause: error,
      });
    });
    try {
      const bytes = Buffer.alloc(descriptor.size + 1);
      const { bytesRead } = await handle.read(bytes, 0, bytes.length, 0);
      const content = bytes.subarray(0, bytesRead);
      if (bytesRead !== descriptor.size) {
        throw new ArchiveError(
          'SIZE_MISMATCH',
          `${what} ${descriptor.digest}: file holds ${bytesRead === bytes.length ? 'more than ' : ''}${bytesRead} bytes, descriptor says ${descriptor.size}`,
        );
      }
      const digest = sha256Digest(content);
      if (digest !== descriptor.digest) {
        throw new ArchiveError(
          'DIGEST_MISMATCH',
          `${what}: file hashes to ${digest}, expected ${descriptor.digest}`,
        );
      }
      return content;
    } finally {
      await handle.close();
    }
  }

  /** A stream of a blob that fails at the end when its size or digest is not the descriptor's. */
  openVerified(descriptor: Descriptor, what: string): Readable {
    const verifier = new Verifier({
      what: `${what} ${descriptor.digest}`,
      digest: descriptor.digest,
      size: descriptor.size,
    });
    const source = createReadStream(this.path(descriptor), { highWaterMark: 1 << 20 });
    source.on('error', (error) =>
      verifier.destroy(
        new ArchiveError('INVALID_LAYOUT', `${what} ${descriptor.digest} cannot be read from ${this.root}`, {
          cause: error,
        }),
      ),
    );
    verifier.on('close', () => source.destroy());
    return source.pipe(verifier);
  }
}
