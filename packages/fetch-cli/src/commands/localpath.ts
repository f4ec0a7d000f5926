import { localFile, parseDockerUrl } from '@isar/fetch-core';
import type { Command } from '../command.js';
import { ARCH_OPTION, DOCKER_URL_POSITIONAL } from '../options/image-flags.js';

/** `localpath <url> --arch <a>`: where Isar's fetcher keeps an image in DL_DIR. Pure; no network. */
export const localpathCommand: Command = {
  name: 'localpath',
  summary: 'print the cache path of an image relative to DL_DIR (no network)',
  description:
    "Prints where the image of a docker:// URL is kept in the download cache, relative to DL_DIR, as Isar's\n" +
    'container fetcher names it: container-images/<arch>/[<variant>/]<name>_<digest|tag>.zst\n' +
    'With --json: {"path": "container-images/..."}.',
  positionals: [DOCKER_URL_POSITIONAL],
  options: {
    arch: ARCH_OPTION,
  },
  run(ctx) {
    const url = parseDockerUrl(ctx.positional('url'));
    const path = localFile(url, ctx.requireString('arch'));
    ctx.print(ctx.flag('json') ? JSON.stringify({ path }) : path);
    return 0;
  },
};
