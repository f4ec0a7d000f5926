import { isAbsolute, normalize, resolve, sep } from 'node:path';
import { describeError } from '../errors.js';
import { MAX_SHOWN, quoted } from '../report/printable.js';
import { type ImageName, parseImageName } from './image-name.js';

/** One valid line of an image list: an archive and the name its image must end up under. */
export interface ListedImage {
  /** The file field as written (relative to the images directory). */
  file: string;
  /** Absolute path of the archive. */
  archive: string;
  name: ImageName;
  line: number;
}

/** A line that could not be understood; it fails on its own, the other lines still load. */
export interface ListProblem {
  line: number;
  /** The line as written, cut to its first 200 characters. */
  text: string;
  message: string;
}

/**
 * Longest list line read (a path of 4096 bytes and a name are far below it); a longer line fails unparsed,
 * so a single line cannot flood the journal or the report.
 */
export const MAX_LIST_LINE = 8192;

/** What {@link parseImageList} read: the listed images and the malformed lines. */
export interface ParsedImageList {
  images: ListedImage[];
  problems: ListProblem[];
}

/**
 * Parses Isar's `image.list`: one `<image_file> <name>:<tag>` per line, `#` comments (whole line or after the
 * fields) and blank lines allowed. A missing tag means `latest`. File names stay inside the images directory:
 * absolute paths and `..` are refused, so a list cannot make the loader read or delete files elsewhere.
 */
export function parseImageList(text: string, imagesDir: string): ParsedImageList {
  const images: ListedImage[] = [];
  const problems: ListProblem[] = [];
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, index) => {
    const line = index + 1;
    const problem = (message: string) =>
      problems.push({ line, text: raw.trim().slice(0, MAX_SHOWN), message });
    const bytes = Buffer.byteLength(raw);
    if (bytes > MAX_LIST_LINE) {
      problem(`line is ${bytes} bytes long, over ${MAX_LIST_LINE}`);
      return;
    }
    const content = stripComment(raw).trim();
    if (content === '') return;
    const fields = content.split(/\s+/);
    if (fields.length !== 2) {
      problem(
        `expected "<image_file> <name>:<tag>", found ${fields.length} field${fields.length === 1 ? '' : 's'}`,
      );
      return;
    }
    const [file, nameText] = fields as [string, string];
    const fileProblem = checkFileName(file);
    if (fileProblem) {
      problem(fileProblem);
      return;
    }
    let name: ImageName;
    try {
      name = parseImageName(nameText);
    } catch (error) {
      problem(`bad image name: ${describeError(error)}`);
      return;
    }
    images.push({ file, archive: resolve(imagesDir, file), name, line });
  });
  return { images, problems };
}

/** `#` starts a comment at the beginning of a line or after whitespace (a file name may contain `#`). */
function stripComment(line: string): string {
  const match = /(^|\s)#/.exec(line);
  return match ? line.slice(0, match.index) : line;
}

function checkFileName(file: string): string | undefined {
  if (isAbsolute(file)) return `image file ${quoted(file)} must be relative to the images directory`;
  const normal = normalize(file);
  if (normal === '..' || normal.startsWith(`..${sep}`) || file.split(/[/\\]/).includes('..')) {
    return `image file ${quoted(file)} must not contain ".."`;
  }
  if (normal === '.' || file.endsWith('/')) return `image file ${quoted(file)} is a directory`;
  return undefined;
}
