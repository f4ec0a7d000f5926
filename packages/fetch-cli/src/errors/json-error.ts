import { messageOf, oneLine } from './report-error.js';

/** What `--json` prints on stdout when a command fails; Isar's fetcher switches on `code`. */
export interface JsonErrorReport {
  error: {
    /** Stable: `CHECKSUM_MISSING`, `CHECKSUM_MISMATCH`, or the failing package's code (`NOT_FOUND`, `USAGE`...). */
    code: string;
    message: string;
    /** The recipe line that pins the digest, for checksum errors. */
    srcUri?: string;
    hint?: string;
    exitCode: number;
  };
}

/** fetch-core names differ from what the Isar integration expects for these two. */
const CODE_ALIASES: Readonly<Record<string, string>> = {
  MISSING_CHECKSUM: 'CHECKSUM_MISSING',
  CHECKSUM_MISMATCH: 'CHECKSUM_MISMATCH',
};

/** The `--json` error object for an error and the exit code it ends with. */
export function jsonErrorReport(error: unknown, exitCode: number): JsonErrorReport {
  const fields = typeof error === 'object' && error !== null ? (error as Record<string, unknown>) : {};
  const rawCode = typeof fields.code === 'string' ? fields.code : undefined;
  const code =
    rawCode !== undefined
      ? (CODE_ALIASES[rawCode] ?? rawCode)
      : fields.name === 'AbortError'
        ? 'ABORTED'
        : 'FAILED';
  const srcUri = typeof fields.srcUriLine === 'string' ? fields.srcUriLine : undefined;
  const hint = typeof fields.hint === 'string' && fields.hint !== '' ? oneLine(fields.hint) : undefined;
  return {
    error: {
      code,
      message: oneLine(messageOf(error)),
      ...(srcUri ? { srcUri } : {}),
      ...(hint ? { hint } : {}),
      exitCode,
    },
  };
}
