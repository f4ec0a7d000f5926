/**
 * Text from outside (list lines, file names, archive tags, engine stderr) goes into journal lines. A journal
 * line must stay one line, readable and short: control characters, line and paragraph separators, format
 * characters (bidi overrides, zero-width) and lone surrogates are written as escapes, and long text is cut.
 */

/** Longest piece of outside text one line shows (the rest is counted, not printed). */
export const MAX_SHOWN = 200;

const UNPRINTABLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]|\p{Cs}/gu;

function escapeChar(char: string): string {
  const code = char.codePointAt(0) ?? 0;
  return code <= 0xff
    ? `\\x${code.toString(16).padStart(2, '0')}`
    : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** `text` cut to `max` characters (saying how much was left out), unprintable characters escaped. */
export function printable(text: string, max = MAX_SHOWN): string {
  const cut = text.length > max ? `${text.slice(0, max)}... (${text.length - max} more characters)` : text;
  return cut.replace(UNPRINTABLE, escapeChar);
}

/** {@link printable} in double quotes, with `"` and `\` escaped so that the quotes cannot be closed early. */
export function quoted(text: string, max = MAX_SHOWN): string {
  const cut = text.length > max ? text.slice(0, max) : text;
  const more = text.length > max ? `... (${text.length - max} more characters)` : '';
  return `"${printable(cut.replace(/["\\]/g, '\\$&'), Number.POSITIVE_INFINITY)}"${more}`;
}
