/** Throws the signal's reason (an AbortError by default) when it is already aborted. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  signal?.throwIfAborted();
}

/** True for the errors `stream/promises.pipeline` and `signal.throwIfAborted()` raise on abort. */
export function isAbortError(error: unknown): boolean {
  return (
    error instanceof Error &&
    (error.name === 'AbortError' || (error as { code?: string }).code === 'ABORT_ERR')
  );
}
