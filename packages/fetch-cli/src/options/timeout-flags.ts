import type { FetchOptions } from '@isar/fetch-core';
import type { CommandContext, OptionSpec } from '../command.js';
import { usageError } from '../errors/cli-error.js';

type Timeouts = NonNullable<NonNullable<FetchOptions['registry']>['timeouts']>;

/** Longest `--idle-timeout` accepted: a day. */
const MAX_IDLE_SECONDS = 86_400;

/** `--idle-timeout`: how long a registry may send nothing before we cut, resume, and finally give up. */
export const TIMEOUT_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  'idle-timeout': {
    type: 'string',
    valueName: 'seconds',
    description:
      'a registry silent this long (waiting for an answer, or inside a blob) is cut and resumed; a blob with no new byte for twice as long fails (default 60)',
  },
};

/** The registry client timeouts `--idle-timeout` asks for (none when it is not given). */
export function timeoutOptions(ctx: CommandContext): { timeouts?: Timeouts } {
  const value = ctx.string('idle-timeout');
  if (value === undefined) return {};
  const seconds = /^\d+(\.\d+)?$/.test(value.trim()) ? Number(value) : Number.NaN;
  if (!(seconds > 0 && seconds <= MAX_IDLE_SECONDS)) {
    throw usageError(
      `${ctx.command.name}: --idle-timeout needs a number of seconds above 0 and up to ${MAX_IDLE_SECONDS}, got "${value}"`,
    );
  }
  const ms = Math.max(1, Math.round(seconds * 1000));
  return { timeouts: { headersMs: ms, bodyMs: ms, stallMs: 2 * ms } };
}
