/** Where a command writes: `process.stdout`/`process.stderr`, or string collectors in tests. */
export interface CliOutput {
  write(chunk: string): unknown;
  /** Whether this is a terminal (progress bars only then). */
  readonly isTTY?: boolean;
}

/** Everything a command may touch of its environment, so tests can run commands in-process. */
export interface CliIo {
  readonly stdout: CliOutput;
  readonly stderr: CliOutput;
  /** Environment variables (`BB_STRICT_CHECKSUM`, proxies...); defaults to none. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Directory relative paths are resolved against; defaults to `process.cwd()`. */
  readonly cwd?: string;
  /** Aborts a running command (Ctrl-C in the bin). */
  readonly signal?: AbortSignal;
}

/** The program a command layer runs as: its name in messages and `--version`. */
export interface ProgramInfo {
  readonly name: string;
  readonly version: string;
  /** One line under the usage in `--help`. */
  readonly description?: string;
}
