import type { Command, OptionSpec } from './command.js';
import type { ProgramInfo } from './io.js';

/**
 * Options every command accepts, besides its own, before or after the command name. A command may describe one
 * of them more precisely in its own options (same type and short flag; a test holds them to it).
 */
export const GLOBAL_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  help: { type: 'boolean', short: 'h', description: 'show help (also after a command)' },
  version: { type: 'boolean', short: 'V', description: 'print the version' },
  json: {
    type: 'boolean',
    description: 'the result as one JSON object on stdout; a failure too ({"error": {"code", ...}})',
  },
  quiet: { type: 'boolean', short: 'q', description: 'no progress on stderr (warnings and errors still)' },
  debug: { type: 'boolean', description: 'print stack traces with errors' },
};

/** A command's options with the global ones it does not describe itself, its own first. */
export function commandOptions(command: Command): Readonly<Record<string, OptionSpec>> {
  const options: Record<string, OptionSpec> = { ...command.options };
  for (const [name, spec] of Object.entries(GLOBAL_OPTIONS)) {
    if (!(name in options)) options[name] = spec;
  }
  return options;
}

function optionLabel(name: string, spec: OptionSpec): string {
  const short = spec.short ? `-${spec.short}, ` : '    ';
  const value = spec.type === 'string' ? ` <${spec.valueName ?? 'value'}>` : '';
  return `${short}--${name}${value}${spec.multiple ? ' ...' : ''}`;
}

/** Two columns, the left padded to its widest entry. */
function table(rows: ReadonlyArray<readonly [string, string]>): string[] {
  const width = Math.max(0, ...rows.map(([left]) => left.length));
  return rows.map(([left, right]) => `  ${left.padEnd(width)}  ${right}`.trimEnd());
}

function usageOf(program: ProgramInfo, command: Command): string {
  const positionals = command.positionals.map((p) => `<${p.name}>`);
  const required = Object.entries(command.options)
    .filter(([, spec]) => spec.required)
    .map(([name, spec]) =>
      spec.type === 'string' ? `--${name} <${spec.valueName ?? 'value'}>` : `--${name}`,
    );
  return [program.name, command.name, ...positionals, ...required].join(' ');
}

/** One-line usage of a command, for usage errors. */
export function commandUsage(program: ProgramInfo, command: Command): string {
  return usageOf(program, command);
}

/** The program's `--help` text: usage and the list of commands. */
export function programHelp(program: ProgramInfo, commands: readonly Command[]): string {
  return [
    `Usage: ${program.name} <command> [options]`,
    ...(program.description ? ['', program.description] : []),
    '',
    'Commands:',
    ...table(commands.map((c) => [c.name, c.summary])),
    '',
    'Global options:',
    ...table(
      Object.entries(GLOBAL_OPTIONS).map(([name, spec]) => [optionLabel(name, spec), spec.description]),
    ),
    '',
    `Run "${program.name} <command> --help" for a command's arguments and options.`,
    'Exit codes: 0 success, 1 fetch/registry/checksum failure, 2 bad usage or input.',
    '',
  ].join('\n');
}

/** The `--help` text of one command: usage, description, arguments and options. */
export function commandHelp(program: ProgramInfo, command: Command): string {
  const options = commandOptions(command);
  return [
    `Usage: ${usageOf(program, command)} [options]`,
    '',
    command.description ?? command.summary,
    ...(command.positionals.length > 0
      ? ['', 'Arguments:', ...table(command.positionals.map((p) => [`<${p.name}>`, p.description]))]
      : []),
    '',
    'Options:',
    ...table(Object.entries(options).map(([name, spec]) => [optionLabel(name, spec), spec.description])),
    '',
  ].join('\n');
}
