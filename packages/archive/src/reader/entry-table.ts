import type { Descriptor } from '@isar/oci-spec';
import { ArchiveError } from '../errors.js';
import { isRecord, parseJsonBytes } from '../internal/json.js';
import { defaultReadLimits } from './limits.js';
import type { WalkedEntry } from './tar-walk.js';

const blobName = /^blobs\/([^/]+)\/([^/]+)$/;

/** Lookups over the walked entries: links followed, documents parsed, blobs checked. */
export class EntryTable {
  constructor(private readonly entries: Map<string, WalkedEntry>) {}

  /** The file an entry name leads to, following links (at most 16 hops). */
  file(name: string, what: string): WalkedEntry {
    let current = this.entries.get(name);
    for (let hops = 0; current && current.type !== 'file'; hops++) {
      if (hops > 16 || current.target === undefined) break;
      current = this.entries.get(current.target);
    }
    if (current?.type !== 'file') {
      throw new ArchiveError('MISSING_ENTRY', `${what} "${name}" is not in the archive`);
    }
    return current;
  }

  json<T>(name: string, what: string): T {
    const entry = this.file(name, what);
    if (!entry.bytes) {
      throw new ArchiveError(
        entry.size > defaultReadLimits.maxDocumentSize ? 'LIMIT_EXCEEDED' : 'INVALID_ARCHIVE',
        `${what} "${name}" (${entry.size} bytes) is not a JSON document within the size limit`,
      );
    }
    return parseJsonBytes<T>(entry.bytes, `${what} "${name}"`);
  }

  /** The blob a descriptor names, present and of the described size (its digest was checked by name). */
  blob(descriptor: Descriptor, what: string): WalkedEntry {
    if (
      !isRecord(descriptor) ||
      typeof descriptor.digest !== 'string' ||
      !/^sha256:[0-9a-f]{64}$/.test(descriptor.digest)
    ) {
      throw new ArchiveError('INVALID_ARCHIVE', `${what} has no valid sha256 digest`);
    }
    const entry = this.file(`blobs/sha256/${descriptor.digest.slice(7)}`, `${what} ${descriptor.digest}`);
    if (entry.size !== descriptor.size) {
      throw new ArchiveError(
        'SIZE_MISMATCH',
        `${what} ${descriptor.digest} is ${entry.size} bytes, descriptor says ${descriptor.size}`,
      );
    }
    return entry;
  }

  blobJson<T>(descriptor: Descriptor, what: string): { bytes: Buffer; value: T } {
    const entry = this.blob(descriptor, what);
    const value = this.json<T>(entry.name, what);
    return { bytes: entry.bytes as Buffer, value };
  }

  /** Every `blobs/<alg>/<hex>` file must hash to its name. */
  checkBlobNames(): void {
    for (const entry of this.entries.values()) {
      const match = blobName.exec(entry.name);
      if (!match || entry.type === 'directory') continue;
      const [, algorithm, hex] = match;
      if (algorithm !== 'sha256')
        throw new ArchiveError('UNSUPPORTED', `blob "${entry.name}": only sha256 blobs are supported`);
      if (!/^[0-9a-f]{64}$/.test(hex ?? ''))
        throw new ArchiveError('INVALID_ARCHIVE', `blob "${entry.name}" is not named by a sha256 digest`);
      if (entry.type === 'file' && entry.digest !== `sha256:${hex}`) {
        throw new ArchiveError('DIGEST_MISMATCH', `blob "${entry.name}" hashes to ${entry.digest}`);
      }
    }
  }
}
