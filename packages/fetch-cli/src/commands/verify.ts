import { lstat, stat } from 'node:fs/promises';
import { verifyFetchedArchive } from '@isar/fetch-core';
import type { Command } from '../command.js';
import { usageError } from '../errors/cli-error.js';
import { formatBytes } from '../progress/format.js';

/** `verify <file>`: the integrity check of a fetched archive. */
export const verifyCommand: Command = {
  name: 'verify',
  summary: 'check an archive end to end (zstd, tar, every digest and diff_id) and say what it holds',
  description:
    'Reads a fetched archive (.zst or plain tar; docker-archive or oci) in one pass and checks the zstd stream,\n' +
    'the tar structure, every blob digest and every docker-archive layer diff_id; refuses hostile entries.\n' +
    'Prints one line per image. Exit 1 when anything is wrong.',
  positionals: [
    { name: 'file', description: 'the archive, e.g. DL_DIR/container-images/amd64/debian_bookworm.zst' },
  ],
  options: {
    deep: { type: 'boolean', description: 'also inflate compressed oci layers to check their diff_ids' },
    json: { type: 'boolean', description: 'the whole report as one JSON object' },
  },
  async run(ctx) {
    const file = await archiveFile(ctx.positional('file'), ctx.resolvePath.bind(ctx));
    const report = await verifyFetchedArchive(file, { signal: ctx.signal, deep: ctx.flag('deep') });
    if (ctx.flag('json')) {
      ctx.print(JSON.stringify({ file, ok: true, ...report }));
      return 0;
    }
    const images = report.images.length;
    ctx.print(
      `${file}: OK, ${report.format} (${report.compression}), ${images} image${images === 1 ? '' : 's'}, ` +
        `${formatBytes(report.archiveBytes)}`,
    );
    for (const image of report.images) {
      const proofs = [
        image.verifiedByDiffId > 0 ? `${image.verifiedByDiffId} by diff_id` : '',
        image.verifiedByBlobDigest > 0 ? `${image.verifiedByBlobDigest} by blob digest` : '',
      ].filter(Boolean);
      ctx.print(
        `  ${image.repoTags.join(', ') || '(untagged)'} ${image.platform}: ${image.layers} layers ` +
          `(${formatBytes(image.layerBytes)}) verified ${proofs.join(', ') || '(no layers)'}` +
          `${image.manifestDigest ? `, manifest ${image.manifestDigest}` : ''}${image.loadable ? '' : ', not loadable'}`,
      );
    }
    return 0;
  },
};

/** The absolute path of the archive to verify, or a usage error saying what the path really is. */
async function archiveFile(given: string, resolvePath: (path: string) => string): Promise<string> {
  // resolve('') is the working directory: an empty argument (an unset shell variable) must not become it.
  if (given === '') throw usageError('verify: the archive path is empty');
  const file = resolvePath(given);
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      const dangling = (await lstat(file).catch(() => undefined))?.isSymbolicLink();
      throw usageError(
        `verify: no such file: ${file}${dangling ? ' (a symbolic link to a missing file)' : ''}`,
      );
    }
    throw usageError(`verify: cannot look at ${file}: ${(error as Error).message}`, error);
  }
  if (info.isDirectory()) throw usageError(`verify: ${file} is a directory, not an archive`);
  if (!info.isFile()) throw usageError(`verify: ${file} is not a regular file (${kindOf(info)})`);
  return file;
}

function kindOf(info: Awaited<ReturnType<typeof stat>>): string {
  if (info.isCharacterDevice()) return 'a character device';
  if (info.isBlockDevice()) return 'a block device';
  if (info.isFIFO()) return 'a named pipe';
  if (info.isSocket()) return 'a socket';
  return 'not a file';
}
