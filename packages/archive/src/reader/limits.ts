/** Bounds the reader enforces on an archive, whatever it claims about itself. */
export interface ReadLimits {
  /** Entries in the tar (default 100 000). */
  maxEntries: number;
  /** Bytes of one entry (default 64 GiB). */
  maxEntrySize: number;
  /** Bytes of all entries together, i.e. of the uncompressed tar (default 256 GiB). */
  maxTotalSize: number;
  /** Bytes of one JSON document kept in memory: manifest.json, index.json, manifests, configs (default 4 MiB). */
  maxDocumentSize: number;
  /** Bytes of all documents kept in memory together (default 64 MiB). */
  maxDocumentsBytes: number;
  /** Characters of an entry name or link target (default 4096). */
  maxNameLength: number;
}

/**
 * The reader's limits when none are given: 100 000 entries, 64 GiB per entry, 256 GiB in all, 4 MiB per JSON
 * document, 64 MiB of documents, 4096-character names.
 */
export const defaultReadLimits: Readonly<ReadLimits> = Object.freeze({
  maxEntries: 100_000,
  maxEntrySize: 64 * 2 ** 30,
  maxTotalSize: 256 * 2 ** 30,
  maxDocumentSize: 4 * 2 ** 20,
  maxDocumentsBytes: 64 * 2 ** 20,
  maxNameLength: 4096,
});
