/** Exit codes of isar-fetch; scripts and Isar's fetcher rely on them. */
export const ExitCode = {
  ok: 0,
  /** A fetch, registry, archive or checksum failure. */
  failure: 1,
  /** Bad usage or input: command line, URL, architecture, policy value. */
  usage: 2,
  /** Interrupted (SIGINT), as shells report it. */
  interrupted: 130,
} as const;

interface CodedError {
  name?: unknown;
  code?: unknown;
  isInputError?: unknown;
}

/** Codes of other packages' errors that mean bad input, by error class name (no import needed). */
const INPUT_CODES_BY_CLASS: Readonly<Record<string, ReadonlySet<string> | 'all'>> = {
  CliError: 'all',
  InvalidReferenceError: 'all',
  OciSpecError: new Set(['INVALID_DIGEST', 'INVALID_PLATFORM']),
  // A registries.conf, auth file or certs.d entry the user's configuration got wrong (skopeo refuses it too).
  RegistryError: new Set(['CONFIG']),
};

/** What the runner knows beyond the error itself. */
export interface ExitCodeContext {
  /**
   * Whether the command's own signal was aborted (Ctrl-C, SIGTERM). When given, it alone decides 130: an
   * `AbortError` without it is a failure (1), the echo of some other failure, not a user's interrupt.
   */
  interrupted?: boolean;
}

/**
 * Maps an error to its exit code: input errors 2, interruptions 130, everything else 1. Without
 * `context.interrupted`, any `AbortError` counts as an interruption.
 */
export function exitCodeFor(error: unknown, context: ExitCodeContext = {}): number {
  if (context.interrupted === true) return ExitCode.interrupted;
  if (typeof error !== 'object' || error === null) return ExitCode.failure;
  const e = error as CodedError;
  if (e.name === 'AbortError' || e.code === 'ABORT_ERR') {
    return context.interrupted === false ? ExitCode.failure : ExitCode.interrupted;
  }
  // Packages that know which of their codes are input errors say so (fetch-core's FetchCoreError).
  if (typeof e.isInputError === 'boolean') return e.isInputError ? ExitCode.usage : ExitCode.failure;
  const codes = typeof e.name === 'string' ? INPUT_CODES_BY_CLASS[e.name] : undefined;
  if (codes === 'all') return ExitCode.usage;
  if (codes && typeof e.code === 'string' && codes.has(e.code)) return ExitCode.usage;
  return ExitCode.failure;
}
