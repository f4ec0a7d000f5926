import { createHash } from 'node:crypto';
import { latin1Of, utf8Of } from './buffer-text.js';
import { dep5ToSpdx } from './dep5-license.js';
import type { SbomLimits } from './limits.js';
import type { FileParser, ParsedFile } from './parsed-file.js';

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
 * What a layer's copyright files have given so far, by the sha256 of the bytes read: the binary packages of
 * one source ship the same file (half of a Debian image's copyright bytes are repeats), so each distinct file
 * is read once. Holds results, never bytes.
 */
export type CopyrightMemo = Map<string, { machineReadable: boolean; names: readonly string[] }>;

/** Where a copyright file comes from: its size as the tar says, and the memo of its layer. */
export interface CopyrightSource {
  /** The entry's size: a file that arrives whole is read at its end only (no early header check). */
  size?: number;
  memo?: CopyrightMemo;
}

/**
 * Reads the License fields of a DEP-5 file: the header's and those of `Files:` paragraphs (stand-alone
 * `License:` paragraphs only hold license texts for those). Only the first `maxCopyrightBytes` are read, and
 * of a file whose first paragraph names no DEP-5 format, nothing after that paragraph.
 *
 * The file is gathered (at most `maxCopyrightBytes`) and read in one pass of a regular expression that
 * stops only at the lines that matter: a fetch reads hundreds of these files, most of their lines license
 * text, and looking at each line in JavaScript was most of the SBOM's cost on an image of many packages.
 */
export function copyrightParser(limits: SbomLimits, source: CopyrightSource = {}): FileParser {
  return new CopyrightParser(limits, source);
}

/** A class, not an object of closures: every file's parser shares one `push`, which V8 then calls as one. */
class CopyrightParser implements FileParser {
  readonly #limits: SbomLimits;
  readonly #source: CopyrightSource;
  readonly #parts: Buffer[] = [];
  #size = 0;
  #truncated = false;
  /** The first paragraph's verdict, once it is complete. */
  #dep5: boolean | undefined;
  #made: { bytes: Buffer; text: string } | undefined;

  constructor(limits: SbomLimits, source: CopyrightSource) {
    this.#limits = limits;
    this.#source = source;
  }

  push(chunk: Buffer): boolean {
    const room = this.#limits.maxCopyrightBytes - this.#size;
    if (chunk.length > room) {
      this.#truncated = true;
      chunk = chunk.subarray(0, room);
    }
    this.#parts.push(chunk);
    this.#size += chunk.length;
    // A file that came whole is read once, at its end (or not at all, when the memo has it). One that comes
    // in parts is checked as it comes, so that a free-text file's bytes are not all gathered.
    if (this.#dep5 === undefined && this.#size !== this.#source.size) {
      const bytes = this.#gathered();
      this.#dep5 = readDep5(bytes, this.#textOf(bytes), this.#limits.maxLineBytes, true).header;
    }
    return !this.#truncated && this.#dep5 !== false;
  }

  end(): ParsedFile {
    if (this.#dep5 === false) return { kind: 'copyright', machineReadable: false, names: [] };
    const bytes = this.#gathered();
    // A file cut at the size cap ends in the middle of a line: that line is dropped, not half kept.
    const whole = this.#truncated ? bytes.lastIndexOf(0x0a) + 1 : bytes.length;
    const memo = this.#source.memo;
    const key = memo ? createHash('sha256').update(bytes.subarray(0, whole)).digest('base64') : '';
    const known = memo?.get(key);
    if (known) return { kind: 'copyright', machineReadable: known.machineReadable, names: [...known.names] };
    const read = readDep5(
      bytes.subarray(0, whole),
      this.#textOf(bytes).slice(0, whole + 1),
      this.#limits.maxLineBytes,
      false,
    );
    const machineReadable = read.header === true;
    const names = machineReadable ? read.names : [];
    memo?.set(key, { machineReadable, names });
    return { kind: 'copyright', machineReadable, names: [...names] };
  }

  #gathered(): Buffer {
    const parts = this.#parts;
    if (parts.length > 1) parts.splice(0, parts.length, Buffer.concat(parts, this.#size));
    return parts[0] ?? Buffer.alloc(0);
  }

  /** The text {@link readDep5} reads, made once for the bytes gathered (the usual file comes in one push). */
  #textOf(bytes: Buffer): string {
    if (this.#made?.bytes !== bytes) this.#made = { bytes, text: `\n${latin1Of(bytes, 0, bytes.length)}` };
    return this.#made.text;
  }
}

/**
 * The lines a DEP-5 reader stops at, each after the newline that ends the line before (the text is read with
 * one put in front): a kept field (name case-insensitive, no space before its colon), or a blank line, which
 * ends a paragraph. Continuation lines (leading space or tab), comments and other fields are passed over
 * by the expression's own scan. Each match ends where its line does.
 */
const LINES = /\n(?:(?:format|files|license):[^\n]*|[ \t\r\v\f]*(?=\n))/gi;

const LOWER = 0x20;
const F = 0x66;
const L = 0x6c;
const O = 0x6f;

/**
 * The first paragraph's verdict (`header`; undefined while that paragraph is incomplete) and the License
 * names of a machine-readable file: the header's and those of `Files:` paragraphs, the first value of each,
 * distinct and sorted. `text` is `bytes` as latin1 with a newline put in front. `untilHeader`: stop once the
 * verdict is known.
 *
 * Runs for each of the thousands of lines a fetch stops at, first unoptimized and then compiled by V8 (CPU
 * too): the loop tells lines apart by a character or two, `test` makes no match object, and what happens at
 * a paragraph's end is a function of its own.
 */
function readDep5(
  bytes: Buffer,
  text: string,
  maxLine: number,
  untilHeader: boolean,
): { header: boolean | undefined; names: string[] } {
  const state: Dep5State = {
    names: new Set(),
    header: undefined,
    paragraphs: 0,
    format: undefined,
    files: false,
    license: undefined,
    fields: 0,
  };
  /** Where the last blank line ended: a blank line right there ends no paragraph. */
  let lastBlankEnd = 0;
  LINES.lastIndex = 0;
  while (LINES.test(text)) {
    const lineEnd = LINES.lastIndex;
    // The newline in front of the line matched (its own text holds none).
    const start = text.lastIndexOf('\n', lineEnd - 1);
    const first = text.charCodeAt(start + 1) | LOWER;
    if (first !== F && first !== L) {
      // A blank line.
      if (start !== lastBlankEnd) {
        endParagraph(state);
        if (!state.header || untilHeader) return { header: state.header, names: [] };
        if (state.paragraphs >= MAX_PARAGRAPHS) return { header: true, names: [...state.names].sort() };
      }
      lastBlankEnd = lineEnd;
      continue;
    }
    // A line over the line cap is skipped, as the database reader does.
    if (lineEnd - start - 1 > maxLine) continue;
    state.fields++;
    if (first === L) {
      // Text positions are byte positions plus one (the newline put in front); values are UTF-8.
      if (state.license === undefined) state.license = utf8Of(bytes, start + 8, lineEnd - 1).trim();
    } else if ((text.charCodeAt(start + 2) | LOWER) === O) {
      if (state.format === undefined) state.format = utf8Of(bytes, start + 7, lineEnd - 1).trim();
    } else state.files = true;
  }
  // The end of the text ends the last paragraph; while gathering, the first may still go on.
  if (untilHeader && state.header === undefined) return { header: undefined, names: [] };
  if (text.length - lastBlankEnd > 1) endParagraph(state);
  return { header: state.header, names: state.header ? [...state.names].sort() : [] };
}

/** What {@link readDep5} knows: the file so far and the paragraph being read. */
interface Dep5State {
  names: Set<string>;
  header: boolean | undefined;
  paragraphs: number;
  format: string | undefined;
  files: boolean;
  license: string | undefined;
  fields: number;
}

/** A paragraph ended: its verdict (the first one's) or its License name, and a fresh paragraph. */
function endParagraph(state: Dep5State): void {
  if (state.header === undefined) {
    state.header = state.format !== undefined && formatUrl.test(state.format);
    if (state.header && state.license) state.names.add(state.license);
  } else if (state.files && state.license) state.names.add(state.license);
  if (state.fields > 0) state.paragraphs++;
  state.format = undefined;
  state.files = false;
  state.license = undefined;
  state.fields = 0;
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
