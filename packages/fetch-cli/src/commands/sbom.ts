import { randomBytes } from 'node:crypto';
import { rename, rm, stat, writeFile } from 'node:fs/promises';
import { describeFetchedArchive } from '@isar/fetch-core';
import type { Command } from '../command.js';
import { usageError } from '../errors/cli-error.js';

/** `sbom <archive>`: a CycloneDX SBOM of an archive already on disk. */
export const sbomCommand: Command = {
  name: 'sbom',
  summary: 'write a CycloneDX 1.6 SBOM of an archive: the image and the dpkg/apk packages inside it',
  description:
    'Reads a fetched archive (.zst or plain tar; docker-archive or oci) in one pass, checking every digest as\n' +
    'verify does, applies its layers in order (whiteouts honoured) and lists the packages of the final\n' +
    'filesystem (dpkg status and status.d, apk installed) with their licenses where the copyright file is\n' +
    'machine-readable. Writes <archive>.cdx.json (or --output; - for stdout) and prints its path.\n' +
    "An archive 'fetch' published has its record beside it (<archive>.isar-fetch.json): the manifest and index\n" +
    'digests, the docker:// URL and the registry layer digests come from there, so the SBOM is the one fetch\n' +
    'writes. The record is used only while it still matches the archive (size, mtime, inode).\n' +
    'Deterministic: the timestamp comes from SOURCE_DATE_EPOCH, or there is none.\n' +
    'With --json: {"path", "packages", "warnings"}.',
  positionals: [
    { name: 'file', description: 'the archive, e.g. DL_DIR/container-images/amd64/debian_bookworm.zst' },
  ],
  options: {
    output: {
      type: 'string',
      short: 'o',
      valueName: 'file',
      description: 'where to write (default <archive>.cdx.json)',
    },
    image: {
      type: 'string',
      valueName: 'platform|name:tag',
      description: 'which image of a multi-image archive (default: the one docker load takes)',
    },
    url: {
      type: 'string',
      valueName: 'docker-url',
      description:
        "the docker:// URL the image came from, recorded in the SBOM (default: the archive's record)",
    },
  },
  async run(ctx) {
    const given = ctx.positional('file');
    if (given === '') throw usageError('sbom: the archive path is empty');
    const file = ctx.resolvePath(given);
    const info = await stat(file).catch(() => undefined);
    if (!info?.isFile()) throw usageError(`sbom: not a regular file: ${file}`);
    const url = ctx.string('url');
    const image = ctx.string('image');
    const epoch = ctx.env.SOURCE_DATE_EPOCH;
    let sbom: Awaited<ReturnType<typeof describeFetchedArchive>>;
    try {
      sbom = await describeFetchedArchive(file, {
        signal: ctx.signal,
        ...(image ? { image } : {}),
        ...(url ? { url } : {}),
        // The io's environment, not the process's: the runner decides what the command sees.
        timestamp: epoch && /^\d+$/.test(epoch.trim()) ? new Date(Number(epoch.trim()) * 1000) : null,
      });
    } catch (error) {
      // Imported here, not at the top: every command of the CLI loads this module.
      const { isSbomError } = await import('@isar/sbom');
      if (isSbomError(error, 'INVALID_INPUT')) throw usageError(`sbom: ${error.message}`, error);
      throw error;
    }
    if (!ctx.flag('quiet'))
      for (const warning of sbom.inventory.warnings) ctx.note(`sbom: warning: ${warning}`);
    const output = ctx.string('output') ?? `${file}.cdx.json`;
    if (output === '-') {
      ctx.io.stdout.write(sbom.json);
      return 0;
    }
    const target = ctx.resolvePath(output);
    // Written aside and renamed: a reader never sees half a document.
    const temp = `${target}.tmp-${randomBytes(4).toString('hex')}`;
    try {
      await writeFile(temp, sbom.json, { signal: ctx.signal });
      await rename(temp, target);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
    const packages = sbom.inventory.deb.length + sbom.inventory.apk.length;
    ctx.print(
      ctx.flag('json')
        ? JSON.stringify({ path: target, packages, warnings: sbom.inventory.warnings })
        : target,
    );
    return 0;
  },
};
