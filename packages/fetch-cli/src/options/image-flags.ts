import type { OptionSpec, PositionalSpec } from '../command.js';

/** The `docker://` URL every image command takes first, described once. */
export const DOCKER_URL_POSITIONAL: PositionalSpec = {
  name: 'url',
  description: 'docker://[<host>/]<image>[;digest=<algo>:<hex>][;tag=<tag>]',
};

/** `--dl-dir`: Isar's download cache, required where a command reads or writes it. */
export const DL_DIR_OPTION: OptionSpec = {
  type: 'string',
  valueName: 'dir',
  required: true,
  description: "Isar's DL_DIR",
};

/** `--arch`: the recipe's Debian architecture, required where the cache path depends on it. */
export const ARCH_OPTION: OptionSpec = {
  type: 'string',
  valueName: 'debian-arch',
  required: true,
  description: 'Debian architecture (PACKAGE_ARCH): amd64, arm64, armhf, armel, i386, ...',
};
