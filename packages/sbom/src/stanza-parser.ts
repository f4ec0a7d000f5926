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

const NEWLINE = 0x0a;
const SPACE = 0x20;
const TAB = 0x09;

export class StanzaParser {
  readonly records: Stanza[] = [];
  readonly stats: StanzaStats = { malformedLines: 0, truncated: false, droppedRecords: 0, bytes: 0 };
  readonly #options: StanzaParserOptions;
  readonly #fields: Set<string>;
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
    let start = 0;
    for (let end = chunk.indexOf(NEWLINE); end !== -1; end = chunk.indexOf(NEWLINE, start)) {
      // A line whole in this chunk is looked at in place: no copy, and continuation lines (most of the bytes
      // of a status or copyright file) are never decoded.
      if (this.#partialBytes === 0 && !this.#skippingLongLine && !this.#skippingContinuation)
        this.#wholeLine(chunk, start, end);
      else {
        this.#take(chunk.subarray(start, end));
        this.#endLine();
      }
      start = end + 1;
    }
    if (start < chunk.length) this.#take(chunk.subarray(start));
    return !this.stats.truncated;
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

  /** Whether the line starting at `start` continues a field: a space or tab first, and not blank. */
  #isContinuation(bytes: Buffer, start: number, end: number): boolean {
    if (!this.#sawField) return false;
    const first = bytes[start];
    if (first !== SPACE && first !== TAB) return false;
    for (let i = start + 1; i < end; i++) {
      const byte = bytes[i];
      if (byte !== SPACE && byte !== TAB && byte !== 0x0d) return true;
    }
    // Blank so far: a paragraph separator if it stays blank; decided when the line ends.
    return false;
  }

  #wholeLine(chunk: Buffer, start: number, end: number): void {
    if (this.#isContinuation(chunk, start, end)) return;
    if (end - start > this.#options.maxLineBytes) {
      this.stats.malformedLines++;
      return;
    }
    const line = chunk.toString('utf8', start, end);
    this.#line(line.endsWith('\r') ? line.slice(0, -1) : line);
  }

  #take(piece: Buffer): void {
    if (this.#skippingLongLine || this.#skippingContinuation || piece.length === 0) return;
    if (this.#partialBytes === 0 && this.#isContinuation(piece, 0, piece.length)) {
      this.#skippingContinuation = true;
      return;
    }
    if (this.#partialBytes + piece.length > this.#options.maxLineBytes) {
      // A long continuation line (a license paragraph) is skipped like any other, not counted as malformed.
      const head = Buffer.concat([...this.#partial, piece]);
      if (this.#isContinuation(head, 0, head.length)) {
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
    const line = Buffer.concat(this.#partial, this.#partialBytes).toString('utf8').replace(/\r$/, '');
    this.#partial = [];
    this.#partialBytes = 0;
    this.#line(line);
  }

  #line(line: string): void {
    if (line.trim() === '') {
      this.#finishRecord();
      return;
    }
    this.#inParagraph = true;
    if (line.startsWith('#')) return;
    // Continuation of the previous field's value: descriptions, license texts. Not kept.
    if ((line.startsWith(' ') || line.startsWith('\t')) && this.#sawField) return;
    const colon = line.indexOf(':');
    if (colon <= 0 || /\s/.test(line.slice(0, colon))) {
      this.stats.malformedLines++;
      return;
    }
    this.#sawField = true;
    const key = this.#key(line.slice(0, colon));
    if (!this.#fields.has(key)) return;
    this.#current ??= new Map();
    if (!this.#current.has(key)) this.#current.set(key, line.slice(colon + 1).trim());
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
