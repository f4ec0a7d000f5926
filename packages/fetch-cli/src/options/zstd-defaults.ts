import type { ZstdSettings } from '@isar/fetch-core';
import { usageError } from '../errors/cli-error.js';

/**
 * Reads the level and worker count out of a `zstd` command line such as Isar's `ZSTD_DEFAULTS`
 * (`--threads=2 -3`, `-T4 -19 --rsyncable`, `-T 0 --ultra -22`). Options that do not change what we write
 * (`--rsyncable`, `--ultra`, `--long`, `-q`, ...) are ignored; `-T0`/`--threads=0` means "as many as CPUs", our
 * default. A malformed number is a usage error naming the variable.
 */
export function parseZstdDefaults(text: string | undefined, source = 'ZSTD_DEFAULTS'): ZstdSettings {
  const settings: ZstdSettings = {};
  if (text === undefined) return settings;
  const tokens = text.split(/\s+/).filter((t) => t !== '');
  const number = (value: string | undefined, what: string): number => {
    if (value === undefined || !/^\d+$/.test(value)) {
      throw usageError(`${source}: ${what} needs a whole number, got "${value ?? ''}" in "${text}"`);
    }
    return Number(value);
  };
  const threads = (n: number) => {
    if (n > 0) settings.threads = n;
    else delete settings.threads;
  };
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] as string;
    const threadsValue = /^--threads=(.*)$/.exec(token)?.[1] ?? /^-T(.+)$/.exec(token)?.[1];
    if (threadsValue !== undefined)
      threads(number(threadsValue, token.startsWith('--') ? '--threads' : '-T'));
    else if (token === '-T' || token === '--threads') threads(number(tokens[++i], token));
    else if (/^-\d+$/.test(token)) settings.level = number(token.slice(1), 'the level');
    // Anything else (--rsyncable, --ultra, --long[=N], -q, -f, --rm, ...) does not change our output format.
  }
  return settings;
}
