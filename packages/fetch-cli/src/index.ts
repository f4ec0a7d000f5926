export {
  type Command,
  CommandContext,
  type OptionSpec,
  type OptionValues,
  type PositionalSpec,
} from './command.js';
export { type FetchJson, fetchCommand, fetchJson } from './commands/fetch.js';
export { COMMANDS } from './commands/index.js';
export { localpathCommand } from './commands/localpath.js';
export { resolveCommand } from './commands/resolve.js';
export { unpackCommand } from './commands/unpack.js';
export { verifyCommand } from './commands/verify.js';
export { CliError, type CliErrorCode } from './errors/cli-error.js';
export { ExitCode, type ExitCodeContext, exitCodeFor } from './errors/exit-code.js';
export { type JsonErrorReport, jsonErrorReport } from './errors/json-error.js';
export { type ErrorReport, reportError } from './errors/report-error.js';
export { commandHelp, GLOBAL_OPTIONS, programHelp } from './help.js';
export type { CliIo, CliOutput, ProgramInfo } from './io.js';
export { parseZstdDefaults } from './options/zstd-defaults.js';
export { createReporter, type ReporterChoice } from './progress/create-reporter.js';
export type { ProgressReporter } from './progress/reporter.js';
export { DEFAULT_PROGRAM, type RunOptions, run } from './run.js';
export { VERSION } from './version.js';
