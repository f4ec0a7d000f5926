import { latin1Of, utf8Of } from './buffer-text.js';
import { dep5ToSpdx } from './dep5-license.js';
import type { SbomLimits } from './limits.js';
import type { FileParser } from './parsed-file.js';

/** The licenses a machine-readable `/usr/share/doc/<pkg>/copyright` declares. */
export interface CopyrightLicenses {
  /** The file starts with a DEP-5 `Format:` header; otherwise nothing else is known. */
  machineReadable: boolean;
  /** Distinct SPDX expressions, sorted. */
  spdx: string[];
  /** `License:` names that have no SPDX equivalent, as written, sorted. */
  unmapped: string[];
}

const formatUrl = /^https?:\/\/www\.debian\.org\/doc\/packaging-manuals\/copyright-format\/1\.0\/?$/;
/** Paragraphs with fields kept at most (a file is read only up to `maxCopyrightBytes` anyway). */
const MAX_PARAGRAPHS = 10_000;

/**
 * Reads the License fields of a DEP-5 file: the header's and those of `Files:` paragraphs (stand-alone
 * `License:` paragraphs only hold license texts for those). Only the first `maxCopyrightBytes` are read, and
 * of a file whose first paragraph names no DEP-5 format, nothing after that paragraph.
 *
 * The file is gathered (at most `maxCopyrightBytes`) and read in one pass of a regular expression that
 * stops only at the lines that matter: a fetch reads hundreds of these files, most of their lines license
 * text, and looking at each line in JavaScript was most of the SBOM's cost on an image of many packages.
 */
export function copyrightParser(limits: SbomLimits): FileParser {
  const parts: Buffer[] = [];
  let size = 0;
  let truncated = false;
  /** The first paragraph's verdict, once it is complete. */
  let dep5: boolean | undefined;
  let made: { bytes: Buffer; text: string } | undefined;
  return {
    push(chunk) {
      const room = limits.maxCopyrightBytes - size;
      if (chunk.length > room) {
        truncated = true;
        chunk = chunk.subarray(0, room);
      }
      parts.push(chunk);
      size += chunk.length;
      if (dep5 === undefined) {
        const bytes = gathered();
        dep5 = readDep5(bytes, textOf(bytes), limits.maxLineBytes, true).header;
      }
      return !truncated && dep5 !== false;
    },
    end() {
      const bytes = gathered();
      // A file cut at the size cap ends in the middle of a line: that line is dropped, not half kept.
      const whole = truncated ? bytes.lastIndexOf(0x0a) + 1 : bytes.length;
      const read =
        dep5 === false
          ? undefined
          : readDep5(bytes.subarray(0, whole), textOf(bytes).slice(0, whole + 1), limits.maxLineBytes, false);
      const machineReadable = read?.header === true;
      return { kind: 'copyright', machineReadable, names: machineReadable ? (read?.names ?? []) : [] };
    },
  };

  function gathered(): Buffer {
    if (parts.length > 1) parts.splice(0, parts.length, Buffer.concat(parts, size));
    return parts[0] ?? Buffer.alloc(0);
  }

  /** The text {@link readDep5} reads, made once for the bytes gathered (the usual file comes in one push). */
  function textOf(bytes: Buffer): string {
    if (made?.bytes !== bytes) made = { bytes, text: `\n${latin1Of(bytes, 0, bytes.length)}` };
    return made.text;
  }
}

/**
 * The lines a DEP-5 reader stops at, each after the newline that ends the line before (the text is read with
 * one put in front): a kept field (name case-insensitive, no space before its colon), or a blank line, which
 * ends a paragraph. Continuation lines (leading space or tab), comments and other fields are passed over
 * by the expression's own scan.
 */
const LINES = /\n(?:(format|files|license):[^\n]*|[ \t\r\v\f]*(?=\n))/gi;

/**
 * The first paragraph's verdict (`header`; undefined while that paragraph is incomplete) and the License
 * names of a machine-readable file: the header's and those of `Files:` paragraphs, the first value of each,
 * distinct and sorted. `text` is `bytes` as latin1 with a newline put in front. `untilHeader`: stop once the
 * verdict is known.
 */
function readDep5(
  bytes: Buffer,
  text: string,
  maxLine: number,
  untilHeader: boolean,
): { header: boolean | undefined; names: string[] } {
  const names = new Set<string>();
  let header: boolean | undefined;
  let paragraphs = 0;
  // The paragraph being read.
  let format: string | undefined;
  let files = false;
  let license: string | undefined;
  let fields = 0;
  const endParagraph = (): void => {
    if (header === undefined) {
      header = format !== undefined && formatUrl.test(format);
      if (header && license) names.add(license);
    } else if (files && license) names.add(license);
    if (fields > 0) paragraphs++;
    format = undefined;
    files = false;
    license = undefined;
    fields = 0;
  };
  /** Where the last blank line ended: a blank line right there ends no paragraph. */
  let lastBlankEnd = 0;
  LINES.lastIndex = 0;
  for (let match = LINES.exec(text); match !== null; match = LINES.exec(text)) {
    const key = match[1];
    const lineEnd = LINES.lastIndex;
    if (key === undefined) {
      if (match.index !== lastBlankEnd) {
        endParagraph();
        if (!header || untilHeader) return { header, names: [] };
        if (paragraphs >= MAX_PARAGRAPHS) return { header, names: [...names].sort() };
      }
      lastBlankEnd = lineEnd;
      continue;
    }
    // A line over the line cap is skipped, as the database reader does.
    if (lineEnd - match.index - 1 > maxLine) continue;
    fields++;
    const name = key.toLowerCase();
    if (name === 'files') files = true;
    else if (name === 'format' ? format === undefined : license === undefined) {
      // Text positions are byte positions plus one (the newline put in front); values are UTF-8.
      const value = utf8Of(bytes, match.index + key.length + 1, lineEnd - 1).trim();
      if (name === 'format') format = value;
      else license = value;
    }
  }
  // The end of the text ends the last paragraph; while gathering, the first may still go on.
  if (untilHeader && header === undefined) return { header, names: [] };
  if (text.length - lastBlankEnd > 1) endParagraph();
  return { header, names: header ? [...names].sort() : [] };
}

/** The licenses of a parsed copyright file, its DEP-5 names mapped to SPDX expressions where they can be. */
export function copyrightLicenses(parsed: {
  machineReadable: boolean;
  names: readonly string[];
}): CopyrightLicenses {
  const spdx = new Set<string>();
  const unmapped = new Set<string>();
  for (const name of parsed.names) {
    const expression = dep5ToSpdx(name);
    if (expression) spdx.add(expression);
    else unmapped.add(name);
  }
  return { machineReadable: parsed.machineReadable, spdx: [...spdx].sort(), unmapped: [...unmapped].sort() };
}
