/** Stable codes of {@link FetchCoreError}. Callers (the CLI, the Isar fetcher) switch on these. */
export type FetchCoreErrorCode =
  /** Not a usable `docker://` URL: scheme, empty name, credentials, percent-encoding, whitespace. */
  | 'INVALID_URL'
  /** A `;key=value` parameter that is unknown, repeated or has no `=`. */
  | 'INVALID_PARAMETER'
  /** `;tag=` outside the tag grammar. */
  | 'INVALID_TAG'
  /** `;digest=` with an unsupported algorithm or a wrong hex length. */
  | 'INVALID_DIGEST'
  /** The image name violates the distribution reference grammar (upper case, bad separators...). */
  | 'INVALID_NAME'
  /** A Debian architecture we have no OCI platform for. */
  | 'UNKNOWN_ARCH'
  /** A cache or unpack path that would leave its directory or is not a plain file name. */
  | 'UNSAFE_PATH'
  /** A checksum policy other than `1`, `0` or `ignore`. */
  | 'INVALID_POLICY'
  /** No digest in the URL and the policy is strict (`BB_STRICT_CHECKSUM = "1"`). */
  | 'MISSING_CHECKSUM'
  /** The URL's tag now points at another digest than the one it pins. */
  | 'CHECKSUM_MISMATCH'
  /** A fetch option out of range: archive format, zstd level or threads, an empty DL_DIR. */
  | 'INVALID_OPTION'
  /** `unpack` before `fetch`: the image is not in the download cache. */
  | 'NOT_FETCHED'
  /** Offline (`--offline`, bitbake's `BB_NO_NETWORK`) and the download cache cannot answer without the registry. */
  | 'OFFLINE'
  /** The blob cache is inconsistent (a download reported success but left no complete blob). */
  | 'BLOB_CACHE'
  /** A directory or file of the download cache cannot be created or written (read-only, no permission). */
  | 'IO_ERROR';

/** Codes that mean the input was wrong (the CLI exits 2), as opposed to a failed fetch or check (exit 1). */
const INPUT_CODES: ReadonlySet<FetchCoreErrorCode> = new Set<FetchCoreErrorCode>([
  'INVALID_URL',
  'INVALID_PARAMETER',
  'INVALID_TAG',
  'INVALID_DIGEST',
  'INVALID_NAME',
  'UNKNOWN_ARCH',
  'UNSAFE_PATH',
  'INVALID_POLICY',
  'INVALID_OPTION',
]);

/** Options of {@link FetchCoreError}: the cause, and what the CLI prints after the message. */
export interface FetchCoreErrorOptions extends ErrorOptions {
  /** A short suggestion for the user, printed by the CLI after the message. */
  hint?: string;
  /** For checksum errors: the exact line to put into the recipe. */
  srcUriLine?: string;
}

/** The one error class of `@isar/fetch-core`; `code` is stable, `cause` is kept, URLs are shown redacted. */
export class FetchCoreError extends Error {
  override readonly name = 'FetchCoreError';
  readonly code: FetchCoreErrorCode;
  readonly hint: string | undefined;
  readonly srcUriLine: string | undefined;

  constructor(code: FetchCoreErrorCode, message: string, options: FetchCoreErrorOptions = {}) {
    const { hint, srcUriLine, ...errorOptions } = options;
    super(message, errorOptions);
    this.code = code;
    this.hint = hint;
    this.srcUriLine = srcUriLine;
  }

  /** True for bad input (URL, arch, policy, path); false for failures of a fetch or a check. */
  get isInputError(): boolean {
    return INPUT_CODES.has(this.code);
  }
}
