import { resolve } from 'node:path';
import type { ParseArgsConfig } from 'node:util';
import { usageError } from './errors/cli-error.js';
import type { CliIo, ProgramInfo } from './io.js';

/** One option of a command, with what `--help` says about it. */
export interface OptionSpec {
  readonly type: 'string' | 'boolean';
  readonly short?: string;
  readonly multiple?: boolean;
  /** Placeholder in help, e.g. `debian-arch` for `--arch <debian-arch>`. */
  readonly valueName?: string;
  /** The runner refuses to start the command without it (a usage error naming it). */
  readonly required?: boolean;
  readonly description: string;
}

/** One positional argument of a {@link Command}, for checking and help. */
export interface PositionalSpec {
  readonly name: string;
  readonly description: string;
}

/**
 * A subcommand: its arguments, its help, and what it does. Adding a command means writing one file that
 * exports one of these and listing it in `commands/index.ts`.
 */
export interface Command {
  readonly name: string;
  /** One line for the command list. */
  readonly summary: string;
  /** Longer text for `<command> --help`. */
  readonly description?: string;
  /** Required positional arguments, in order. */
  readonly positionals: readonly PositionalSpec[];
  readonly options: Readonly<Record<string, OptionSpec>>;
  /** Runs the command; the result is the exit code (undefined = 0). Errors are reported by the runner. */
  run(context: CommandContext): Promise<number | undefined> | number | undefined;
}

type ParseArgsOptions = NonNullable<ParseArgsConfig['options']>;

/** Option values as `node:util` `parseArgs` returns them. */
export type OptionValues = Record<string, string | boolean | (string | boolean)[] | undefined>;

/** What a running command sees: parsed arguments with checked accessors, the io, the abort signal. */
export class CommandContext {
  readonly command: Command;
  readonly positionals: readonly string[];
  readonly values: OptionValues;
  readonly io: CliIo;
  readonly program: ProgramInfo;
  readonly signal: AbortSignal;
  readonly env: Readonly<Record<string, string | undefined>>;

  constructor(init: {
    command: Command;
    positionals: readonly string[];
    values: OptionValues;
    io: CliIo;
    program: ProgramInfo;
  }) {
    this.command = init.command;
    this.positionals = init.positionals;
    this.values = init.values;
    this.io = init.io;
    this.program = init.program;
    this.signal = init.io.signal ?? new AbortController().signal;
    this.env = init.io.env ?? {};
  }

  /** The positional named `name` in the command's spec (presence is checked before `run`). */
  positional(name: string): string {
    const i = this.command.positionals.findIndex((p) => p.name === name);
    const value = this.positionals[i];
    if (i < 0 || value === undefined) throw usageError(`${this.command.name}: missing <${name}>`);
    return value;
  }

  string(name: string): string | undefined {
    const value = this.values[name];
    return typeof value === 'string' ? value : undefined;
  }

  /** A string option that must be given: a usage error naming it otherwise. */
  requireString(name: string): string {
    const value = this.string(name);
    if (value === undefined || value === '') {
      const spec = this.command.options[name];
      const placeholder = spec?.valueName ? ` <${spec.valueName}>` : '';
      throw usageError(`${this.command.name}: missing --${name}${placeholder}`);
    }
    return value;
  }

  /** A path from the command line, made absolute against the io's working directory. */
  resolvePath(path: string): string {
    return resolve(this.io.cwd ?? process.cwd(), path);
  }

  /** An integer option (`--zstd-level 19`); a usage error naming it when it is not a whole number. */
  integer(name: string): number | undefined {
    const value = this.string(name);
    if (value === undefined) return undefined;
    if (!/^-?\d+$/.test(value.trim())) {
      throw usageError(`${this.command.name}: --${name} needs a whole number, got "${value}"`);
    }
    return Number(value);
  }

  flag(name: string): boolean {
    return this.values[name] === true;
  }

  strings(name: string): string[] {
    const value = this.values[name];
    return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
  }

  /** Writes one line to stdout (the command's result). */
  print(line: string): void {
    this.io.stdout.write(`${line}\n`);
  }

  /** Writes one line to stderr, prefixed with the program name (warnings, notes). */
  note(line: string): void {
    this.io.stderr.write(`${this.program.name}: ${line}\n`);
  }
}

/** The `node:util` parseArgs configuration of a set of option specs. */
export function parseArgsConfig(options: Readonly<Record<string, OptionSpec>>): ParseArgsOptions {
  const config: ParseArgsOptions = {};
  for (const [name, spec] of Object.entries(options)) {
    config[name] = {
      type: spec.type,
      ...(spec.short ? { short: spec.short } : {}),
      ...(spec.multiple ? { multiple: true } : {}),
    };
  }
  return config;
}
