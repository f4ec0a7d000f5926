import { stat } from 'node:fs/promises';
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
    const file = ctx.resolvePath(ctx.positional('file'));
    const info = await stat(file).catch(() => undefined);
    if (!info?.isFile()) throw usageError(`verify: no such file: ${file}`);
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
