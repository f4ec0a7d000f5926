/**
 * A streaming reader of tar headers (ustar, GNU long names, pax) that never makes a stream per entry: the
 * caller sees each header and, only for the entries it asks for, the data; everything else is skipped by
 * counting bytes. Scanning a layer for a few files then costs little more than the bytes passing by.
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

export class TarFormatError extends Error {
  override readonly name = 'TarFormatError';
}

const BLOCK = 512;
/** Bytes of a pax or GNU long-name entry kept; longer ones are not names anyone needs. */
const MAX_META = 1 << 20;

export class TarHeaderReader {
  readonly #onEntry: (header: TarHeader) => DataSink;
  readonly #onEnd: (() => void) | undefined;
  #header = Buffer.alloc(BLOCK);
  #headerFill = 0;
  /** Data bytes left of the current entry, then padding. */
  #dataLeft = 0;
  #padLeft = 0;
  #sink: DataSink;
  #meta: Buffer[] | undefined;
  #metaKind: 'x' | 'L' | 'K' | undefined;
  #pending: { path?: string; linkpath?: string; size?: number } = {};
  #done = false;

  constructor(onEntry: (header: TarHeader) => DataSink, onEntryEnd?: () => void) {
    this.#onEntry = onEntry;
    this.#onEnd = onEntryEnd;
  }

  /** Whether the end-of-archive block was seen (what follows is padding). */
  get done(): boolean {
    return this.#done;
  }

  push(chunk: Buffer): void {
    let offset = 0;
    while (offset < chunk.length && !this.#done) {
      if (this.#dataLeft > 0) {
        const take = Math.min(this.#dataLeft, chunk.length - offset);
        const piece = chunk.subarray(offset, offset + take);
        if (this.#meta) this.#keepMeta(piece);
        else this.#sink?.(piece);
        this.#dataLeft -= take;
        offset += take;
        if (this.#dataLeft === 0) this.#endData();
        continue;
      }
      if (this.#padLeft > 0) {
        const take = Math.min(this.#padLeft, chunk.length - offset);
        this.#padLeft -= take;
        offset += take;
        continue;
      }
      const take = Math.min(BLOCK - this.#headerFill, chunk.length - offset);
      chunk.copy(this.#header, this.#headerFill, offset, offset + take);
      this.#headerFill += take;
      offset += take;
      if (this.#headerFill === BLOCK) {
        this.#headerFill = 0;
        this.#parseHeader();
      }
    }
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

  #endData(): void {
    if (this.#meta) {
      const bytes = Buffer.concat(this.#meta);
      const text = bytes.toString('utf8');
      if (this.#metaKind === 'x') this.#pending = { ...this.#pending, ...parsePax(bytes) };
      else if (this.#metaKind === 'L') this.#pending.path = text.replace(/\0.*$/s, '');
      else this.#pending.linkpath = text.replace(/\0.*$/s, '');
      this.#meta = undefined;
      this.#metaKind = undefined;
      return;
    }
    this.#sink = undefined;
    this.#onEnd?.();
  }

  #parseHeader(): void {
    const h = this.#header;
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += h[i] as number;
    if (sum === 0) {
      // The first zero block ends the archive (tar writes two; the second is padding to us).
      this.#done = true;
      return;
    }
    // The checksum counts its own field as spaces.
    let own = 0;
    for (let i = 148; i < 156; i++) own += h[i] as number;
    if (sum - own + 8 * 0x20 !== readNumber(h.subarray(148, 156)))
      throw new TarFormatError('a tar header has a bad checksum');
    const flag = String.fromCharCode(h[156] as number);
    const meta = flag === 'x' || flag === 'L' || flag === 'K' || flag === 'g';
    // A pax `size` is for the entry after the pax header, never for another meta entry.
    const size = (meta ? undefined : this.#pending.size) ?? readNumber(h.subarray(124, 136));
    const padding = (BLOCK - (size % BLOCK)) % BLOCK;
    if (meta) {
      this.#dataLeft = size;
      this.#padLeft = padding;
      // A global pax header ('g') sets defaults no layer relies on for names: read and dropped.
      this.#meta = [];
      this.#metaKind = flag === 'g' ? undefined : flag;
      if (flag === 'g') this.#meta = undefined;
      if (size === 0) this.#endData();
      return;
    }
    const ustar = h.toString('latin1', 257, 263) === 'ustar\0';
    const prefix = ustar ? cString(h, 345, 155) : '';
    const rawName = cString(h, 0, 100);
    const name = this.#pending.path ?? (prefix ? `${prefix}/${rawName}` : rawName);
    const linkname = this.#pending.linkpath ?? cString(h, 157, 100);
    this.#pending = {};
    const type =
      flag === '0' || flag === '\0' || flag === '7'
        ? 'file'
        : flag === '1'
          ? 'link'
          : flag === '2'
            ? 'symlink'
            : flag === '5'
              ? 'directory'
              : 'other';
    // Only regular files have data in the archive for our purposes; others' size field is skipped the same way.
    const dataSize = type === 'link' || type === 'symlink' || type === 'directory' ? 0 : size;
    this.#sink = this.#onEntry({ name, type, size: dataSize, linkname });
    this.#dataLeft = dataSize;
    this.#padLeft = dataSize === 0 ? 0 : padding;
    if (dataSize === 0) this.#endData();
  }
}

function cString(block: Buffer, start: number, length: number): string {
  const end = block.indexOf(0, start);
  return block.toString('utf8', start, end === -1 || end > start + length ? start + length : end);
}

/** Octal digits (space/NUL terminated), or GNU's base-256 for sizes over 8 GiB. */
function readNumber(field: Buffer): number {
  if (((field[0] as number) & 0x80) !== 0) {
    let value = (field[0] as number) & 0x7f;
    for (let i = 1; i < field.length; i++) value = value * 256 + (field[i] as number);
    return value;
  }
  const text = field
    .toString('latin1')
    .replace(/[\0 ].*$/s, '')
    .trim();
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text)) throw new TarFormatError(`a tar header has a malformed number "${text}"`);
  return Number.parseInt(text, 8);
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
