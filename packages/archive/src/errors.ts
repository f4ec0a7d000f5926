/** Stable codes of {@link ArchiveError}; callers branch on these, never on messages. */
export type ArchiveErrorCode =
  /** Bad arguments: repo tags, options, an image whose config does not match its manifest. */
  | 'INVALID_INPUT'
  /** An OCI image layout on disk is malformed or lacks what was asked for. */
  | 'INVALID_LAYOUT'
  /** A blob's sha256 differs from its descriptor or entry name. */
  | 'DIGEST_MISMATCH'
  /** A blob or entry has a different length than announced. */
  | 'SIZE_MISMATCH'
  /** An uncompressed layer does not hash to the config's `rootfs.diff_ids` entry. */
  | 'DIFF_ID_MISMATCH'
  /** A media type, compression or document shape we do not handle. */
  | 'UNSUPPORTED'
  /** A layer's size could not be known ahead and the output cannot be rewritten (see README). */
  | 'LAYER_SIZE_UNPREDICTABLE'
  /** Neither the zstd-napi addon nor the `zstd` command is usable. */
  | 'ZSTD_UNAVAILABLE'
  /** Compressed data (gzip or zstd) does not decode, or the `zstd` command failed on it. */
  | 'CORRUPT_DATA'
  /** The archive (tar, zstd or gzip stream) ends early. */
  | 'TRUNCATED'
  /** An entry name is absolute, contains `..`, or is otherwise unsafe. */
  | 'UNSAFE_ENTRY_NAME'
  /** A symlink or hard link points outside the archive or at nothing. */
  | 'UNSAFE_LINK'
  /** An entry type an image archive never needs (devices, fifos...). */
  | 'UNSUPPORTED_ENTRY_TYPE'
  /** The same name appears twice with different content. */
  | 'DUPLICATE_ENTRY'
  /** A configured limit (entry size, total size, entry count, JSON size) is exceeded. */
  | 'LIMIT_EXCEEDED'
  /** manifest.json, index.json or a manifest names an entry the archive does not hold. */
  | 'MISSING_ENTRY'
  /** The archive holds no image or its documents are malformed. */
  | 'INVALID_ARCHIVE'
  /** Reading or writing a file failed. */
  | 'IO_ERROR';

/** The one error class of `@isar/archive`: `code` is stable, `cause` keeps the underlying error. */
export class ArchiveError extends Error {
  override readonly name = 'ArchiveError';
  readonly code: ArchiveErrorCode;

  constructor(code: ArchiveErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }
}

/** Whether `error` is an {@link ArchiveError}, optionally with the given `code`. */
export function isArchiveError(error: unknown, code?: ArchiveErrorCode): error is ArchiveError {
  return error instanceof ArchiveError && (code === undefined || error.code === code);
}
