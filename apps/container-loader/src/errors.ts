import { redactText } from '@isar/oci-registry';

/** Stable codes of {@link LoaderError}; scripts and the JSON report carry them, so they never change meaning. */
export type LoaderErrorCode =
  /** Bad command line or configuration value (exit code 2). */
  | 'USAGE'
  /** The configuration file cannot be read or has a malformed line (exit code 2). */
  | 'CONFIG'
  /** A line of image.list is malformed (that line fails; the others still load). */
  | 'IMAGE_LIST'
  /** The archive named by image.list is not there (and the engine does not have the image either). */
  | 'ARCHIVE_MISSING'
  /** The archive failed verification: corrupt, truncated, hostile or not an image archive. */
  | 'ARCHIVE_INVALID'
  /** The archive cannot be read here: an I/O error, or neither zstd-napi nor the `zstd` command is usable. */
  | 'ARCHIVE_UNREADABLE'
  /** The archive does not hold the image image.list names, and cannot be tagged as it. */
  | 'NAME_MISMATCH'
  /** docker/podman cannot be run or does not answer, or the registry cannot be reached. */
  | 'ENGINE_UNAVAILABLE'
  /** `<engine> load` (or `tag`) failed. */
  | 'LOAD_FAILED'
  /** A push into the registry failed. */
  | 'PUSH_FAILED'
  /** The load seemed to succeed but the image is not present under its name afterwards. */
  | 'NOT_CONFIRMED'
  /** The image is in place but `--delete-after-load` could not remove the archive. */
  | 'DELETE_FAILED'
  /** The run was interrupted (SIGINT/SIGTERM) before this image was done. */
  | 'ABORTED';

/** The one error class of container-loader: a stable `code`, the underlying error kept as `cause`. */
export class LoaderError extends Error {
  override readonly name = 'LoaderError';
  readonly code: LoaderErrorCode;

  constructor(code: LoaderErrorCode, message: string, options?: ErrorOptions) {
    // Registry URLs may carry user:password; engine stderr may echo them: never let them into a log line.
    super(redactText(message), options);
    this.code = code;
  }
}

/** Whether `error` is a {@link LoaderError}, optionally with the given `code`. */
export function isLoaderError(error: unknown, code?: LoaderErrorCode): error is LoaderError {
  return error instanceof LoaderError && (code === undefined || error.code === code);
}

/** Whether an error is the abort of a signal (ours or a child's), whatever shape it arrived in. */
export function isAbort(error: unknown, signal?: AbortSignal): boolean {
  if (signal?.aborted) return true;
  const e = error as { name?: unknown; code?: unknown } | null;
  return e?.name === 'AbortError' || e?.code === 'ABORT_ERR';
}

/**
 * One line for a log: the message, then the messages of the causes that add something (an archive or
 * registry error below a loader error), secrets redacted.
 */
export function describeError(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current !== undefined && current !== null; depth++) {
    const message = current instanceof Error ? current.message || current.name : String(current);
    if (!parts.some((part) => part.includes(message))) parts.push(message);
    current = current instanceof Error ? current.cause : undefined;
  }
  return redactText(
    parts
      .join(': ')
      .replace(/\s*\n\s*/g, ' ')
      .trim(),
  );
}

/** The stable code of any error: ours, or the `code` of an archive/registry error, else `ERROR`. */
export function errorCode(error: unknown): string {
  if (error instanceof LoaderError) return error.code;
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'ERROR';
}
