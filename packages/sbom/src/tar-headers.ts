import { utf8Of } from './buffer-text.js';

/**
 * A streaming reader of tar headers (ustar, GNU long names, pax) that never makes a stream per entry: the
 * caller sees the headers it wants and, only for the entries it asks for, the data; everything else is skipped
 * by counting bytes. Scanning a layer for a few files then costs little more than the bytes passing by.
 *
 * Code that runs once per fetch, much of it before V8 has optimized it: the reader's state is held in locals
 * while a chunk is walked, data nobody reads is counted past with its padding, and an entry whose name the
 * caller does not want ends at its name.
 */
export interface TarHeader {
  name: string;
  /** '0' file (also '\0', '7'), '1' hard link, '2' symlink, '5' directory; others as written. */
  type: 'file' | 'link' | 'symlink' | 'directory' | 'other';
  size: number;
  linkname: string;
}

/** What the caller does with an entry's data: nothing, or a function fed its chunks. */
export type DataSink = ((chunk: Buffer) => void) | undefined;

export interface TarHeaderReaderOptions {
  /**
   * A quick test on an entry's name (as written: pax or GNU long name, else prefix/name) before its link
   * target is read or `onEntry` called; false skips the entry and its data. Default: every entry.
   */
  wants?: (name: string) => boolean;
  /** Called when the data of an entry handed to `onEntry` has all been seen. */
  onEntryEnd?: () => void;
}

export class TarFormatError extends Error {
  override readonly name = 'TarFormatError';
}

const BLOCK = 512;
/** Bytes of a pax or GNU long-name entry kept; longer ones are not names anyone needs. */
const MAX_META = 1 << 20;
const ZERO_BLOCK = Buffer.alloc(BLOCK);

type MetaKind = 'x' | 'L' | 'K' | 'g';

export class TarHeaderReader {
  readonly #onEntry: (header: TarHeader) => DataSink;
  readonly #onEnd: (() => void) | undefined;
  readonly #wants: ((name: string) => boolean) | undefined;
  /** A header split between chunks, gathered. */
  #header = Buffer.alloc(BLOCK);
  #headerFill = 0;
  /** Data bytes left of the current entry, then its padding. */
  #dataLeft = 0;
  #padLeft = 0;
  #sink: DataSink;
  /** The data of the current entry goes to onEntryEnd when it ends (an entry handed to onEntry). */
  #handed = false;
  #meta: Buffer[] | undefined;
  #metaKind: MetaKind | undefined;
  #pending: { path?: string; linkpath?: string; size?: number } | undefined;
  #done = false;

  constructor(onEntry: (header: TarHeader) => DataSink, options: TarHeaderReaderOptions = {}) {
    this.#onEntry = onEntry;
    this.#onEnd = options.onEntryEnd;
    this.#wants = options.wants;
    // #skip tests these fields, which keep their first value until a pax header, a long name or a split
    // header comes. While no store has changed a field, V8 compiles #skip with that value as a constant and
    // throws the code away at the first such header (~8 ms of compiling again on the big bench fixture).
    // Changed once here, they are plain fields from the start.
    this.#meta = [];
    this.#meta = undefined;
    this.#pending = {};
    this.#pending = undefined;
    this.#headerFill = 1;
    this.#headerFill = 0;
    this.#handed = true;
    this.#handed = false;
  }

  /** Whether the end-of-archive block was seen (what follows is padding). */
  get done(): boolean {
    return this.#done;
  }

  push(chunk: Buffer): void {
    let offset = 0;
    while (offset < chunk.length && !this.#done) {
      offset = this.#skip(chunk, offset);
      if (offset < chunk.length) offset = this.#step(chunk, offset);
    }
  }

  /**
   * The usual case, as far as it goes: data nobody reads, padding, and ustar or GNU entries (no pax or long
   * name before them) whose whole header is in this chunk and whose name the caller does not want, counted
   * past. Returns where something else begins (or the chunk ends): {@link #step} takes that.
   *
   * A function of its own holding nothing but this: it runs for each of a layer's thousands of entries, so V8
   * compiles it while the layer passes, and code it has never seen run (the rare paths, in #step) would make
   * it throw the optimized code away when first reached. As one function with the rare paths, the walk's
   * compile took ~12 ms and was dropped at the first pax header or end block. The magic, meta flag, no-data
   * and name tests repeat #parseHeader's on purpose, for the same reason.
   */
  #skip(chunk: Buffer, start: number): number {
    if (this.#handed || this.#meta !== undefined || this.#pending !== undefined || this.#headerFill !== 0)
      return start;
    const wants = this.#wants;
    if (wants === undefined) return start;
    const length = chunk.length;
    let offset = start;
    let dataLeft = this.#dataLeft;
    let padLeft = this.#padLeft;
    for (;;) {
      const skip = Math.min(dataLeft + padLeft, length - offset);
      offset += skip;
      if (skip >= dataLeft) {
        padLeft -= skip - dataLeft;
        dataLeft = 0;
      } else dataLeft -= skip;
      if (length - offset < BLOCK || padLeft > 0) break;
      const at = offset;
      const magic =
        chunk[at + 257] === 0x75 &&
        chunk[at + 258] === 0x73 &&
        chunk[at + 259] === 0x74 &&
        chunk[at + 260] === 0x61 &&
        chunk[at + 261] === 0x72
          ? chunk[at + 262]
          : -1;
      const flag = chunk[at + 156] as number;
      if (
        chunk[at] === 0 ||
        // GNU ('ustar  '), or POSIX ustar with no name prefix.
        !(magic === 0x20 || (magic === 0 && chunk[at + 345] === 0)) ||
        flag === 0x78 ||
        flag === 0x4c ||
        flag === 0x4b ||
        flag === 0x67
      )
        break;
      const field = utf8Of(chunk, at, at + 100);
      const nul = field.indexOf('\0');
      if (wants(nul === -1 ? field : field.slice(0, nul))) break;
      // Links, symlinks and directories have no data in the archive, whatever their size field says.
      dataLeft = flag === 0x31 || flag === 0x32 || flag === 0x35 ? 0 : readNumber(chunk, at + 124, 12);
      padLeft = padding(dataLeft);
      offset += BLOCK;
    }
    this.#dataLeft = dataLeft;
    this.#padLeft = padLeft;
    return offset;
  }

  /** One step of everything else: data handed out or kept, a header split between chunks, any other header. */
  #step(chunk: Buffer, start: number): number {
    const length = chunk.length;
    let offset = start;
    const dataLeft = this.#dataLeft;
    if (dataLeft > 0 && (this.#meta !== undefined || this.#sink !== undefined)) {
      const take = Math.min(dataLeft, length - offset);
      const piece = chunk.subarray(offset, offset + take);
      if (this.#meta) this.#keepMeta(piece);
      else this.#sink?.(piece);
      this.#dataLeft = dataLeft - take;
      if (this.#dataLeft === 0) this.#endData();
      return offset + take;
    }
    if (dataLeft > 0 || this.#padLeft > 0) {
      // Data nobody reads (an entry handed out without a sink) and padding: counted past together.
      const skip = Math.min(dataLeft + this.#padLeft, length - offset);
      if (skip >= dataLeft) {
        this.#padLeft -= skip - dataLeft;
        this.#dataLeft = 0;
        // Only an entry handed out has anything to end (data nobody reads is not pax or a long name).
        if (dataLeft > 0 && this.#handed) this.#endData();
      } else this.#dataLeft = dataLeft - skip;
      return offset + skip;
    }
    if (this.#headerFill === 0 && length - offset >= BLOCK) {
      this.#parseHeader(chunk, offset);
      return offset + BLOCK;
    }
    const take = Math.min(BLOCK - this.#headerFill, length - offset);
    chunk.copy(this.#header, this.#headerFill, offset, offset + take);
    this.#headerFill += take;
    offset += take;
    if (this.#headerFill === BLOCK) {
      this.#headerFill = 0;
      this.#parseHeader(this.#header, 0);
    }
    return offset;
  }

  /** The input ended: fails when it ended inside an entry. */
  end(): void {
    if (this.#done) return;
    if (this.#dataLeft > 0 || this.#headerFill > 0) throw new TarFormatError('the tar ends inside an entry');
  }

  #keepMeta(piece: Buffer): void {
    const kept = this.#meta as Buffer[];
    const size = kept.reduce((sum, b) => sum + b.length, 0);
    if (size < MAX_META) kept.push(Buffer.from(piece.subarray(0, MAX_META - size)));
  }

  /** The current entry's data has been seen (or skipped). */
  #endData(): void {
    if (this.#meta) {
      const bytes = Buffer.concat(this.#meta);
      this.#pending ??= {};
      const pending = this.#pending;
      // A global pax header ('g') sets defaults no layer relies on for names: read and dropped.
      if (this.#metaKind === 'x') Object.assign(pending, parsePax(bytes));
      else if (this.#metaKind === 'L') pending.path = cutAtNul(bytes.toString('utf8'));
      else if (this.#metaKind === 'K') pending.linkpath = cutAtNul(bytes.toString('utf8'));
      this.#meta = undefined;
      this.#metaKind = undefined;
      return;
    }
    this.#sink = undefined;
    if (this.#handed) {
      this.#handed = false;
      this.#onEnd?.();
    }
  }

  /** Reads the header block at `h[at..at+512)`. */
  #parseHeader(h: Buffer, at: number): void {
    if (h[at] === 0 && ZERO_BLOCK.compare(h, at, at + BLOCK) === 0) {
      // The first zero block ends the archive (tar writes two; the second is padding to us).
      this.#done = true;
      return;
    }
    // Every layer tool writes ustar or GNU headers: their magic, and octal fields that parse, tell a header
    // from other bytes. Only a header without it (pre-POSIX tar) has its checksum summed: 512 bytes in
    // JavaScript for each of a layer's thousands of entries cost more than the rest of the header.
    const magic =
      h[at + 257] === 0x75 &&
      h[at + 258] === 0x73 &&
      h[at + 259] === 0x74 &&
      h[at + 260] === 0x61 &&
      h[at + 261] === 0x72
        ? h[at + 262]
        : -1;
    const posix = magic === 0;
    if (magic !== 0 && magic !== 0x20 && !checksumMatches(h, at))
      throw new TarFormatError('a tar header has a bad checksum');
    const flag = h[at + 156] as number;
    const pending = this.#pending;
    this.#pending = undefined;
    if (flag === 0x78 || flag === 0x4c || flag === 0x4b || flag === 0x67) {
      // pax 'x' / 'g', GNU long name 'L' / long link 'K': their data describes the next entry.
      const size = readNumber(h, at + 124, 12);
      this.#pending = pending;
      this.#meta = [];
      this.#metaKind = String.fromCharCode(flag) as MetaKind;
      this.#dataLeft = size;
      this.#padLeft = padding(size);
      if (size === 0) this.#endData();
      return;
    }
    const type = entryType(flag);
    // Only regular files have data in the archive for our purposes; others' size field is skipped the same way.
    const size =
      type === 'link' || type === 'symlink' || type === 'directory'
        ? 0
        : (pending?.size ?? readNumber(h, at + 124, 12));
    this.#dataLeft = size;
    this.#padLeft = padding(size);
    let name = pending?.path;
    if (name === undefined) {
      name = cString(h, at, 100);
      // POSIX ustar (not GNU) keeps a prefix for long names at 345.
      if (posix && h[at + 345] !== 0) name = `${cString(h, at + 345, 155)}/${name}`;
    }
    if (this.#wants && !this.#wants(name)) return;
    const linkname =
      type === 'link' || type === 'symlink' ? (pending?.linkpath ?? cString(h, at + 157, 100)) : '';
    this.#sink = this.#onEntry({ name, type, size, linkname });
    this.#handed = true;
    if (size === 0) this.#endData();
  }
}

function padding(size: number): number {
  return (BLOCK - (size % BLOCK)) % BLOCK;
}

function entryType(flag: number): TarHeader['type'] {
  switch (flag) {
    case 0x30: // '0'
    case 0x00:
    case 0x37: // '7' contiguous file
      return 'file';
    case 0x31:
      return 'link';
    case 0x32:
      return 'symlink';
    case 0x35:
      return 'directory';
    default:
      return 'other';
  }
}

/**
 * A NUL-terminated (or full-length) header field as UTF-8. Called for every header: `indexOf` and `toString`
 * on a Buffer are JavaScript wrappers around these, and V8 compiled them into the header walk at some cost.
 */
function cString(block: Buffer, start: number, length: number): string {
  return cutAtNul(utf8Of(block, start, start + length));
}

function cutAtNul(text: string): string {
  const nul = text.indexOf('\0');
  return nul === -1 ? text : text.slice(0, nul);
}

/**
 * A numeric field: octal digits, leading spaces allowed, ended by a space or NUL (or the field's end); GNU's
 * base-256 (high bit set) for sizes over 8 GiB.
 */
function readNumber(h: Buffer, start: number, length: number): number {
  const end = start + length;
  if (((h[start] as number) & 0x80) !== 0) {
    let value = (h[start] as number) & 0x7f;
    for (let i = start + 1; i < end; i++) value = value * 256 + (h[i] as number);
    return value;
  }
  let i = start;
  while (i < end && h[i] === 0x20) i++;
  let value = 0;
  for (; i < end; i++) {
    const byte = h[i] as number;
    if (byte === 0 || byte === 0x20) break;
    if (byte < 0x30 || byte > 0x37)
      throw new TarFormatError(
        `a tar header has a malformed number "${cutAtNul(h.toString('latin1', start, end))}"`,
      );
    value = value * 8 + (byte - 0x30);
  }
  return value;
}

/** The header checksum: the sum of its bytes with the checksum field counted as spaces. */
function checksumMatches(h: Buffer, at: number): boolean {
  let sum = 8 * 0x20;
  for (let i = 0; i < BLOCK; i++) if (i < 148 || i >= 156) sum += h[at + i] as number;
  return sum === readNumber(h, at + 148, 8);
}

/** pax records: `<length> <key>=<value>\n`, the length in bytes; only path, linkpath and size matter here. */
function parsePax(bytes: Buffer): { path?: string; linkpath?: string; size?: number } {
  const out: { path?: string; linkpath?: string; size?: number } = {};
  let offset = 0;
  while (offset < bytes.length) {
    const space = bytes.indexOf(0x20, offset);
    if (space === -1) break;
    const length = Number.parseInt(bytes.toString('latin1', offset, space), 10);
    if (!Number.isFinite(length) || length <= space - offset || offset + length > bytes.length) break;
    const record = bytes.toString('utf8', space + 1, offset + length - 1);
    offset += length;
    const equals = record.indexOf('=');
    const key = record.slice(0, equals);
    const value = record.slice(equals + 1);
    if (key === 'path') out.path = value;
    else if (key === 'linkpath') out.linkpath = value;
    else if (key === 'size' && /^\d+$/.test(value)) out.size = Number(value);
  }
  return out;
}
