export {
  type Command,
  CommandContext,
  type OptionSpec,
  type OptionValues,
  type PositionalSpec,
} from './command.js';
export { COMMANDS } from './commands/index.js';
export { localpathCommand } from './commands/localpath.js';
export { CliError, type CliErrorCode } from './errors/cli-error.js';
export { ExitCode, exitCodeFor } from './errors/exit-code.js';
export { type ErrorReport, reportError } from './errors/report-error.js';
export { commandHelp, GLOBAL_OPTIONS, programHelp } from './help.js';
export type { CliIo, CliOutput, ProgramInfo } from './io.js';
export { DEFAULT_PROGRAM, type RunOptions, run } from './run.js';
export { VERSION } from './version.js';
