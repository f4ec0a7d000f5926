import { parseArgs } from 'node:util';
import { type Command, CommandContext, type OptionValues, parseArgsConfig } from './command.js';
import { COMMANDS } from './commands/index.js';
import { usageError } from './errors/cli-error.js';
import { ExitCode } from './errors/exit-code.js';
import { jsonErrorReport } from './errors/json-error.js';
import { reportError } from './errors/report-error.js';
import { commandHelp, commandOptions, commandUsage, programHelp } from './help.js';
import type { CliIo, ProgramInfo } from './io.js';
import { VERSION } from './version.js';

/** The program {@link run} speaks as unless told otherwise: `isar-fetch` at this package's version. */
export const DEFAULT_PROGRAM: ProgramInfo = {
  name: 'isar-fetch',
  version: VERSION,
  description: "Fetch container images from registries into Isar's download cache.",
};

/** Options of {@link run}. */
export interface RunOptions {
  /** Name and version shown in messages, `--help` and `--version`. */
  readonly program?: ProgramInfo;
  /** The command table; tests pass their own to inject failures. */
  readonly commands?: readonly Command[];
}

type GlobalFlag = 'help' | 'version' | 'json' | 'quiet' | 'debug';

/** Global flags allowed before the command name (after it, every command takes them as its own). */
const GLOBAL_FLAGS: Readonly<Record<string, GlobalFlag>> = {
  '--help': 'help',
  '-h': 'help',
  '--version': 'version',
  '-V': 'version',
  '--json': 'json',
  '--quiet': 'quiet',
  '-q': 'quiet',
  '--debug': 'debug',
};

/** Turns node's parseArgs errors (long, with advice about `--`) into our one-line usage errors. */
function argsError(error: unknown, program: ProgramInfo, command: Command): Error {
  const code = (error as { code?: unknown }).code;
  if (typeof code !== 'string' || !code.startsWith('ERR_PARSE_ARGS')) return error as Error;
  const message = (error as Error).message;
  const option = /'([^']+)'/.exec(message)?.[1]?.split(' ')[0];
  const usage = `usage: ${commandUsage(program, command)}`;
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && option) {
    return usageError(`${command.name}: unknown option "${option}"; ${usage}`, error);
  }
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && option) {
    return usageError(`${command.name}: option "${option}" needs a value; ${usage}`, error);
  }
  return usageError(`${command.name}: ${message.split('\n')[0]}; ${usage}`, error);
}

function parseCommandLine(command: Command, args: string[], program: ProgramInfo) {
  let parsed: { values: OptionValues; positionals: string[] };
  try {
    parsed = parseArgs({
      args,
      options: parseArgsConfig(commandOptions(command)),
      allowPositionals: true,
      strict: true,
    }) as { values: OptionValues; positionals: string[] };
  } catch (e) {
    throw argsError(e, program, command);
  }
  return parsed;
}

function checkArguments(
  command: Command,
  parsed: { values: OptionValues; positionals: string[] },
  program: ProgramInfo,
) {
  const usage = `usage: ${commandUsage(program, command)}`;
  const missing = command.positionals[parsed.positionals.length];
  if (missing) throw usageError(`${command.name}: missing <${missing.name}>; ${usage}`);
  const extra = parsed.positionals[command.positionals.length];
  if (extra !== undefined) throw usageError(`${command.name}: unexpected argument "${extra}"; ${usage}`);
  for (const [name, spec] of Object.entries(command.options)) {
    const value = parsed.values[name];
    if (spec.required && (value === undefined || value === '')) {
      const placeholder = spec.type === 'string' ? ` <${spec.valueName ?? 'value'}>` : '';
      throw usageError(`${command.name}: missing --${name}${placeholder}; ${usage}`);
    }
  }
}

/**
 * Runs isar-fetch with `argv` (without node and script) and returns the exit code: 0 ok, 1 failure,
 * 2 bad usage or input, 130 interrupted. Results go to `io.stdout`; errors to `io.stderr` as one line
 * (plus a hint line when the error has one), stacks only with `--debug`. Never throws.
 */
export async function run(argv: readonly string[], io: CliIo, options: RunOptions = {}): Promise<number> {
  const program = options.program ?? DEFAULT_PROGRAM;
  const commands = options.commands ?? COMMANDS;
  const globals: Record<GlobalFlag, boolean> = {
    help: false,
    version: false,
    json: false,
    quiet: false,
    debug: argv.includes('--debug'),
  };
  // With --json, a failure is also one JSON object on stdout (scripts read stdout only).
  let json = argv.includes('--json');
  try {
    let i = 0;
    for (; i < argv.length && argv[i]?.startsWith('-'); i++) {
      const flag = GLOBAL_FLAGS[argv[i] as string];
      if (!flag) {
        throw usageError(
          `unknown option "${argv[i]}" before the command; usage: ${program.name} <command> [options]`,
        );
      }
      globals[flag] = true;
    }
    const name = argv[i];
    if (name === undefined) {
      if (globals.version) {
        io.stdout.write(`${program.version}\n`);
        return ExitCode.ok;
      }
      // A bare `isar-fetch` is a usage error: help goes to stderr, so scripts see no output on stdout.
      (globals.help ? io.stdout : io.stderr).write(programHelp(program, commands));
      return globals.help ? ExitCode.ok : ExitCode.usage;
    }
    const command = commands.find((c) => c.name === name);
    if (!command) {
      throw usageError(`unknown command "${name}" (commands: ${commands.map((c) => c.name).join(', ')})`);
    }
    const parsed = parseCommandLine(command, argv.slice(i + 1), program);
    // Global flags before the command name count as if given after it.
    for (const flag of ['json', 'quiet', 'debug'] as const) {
      if (globals[flag]) parsed.values[flag] = true;
    }
    json = parsed.values.json === true;
    if (globals.help || parsed.values.help === true) {
      io.stdout.write(commandHelp(program, command));
      return ExitCode.ok;
    }
    if (globals.version || parsed.values.version === true) {
      io.stdout.write(`${program.version}\n`);
      return ExitCode.ok;
    }
    checkArguments(command, parsed, program);
    const context = new CommandContext({ command, ...parsed, io, program });
    return (await command.run(context)) ?? ExitCode.ok;
  } catch (error) {
    // 130 only when our own signal was aborted: an abort that escapes otherwise is the echo of another failure.
    const report = reportError(error, program.name, globals.debug, {
      interrupted: io.signal?.aborted === true,
    });
    io.stderr.write(`${report.lines.join('\n')}\n`);
    if (json) io.stdout.write(`${JSON.stringify(jsonErrorReport(error, report.exitCode))}\n`);
    return report.exitCode;
  }
}
