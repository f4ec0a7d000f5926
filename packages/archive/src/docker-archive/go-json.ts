/**
 * Just enough of Go's encoding/json to reproduce skopeo's legacy layer IDs byte for byte: the raw text of a
 * top-level member (Go's `map[string]*json.RawMessage`) and the way `json.Marshal` re-emits such raw text
 * (compacted, with `<`, `>`, `&`, U+2028 and U+2029 escaped inside strings).
 */

import { ArchiveError } from '../errors.js';

/** Raw JSON text of each top-level member of an object; a repeated key keeps its last value, as Go does. */
export function topLevelRawValues(text: string): Map<string, string> {
  const values = new Map<string, string>();
  let position = skipSpace(text, 0);
  if (text[position] !== '{') throw invalid('expected an object');
  position = skipSpace(text, position + 1);
  if (text[position] === '}') return values;
  for (;;) {
    if (text[position] !== '"') throw invalid('expected a member name');
    const keyEnd = endOfString(text, position);
    const key = JSON.parse(text.slice(position, keyEnd)) as string;
    position = skipSpace(text, keyEnd);
    if (text[position] !== ':') throw invalid('expected ":"');
    const valueStart = skipSpace(text, position + 1);
    const valueEnd = endOfValue(text, valueStart);
    values.set(key, text.slice(valueStart, valueEnd));
    position = skipSpace(text, valueEnd);
    if (text[position] === ',') {
      position = skipSpace(text, position + 1);
      continue;
    }
    if (text[position] === '}') return values;
    throw invalid('expected "," or "}"');
  }
}

/** Go's `json.Compact` with HTML escaping, applied to already valid JSON text. */
export function goCompact(raw: string): string {
  let out = '';
  let inString = false;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i] as string;
    if (inString) {
      if (c === '\\') {
        out += c + (raw[i + 1] ?? '');
        i++;
        continue;
      }
      if (c === '"') inString = false;
      out += escapeForGo(c);
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') continue;
    if (c === '"') inString = true;
    out += c;
  }
  return out;
}

/** Go's `json.Marshal` of a `map[string]any` whose values are already JSON text: keys sorted by bytes. */
export function goMarshalObject(members: ReadonlyMap<string, string>): string {
  const keys = [...members.keys()].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  return `{${keys.map((key) => `${goString(key)}:${members.get(key)}`).join(',')}}`;
}

/** A JS string as Go's encoder writes it (HTML-safe). */
export function goString(value: string): string {
  return [...JSON.stringify(value)].map(escapeForGo).join('');
}

function escapeForGo(c: string): string {
  switch (c) {
    case '<':
      return '\\u003c';
    case '>':
      return '\\u003e';
    case '&':
      return '\\u0026';
    case '\u2028':
      return '\\u2028';
    case '\u2029':
      return '\\u2029';
    default:
      return c;
  }
}

function skipSpace(text: string, position: number): number {
  let p = position;
  while (p < text.length && ' \t\n\r'.includes(text[p] as string)) p++;
  return p;
}

function endOfString(text: string, start: number): number {
  for (let p = start + 1; p < text.length; p++) {
    if (text[p] === '\\') p++;
    else if (text[p] === '"') return p + 1;
  }
  throw invalid('unterminated string');
}

function endOfValue(text: string, start: number): number {
  const c = text[start];
  if (c === '"') return endOfString(text, start);
  if (c === '{' || c === '[') {
    let depth = 0;
    for (let p = start; p < text.length; p++) {
      const d = text[p];
      if (d === '"') p = endOfString(text, p) - 1;
      else if (d === '{' || d === '[') depth++;
      else if (d === '}' || d === ']') {
        depth--;
        if (depth === 0) return p + 1;
      }
    }
    throw invalid('unterminated value');
  }
  let p = start;
  while (p < text.length && !',}] \t\n\r'.includes(text[p] as string)) p++;
  if (p === start) throw invalid('expected a value');
  return p;
}

function invalid(why: string): ArchiveError {
  return new ArchiveError('INVALID_INPUT', `image config is not a JSON object: ${why}`);
}
