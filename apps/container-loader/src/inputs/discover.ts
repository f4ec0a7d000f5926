import { readdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { LoaderError } from '../errors.js';
import { type ListProblem, parseImageList } from './image-list.js';
import type { ImageName } from './image-name.js';
import { readListFile } from './read-list-file.js';

/** One archive to load, with the name it must end up under when a list says so. */
export interface LoadItem {
  /** How reports name it: the file as written in the list, or the file name found by the scan. */
  label: string;
  /** Absolute path of the archive. */
  archive: string;
  /** From image.list; scanned archives have none (their names come from the archive itself). */
  expected?: ImageName;
  /** Line of image.list. */
  line?: number;
}

/** Where the images to load were listed: an image.list file, or a scan of the images directory. */
export type InputSource = { kind: 'list'; file: string } | { kind: 'scan'; dir: string };

/** What {@link discoverInputs} found: where the list of images came from, the images, and bad list lines. */
export interface DiscoveredInputs {
  source: InputSource;
  items: LoadItem[];
  /** Malformed list lines, each of which fails on its own. */
  problems: ListProblem[];
}

/** File names the scan picks up: what isar-fetch writes (`.zst`) and plain or gzip tars. */
const ARCHIVE_SUFFIXES = ['.zst', '.tar', '.tar.gz', '.tgz'];

/**
 * Finds what to load, in Isar's order: the list given, else `<images-dir>/image.list`, else
 * `<images-dir>/../image.list` (how Isar's loader package lays it out: `/usr/share/<pkg>/{image.list,images/}`),
 * else every archive in the images directory.
 */
export async function discoverInputs(
  imagesDir: string,
  listFile: string | undefined,
  signal?: AbortSignal,
): Promise<DiscoveredInputs> {
  if (!(await isDirectory(imagesDir))) {
    throw new LoaderError('USAGE', `images directory ${imagesDir} does not exist or is not a directory`);
  }
  let list = listFile;
  if (list === undefined) {
    for (const candidate of [join(imagesDir, 'image.list'), join(dirname(imagesDir), 'image.list')]) {
      if (await isFile(candidate)) {
        list = candidate;
        break;
      }
    }
  }
  if (list !== undefined) {
    const text = await readListFile(list, signal);
    const { images, problems } = parseImageList(text, imagesDir);
    const items = images.map((image) => ({
      label: image.file,
      archive: image.archive,
      expected: image.name,
      line: image.line,
    }));
    return { source: { kind: 'list', file: list }, items, problems };
  }
  const names = (await readdir(imagesDir, { withFileTypes: true }))
    .filter((entry) => entry.isFile() && !entry.name.startsWith('.'))
    .map((entry) => entry.name)
    .filter((name) => ARCHIVE_SUFFIXES.some((suffix) => name.endsWith(suffix)))
    .sort();
  return {
    source: { kind: 'scan', dir: imagesDir },
    items: names.map((name) => ({ label: name, archive: join(imagesDir, name) })),
    problems: [],
  };
}

async function isDirectory(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isDirectory() ?? false;
}

async function isFile(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isFile() ?? false;
}
