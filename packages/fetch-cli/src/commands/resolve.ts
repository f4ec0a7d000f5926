import { parseDockerUrl, resolveImage } from '@isar/fetch-core';
import type { Command } from '../command.js';
import { DOCKER_URL_POSITIONAL } from '../options/image-flags.js';
import { REGISTRY_OPTIONS, registryClientOptions } from '../options/registry-flags.js';

/** `resolve <url> [--arch]`: what the tag points at now, and the recipe line that pins it. */
export const resolveCommand: Command = {
  name: 'resolve',
  summary: 'print the digest a tag points at now and the SRC_URI line that pins it',
  description:
    "Asks the registry (HEAD) what the URL's tag points at: prints that digest (the multi-arch index for a\n" +
    'multi-arch image, as Isar pins it), then the line SRC_URI = "<url>;digest=<digest>". With --arch, a third\n' +
    'line names the platform image: its manifest digest and platform. Downloads no layers.',
  positionals: [DOCKER_URL_POSITIONAL],
  options: {
    arch: {
      type: 'string',
      valueName: 'debian-arch',
      description: 'also resolve the platform image of this Debian architecture',
    },
    ...REGISTRY_OPTIONS,
    json: {
      type: 'boolean',
      description: 'one JSON object: reference, indexDigest, srcUri[, manifestDigest, platform]',
    },
  },
  async run(ctx) {
    const url = parseDockerUrl(ctx.positional('url'));
    const arch = ctx.string('arch');
    const result = await resolveImage(url, {
      ...(arch !== undefined ? { arch } : {}),
      signal: ctx.signal,
      registry: registryClientOptions(ctx),
    });
    if (ctx.flag('json')) {
      const { srcUriLine, ...rest } = result;
      ctx.print(JSON.stringify({ ...rest, srcUri: srcUriLine }));
      return 0;
    }
    ctx.print(result.indexDigest);
    ctx.print(result.srcUriLine);
    if (result.manifestDigest) ctx.print(`${result.manifestDigest} ${result.platform}`);
    return 0;
  },
};
