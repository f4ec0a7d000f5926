/** Stable codes of {@link CliError}. */
export type CliErrorCode =
  /** Bad command line: unknown command or option, missing or extra argument, bad option value. */
  'USAGE';

/** The one error class of `@isar/fetch-cli`: a command line we cannot run (exit code 2). */
export class CliError extends Error {
  override readonly name = 'CliError';
  readonly code: CliErrorCode;

  constructor(code: CliErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }
}

export function usageError(message: string, cause?: unknown): CliError {
  return new CliError('USAGE', message, cause === undefined ? undefined : { cause });
}
