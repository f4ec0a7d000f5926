import { parseDockerUrl, unpackImage } from '@isar/fetch-core';
import type { Command } from '../command.js';
import { DL_DIR_OPTION } from '../options/image-flags.js';

/** `unpack <url> --dl-dir --arch --workdir`: Isar's do_unpack for a docker:// URL. */
export const unpackCommand: Command = {
  name: 'unpack',
  summary: 'hard-link (or copy) a fetched image into WORKDIR as <name>:<tag>.zst; prints its path',
  description:
    "Puts the archive 'fetch' published in DL_DIR into the recipe's work directory under the name Isar's\n" +
    'unpack uses, <localname>:<tag>.zst: a hard link, or a copy across file systems; an existing file there is\n' +
    'replaced atomically. No network. Fails (exit 1) when the image was not fetched for that arch.\n' +
    "The archive's SBOM (<archive>.cdx.json in DL_DIR) goes along as <localname>:<tag>.cdx.json; when there\n" +
    'is none, one left in WORKDIR by an earlier unpack is removed.\n' +
    'With --json: {"path": "<WORKDIR>/<localname>:<tag>.zst", "sbom": "<WORKDIR>/<localname>:<tag>.cdx.json"\n' +
    'or null}.',
  positionals: [{ name: 'url', description: 'the docker:// URL as given to fetch' }],
  options: {
    'dl-dir': DL_DIR_OPTION,
    arch: {
      type: 'string',
      valueName: 'debian-arch',
      required: true,
      description: 'Debian architecture (PACKAGE_ARCH), as given to fetch',
    },
    workdir: { type: 'string', valueName: 'dir', required: true, description: "the recipe's WORKDIR" },
  },
  async run(ctx) {
    const url = parseDockerUrl(ctx.positional('url'));
    const result = await unpackImage(url, {
      dlDir: ctx.resolvePath(ctx.requireString('dl-dir')),
      arch: ctx.requireString('arch'),
      workdir: ctx.resolvePath(ctx.requireString('workdir')),
    });
    ctx.print(
      ctx.flag('json') ? JSON.stringify({ path: result.path, sbom: result.sbom ?? null }) : result.path,
    );
    return 0;
  },
};
