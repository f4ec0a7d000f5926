import { type ExitCodeContext, exitCodeFor } from './exit-code.js';

/** `scheme://user:password@` in any text: the password part must never reach a terminal or a log. */
const USER_INFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^/@\s"':]*:[^/@\s"']*@/gi;

/** The text on one line, with any `user:password@` in URLs masked. */
export function oneLine(text: string): string {
  return text
    .replace(USER_INFO, '$1***@')
    .replace(/\s*\n\s*/g, ' ')
    .trim();
}

export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}

/** The stack of an error and of each `cause`, for `--debug`. */
function stacks(error: unknown): string[] {
  const lines: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 8 && current !== undefined; depth++) {
    const text = current instanceof Error ? (current.stack ?? messageOf(current)) : String(current);
    lines.push(
      ...(depth > 0 ? ['caused by:'] : []),
      ...text.split('\n').map((l) => l.replace(USER_INFO, '$1***@')),
    );
    current = current instanceof Error ? current.cause : undefined;
  }
  return lines;
}

/** How {@link reportError} turns an error into output: the exit code and the stderr lines. */
export interface ErrorReport {
  readonly exitCode: number;
  /** What goes to stderr: the message as one line, a hint line when the error has one, stacks with debug. */
  readonly lines: readonly string[];
}

/**
 * Turns an error into what the user sees: `<program>: <message>` on one line (credentials masked), then
 * `<program>: hint: ...` when the error carries a hint, and the stacks only when `debug` is on. `context` says
 * whether the command was interrupted (see {@link exitCodeFor}).
 */
export function reportError(
  error: unknown,
  program: string,
  debug: boolean,
  context: ExitCodeContext = {},
): ErrorReport {
  const lines = [`${program}: ${oneLine(messageOf(error))}`];
  const hint = typeof error === 'object' && error !== null ? (error as { hint?: unknown }).hint : undefined;
  if (typeof hint === 'string' && hint !== '') lines.push(`${program}: hint: ${oneLine(hint)}`);
  if (debug) lines.push(...stacks(error));
  return { exitCode: exitCodeFor(error, context), lines };
}
