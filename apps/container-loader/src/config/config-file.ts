import { readFile } from 'node:fs/promises';
import { LoaderError } from '../errors.js';

/** One `KEY=value` assignment of a config file, with the line it came from (for messages). */
export interface ConfigAssignment {
  key: string;
  value: string;
  line: number;
}

const KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Parses a shell-style configuration file as found in `/etc/default/*`, which systemd's `EnvironmentFile=`
 * reads too: `KEY=value` lines, optional `export `, `#` comments, blank lines, values unquoted, in single
 * quotes (literal) or double quotes (`\"`, `\\`, `\$`, `` \` `` escapes). Variable expansion and command
 * substitution are refused rather than half-supported: the loader and systemd must read the same values.
 */
export function parseConfigText(text: string, file: string): ConfigAssignment[] {
  const assignments: ConfigAssignment[] = [];
  const lines = text.split(/\r?\n/);
  for (let index = 0; index < lines.length; index++) {
    const line = index + 1;
    const trimmed = (lines[index] ?? '').trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const fail = (why: string): never => {
      throw new LoaderError('CONFIG', `${file}:${line}: ${why}`);
    };
    const body = trimmed.startsWith('export ') ? trimmed.slice('export '.length).trimStart() : trimmed;
    const equals = body.indexOf('=');
    if (equals <= 0) fail(`expected KEY=value, got "${trimmed}"`);
    const key = body.slice(0, equals);
    if (!KEY.test(key)) fail(`"${key}" is not a variable name`);
    assignments.push({ key, value: parseValue(body.slice(equals + 1), fail), line });
  }
  return assignments;
}

/** Reads and parses a config file; a missing or unreadable file is a `CONFIG` error naming it. */
export async function readConfigFile(file: string, signal?: AbortSignal): Promise<ConfigAssignment[]> {
  let text: string;
  try {
    text = await readFile(file, { encoding: 'utf8', signal });
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new LoaderError('CONFIG', `cannot read config file ${file} (${reason})`, { cause: error });
  }
  return parseConfigText(text, file);
}

/** The value part of an assignment: quoted and unquoted segments, up to whitespace or a `#` comment. */
function parseValue(raw: string, fail: (why: string) => never): string {
  let value = '';
  let i = 0;
  while (i < raw.length) {
    const c = raw[i] as string;
    if (c === ' ' || c === '\t') {
      const rest = raw.slice(i).trimStart();
      if (rest === '' || rest.startsWith('#')) return value;
      fail(`unquoted whitespace in value (quote it): "${raw}"`);
    }
    if (c === "'") {
      const end = raw.indexOf("'", i + 1);
      if (end < 0) fail('unterminated single quote');
      value += raw.slice(i + 1, end);
      i = end + 1;
    } else if (c === '"') {
      i++;
      for (;;) {
        if (i >= raw.length) fail('unterminated double quote');
        const d = raw[i] as string;
        if (d === '"') break;
        if (d === '\\' && i + 1 < raw.length && '"\\$`'.includes(raw[i + 1] as string)) {
          value += raw[i + 1];
          i += 2;
          continue;
        }
        if (d === '$' || d === '`') fail('variable expansion and command substitution are not supported');
        value += d;
        i++;
      }
      i++;
    } else if (c === '\\' && i + 1 < raw.length) {
      value += raw[i + 1];
      i += 2;
    } else {
      if (c === '$' || c === '`') fail('variable expansion and command substitution are not supported');
      if (';&|<>()'.includes(c)) fail(`shell syntax "${c}" is not allowed in a value (quote it)`);
      value += c;
      i++;
    }
  }
  return value;
}
