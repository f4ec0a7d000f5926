/** Stable codes of {@link SbomError}; callers branch on these, never on messages. */
export type SbomErrorCode =
  /** Bad arguments: an image selector that matches nothing, a malformed option. */
  | 'INVALID_INPUT'
  /** The archive holds no image to describe. */
  | 'NO_IMAGE'
  /** The CycloneDX document could not be built (a bug, or data the library refuses). */
  | 'BUILD_FAILED';

/**
 * The one error class of `@isar/sbom`. Problems inside an image (a huge or malformed package database, a
 * symlink leading out of what is read) are never errors: they become warnings in the SBOM's metadata. Archive
 * problems stay `ArchiveError`s of `@isar/archive`.
 */
export class SbomError extends Error {
  override readonly name = 'SbomError';
  readonly code: SbomErrorCode;

  constructor(code: SbomErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }
}

/** Whether `error` is an {@link SbomError}, optionally with the given `code`. */
export function isSbomError(error: unknown, code?: SbomErrorCode): error is SbomError {
  return error instanceof SbomError && (code === undefined || error.code === code);
}
