import { latin1Of, utf8Of } from './buffer-text.js';
import { regExpLiteral } from './regexp-literal.js';

/**
 * A streaming reader of deb822-style records (dpkg status, DEP-5 copyright) and apk's `installed` database:
 * `Key: value` lines, records separated by blank lines. Only the first line of the wanted fields is kept
 * (continuation lines carry descriptions and license texts, which an inventory does not need), so memory
 * stays bounded by the number of records, whatever the file's size.
 */
export interface StanzaParserOptions {
  /** Field names to keep (compared lower-cased when `caseInsensitive`). */
  fields: readonly string[];
  caseInsensitive: boolean;
  /** Bytes read at most; the rest is skipped and `truncated` set. */
  maxBytes: number;
  maxRecords: number;
  maxLineBytes: number;
}

export type Stanza = Map<string, string>;

export interface StanzaStats {
  /** Lines that are neither a field, a continuation, a comment nor blank (or were too long). */
  malformedLines: number;
  /** Stopped at `maxBytes`. */
  truncated: boolean;
  /** Records dropped once `maxRecords` were kept. */
  droppedRecords: number;
  bytes: number;
}

const SPACE = 0x20;
const TAB = 0x09;
const CR = 0x0d;
const HASH = 0x23;

/** Space, tab, CR, vertical tab, form feed: what makes a line blank. */
function isBlank(code: number): boolean {
  return code === SPACE || code === TAB || code === CR || code === 0x0b || code === 0x0c;
}

/** A character that makes a line blank, anywhere in a field name: such a line is no field. */
const BLANK_CHARACTER = /[ \t\r\v\f]/;

/**
 * A newline whose next line may change something, once a paragraph has had a field: the lines it passes over
 * are continuation lines (a space or tab, then something not blank), comments and fields not kept (a name of
 * no blank or colon, then a colon). Matched, it ends after that newline: where the line to look at begins.
 */
function quietLines(fields: readonly string[], caseInsensitive: boolean): RegExp {
  const kept = fields.map(regExpLiteral).join('|');
  // The expression's `i` never maps a character outside ASCII to one inside, as `toLowerCase` does (U+212A,
  // the Kelvin sign, is `k`): with such a name kept, fields are all looked at in JavaScript.
  const unkept = fields.every((field) => /^[\x21-\x7e]*$/.test(field))
    ? `|(?!(?:${kept}):)[^ \\t\\r\\v\\f\\n:]+:`
    : '';
  const quiet = `[ \\t][^\\n]*[^ \\t\\r\\v\\f\\n]|#${unkept}`;
  return new RegExp(`\\n(?!${quiet})`, caseInsensitive ? 'gi' : 'g');
}

export class StanzaParser {
  readonly records: Stanza[] = [];
  readonly stats: StanzaStats = { malformedLines: 0, truncated: false, droppedRecords: 0, bytes: 0 };
  readonly #options: StanzaParserOptions;
  readonly #fields: Set<string>;
  readonly #quiet: RegExp;
  #current: Stanza | undefined;
  #sawField = false;
  #partial: Buffer[] = [];
  #partialBytes = 0;
  #skippingLongLine = false;
  /** The line being gathered is a continuation line: its pieces are dropped, never decoded. */
  #skippingContinuation = false;
  /** Paragraphs ended so far: blank lines after any other line, whether a field was kept or not. */
  paragraphs = 0;
  #inParagraph = false;

  constructor(options: StanzaParserOptions) {
    this.#options = options;
    this.#fields = new Set(options.fields.map((field) => this.#key(field)));
    this.#quiet = quietLines(options.fields, options.caseInsensitive);
  }

  /** Feeds bytes; returns false once `maxBytes` is reached (the caller may stop feeding). */
  push(chunk: Buffer): boolean {
    if (this.stats.truncated) return false;
    const room = this.#options.maxBytes - this.stats.bytes;
    if (chunk.length > room) {
      this.stats.truncated = true;
      chunk = chunk.subarray(0, room);
    }
    this.stats.bytes += chunk.length;
    // Lines are looked at in a latin1 view of the bytes (one character a byte, so positions are byte offsets);
    // only kept values are decoded as UTF-8.
    const text = latin1Of(chunk, 0, chunk.length);
    let start = 0;
    if (this.#partialBytes > 0 || this.#skippingLongLine || this.#skippingContinuation) {
      // The end of a line that began in an earlier chunk.
      const newline = text.indexOf('\n');
      const end = newline === -1 ? text.length : newline;
      this.#take(chunk.subarray(0, end), text, 0, end);
      if (newline === -1) return !this.stats.truncated;
      this.#endLine();
      start = newline + 1;
    }
    const lastNewline = text.lastIndexOf('\n');
    if (lastNewline >= start) {
      this.#wholeLines(chunk, text, start, lastNewline + 1);
      start = lastNewline + 1;
    }
    if (start < chunk.length) this.#take(chunk.subarray(start), text, start, chunk.length);
    return !this.stats.truncated;
  }

  /**
   * The lines of `text[from..to)`, all ending with a newline. Within a paragraph that has had a field, the
   * lines that change nothing (continuation lines, comments, fields not kept) are passed over by one regular
   * expression ({@link quietLines}): a status file is mostly those, and a JavaScript loop over each of its
   * lines ran often enough for V8 to compile it (~8 ms of compiling for the Debian bench image's 90 KB
   * status file). Every other line is looked at in JavaScript, as is each line while no field has been seen
   * in its paragraph.
   */
  #wholeLines(chunk: Buffer, text: string, from: number, to: number): void {
    const maxLine = this.#options.maxLineBytes;
    const quiet = this.#quiet;
    let start = from;
    while (start < to) {
      // The expression needs the newline in front of a line, and knows nothing of the paragraph's state.
      if (!this.#sawField || start === 0) {
        start = this.#oneLine(chunk, text, start, maxLine);
        continue;
      }
      quiet.lastIndex = start - 1;
      const stop = quiet.exec(text) === null ? to : Math.min(quiet.lastIndex, to);
      // A line over the cap is malformed, even a field not kept: the lines passed over are only taken as a
      // whole when no line among them can be that long.
      if (stop - start > maxLine) while (start < stop) start = this.#oneLine(chunk, text, start, maxLine);
      start = stop;
      if (start < to) start = this.#oneLine(chunk, text, start, maxLine);
    }
  }

  /** The line at `text[start]`, which ends with a newline in `text`; returns where the next line begins. */
  #oneLine(chunk: Buffer, text: string, start: number, maxLine: number): number {
    const end = text.indexOf('\n', start);
    const first = text.charCodeAt(start);
    if ((first === SPACE || first === TAB) && this.#isContinuation(text, start, end)) return end + 1;
    if (end - start > maxLine) this.stats.malformedLines++;
    else this.#line(chunk, text, start, end > start && text.charCodeAt(end - 1) === CR ? end - 1 : end);
    return end + 1;
  }

  /** Ends the input: a last line without newline and a last record count. */
  end(): void {
    // A truncated file's last line is cut in the middle: drop it rather than keep half a value.
    if (this.stats.truncated) this.#partial = [];
    if (this.#partialBytes > 0 && !this.stats.truncated) this.#endLine();
    this.#finishRecord();
  }

  #key(name: string): string {
    return this.#options.caseInsensitive ? name.toLowerCase() : name;
  }

  /** Whether the line `text[start..end)` continues a field: a space or tab first, and not blank. */
  #isContinuation(text: string, start: number, end: number): boolean {
    if (!this.#sawField) return false;
    const first = text.charCodeAt(start);
    if (first !== SPACE && first !== TAB) return false;
    for (let i = start + 1; i < end; i++) if (!isBlank(text.charCodeAt(i))) return true;
    // Blank so far: a paragraph separator if it stays blank; decided when the line ends.
    return false;
  }

  #take(piece: Buffer, text: string, start: number, end: number): void {
    if (this.#skippingLongLine || this.#skippingContinuation || piece.length === 0) return;
    if (this.#partialBytes === 0 && this.#isContinuation(text, start, end)) {
      this.#skippingContinuation = true;
      return;
    }
    if (this.#partialBytes + piece.length > this.#options.maxLineBytes) {
      // A long continuation line (a license paragraph) is skipped like any other, not counted as malformed.
      const head = Buffer.concat([...this.#partial, piece]);
      if (this.#isContinuation(head.toString('latin1'), 0, head.length)) {
        this.#skippingContinuation = true;
        this.#partial = [];
        this.#partialBytes = 0;
        return;
      }
      this.#skippingLongLine = true;
      this.#partial = [];
      this.#partialBytes = 0;
      return;
    }
    this.#partial.push(Buffer.from(piece));
    this.#partialBytes += piece.length;
  }

  #endLine(): void {
    if (this.#skippingContinuation) {
      this.#skippingContinuation = false;
      return;
    }
    if (this.#skippingLongLine) {
      this.#skippingLongLine = false;
      this.stats.malformedLines++;
      return;
    }
    const line = Buffer.concat(this.#partial, this.#partialBytes);
    this.#partial = [];
    this.#partialBytes = 0;
    const text = latin1Of(line, 0, line.length);
    this.#line(line, text, 0, text.charCodeAt(line.length - 1) === CR ? line.length - 1 : line.length);
  }

  /** One line, `bytes[start..end)` (`text` is the same bytes as latin1), without its CR LF. */
  #line(bytes: Buffer, text: string, start: number, end: number): void {
    let blank = true;
    for (let i = start; i < end && blank; i++) blank = isBlank(text.charCodeAt(i));
    if (blank) {
      this.#finishRecord();
      return;
    }
    this.#inParagraph = true;
    const first = text.charCodeAt(start);
    if (first === HASH) return;
    // Continuation of the previous field's value: descriptions, license texts. Not kept.
    if ((first === SPACE || first === TAB) && this.#sawField) return;
    const colon = text.indexOf(':', start);
    if (colon <= start || colon >= end) {
      this.stats.malformedLines++;
      return;
    }
    // Field names are ASCII (deb822): the latin1 view is their text.
    const name = text.slice(start, colon);
    if (BLANK_CHARACTER.test(name)) {
      this.stats.malformedLines++;
      return;
    }
    this.#sawField = true;
    const key = this.#key(name);
    if (!this.#fields.has(key)) return;
    this.#current ??= new Map();
    if (!this.#current.has(key)) this.#current.set(key, utf8Of(bytes, colon + 1, end).trim());
  }

  #finishRecord(): void {
    if (this.#inParagraph) this.paragraphs++;
    this.#inParagraph = false;
    const record = this.#current;
    this.#current = undefined;
    this.#sawField = false;
    if (!record) return;
    if (this.records.length >= this.#options.maxRecords) this.stats.droppedRecords++;
    else this.records.push(record);
  }
}
