import type { SbomLimits } from './limits.js';
import type { FileParser, ParsedFile } from './parsed-file.js';

/**
 * Parses os-release (`KEY=value` lines, values optionally quoted with shell escapes), as systemd documents
 * it. Only the first `maxOsReleaseBytes` are read.
 */
export function osReleaseParser(limits: SbomLimits): FileParser {
  return new OsReleaseParser(limits.maxOsReleaseBytes);
}

/** A class: file parsers share their methods (see dep5-copyright.ts). */
class OsReleaseParser implements FileParser {
  readonly #max: number;
  readonly #chunks: Buffer[] = [];
  #bytes = 0;

  constructor(max: number) {
    this.#max = max;
  }

  push(chunk: Buffer): boolean {
    const kept = chunk.subarray(0, Math.max(0, this.#max - this.#bytes));
    this.#chunks.push(Buffer.from(kept));
    this.#bytes += kept.length;
    return this.#bytes < this.#max;
  }

  end(): ParsedFile {
    return { kind: 'os-release', fields: parseOsRelease(Buffer.concat(this.#chunks).toString('utf8')) };
  }
}

export function parseOsRelease(text: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    const match = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line);
    if (!match?.[1]) continue;
    fields[match[1]] = unquote(match[2] ?? '');
  }
  return fields;
}

function unquote(value: string): string {
  const quote = value[0];
  if ((quote === '"' || quote === "'") && value.endsWith(quote) && value.length >= 2) {
    const inner = value.slice(1, -1);
    return quote === '"' ? inner.replace(/\\(["\\`$])/g, '$1') : inner;
  }
  return value;
}
