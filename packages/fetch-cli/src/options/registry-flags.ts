import { existsSync } from 'node:fs';
import type { FetchOptions } from '@isar/fetch-core';
import type { CommandContext, OptionSpec } from '../command.js';
import { usageError } from '../errors/cli-error.js';
import { TIMEOUT_OPTIONS, timeoutOptions } from './timeout-flags.js';

type RegistryClientOptions = NonNullable<FetchOptions['registry']>;

/** The options of every command that talks to a registry. */
export const REGISTRY_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  'auth-file': {
    type: 'string',
    valueName: 'file',
    description:
      'credentials file (containers auth.json / docker config.json); default REGISTRY_AUTH_FILE, then the standard files',
  },
  'registries-conf': {
    type: 'string',
    valueName: 'file',
    description:
      'containers-registries.conf with mirrors (e.g. a pull-through cache); default the standard files',
  },
  'insecure-registry': {
    type: 'string',
    valueName: 'host[:port]',
    multiple: true,
    description: 'allow plain HTTP / unverified TLS for this registry (repeatable; loopback always may)',
  },
  ...TIMEOUT_OPTIONS,
};

/** The registry client options the command line asks for; the environment (proxies, certs) comes along. */
export function registryClientOptions(ctx: CommandContext): RegistryClientOptions {
  const authFile = existingFile(ctx, 'auth-file');
  const registriesConf = existingFile(ctx, 'registries-conf');
  // As skopeo and podman do: a file the user named must be there (unnoticed, a typo ends in a 401 later).
  const envAuthFile = authFile === undefined ? ctx.env.REGISTRY_AUTH_FILE : undefined;
  if (envAuthFile && !existsSync(envAuthFile)) {
    throw usageError(`REGISTRY_AUTH_FILE names ${envAuthFile}, which does not exist`);
  }
  const insecure = ctx.strings('insecure-registry');
  return {
    env: ctx.env,
    ...(authFile ? { authFile } : {}),
    ...(registriesConf ? { registriesConf } : {}),
    ...(insecure.length > 0 ? { insecureRegistries: insecure } : {}),
    ...timeoutOptions(ctx),
  };
}

/** The absolute path a file option names, or a usage error when that file does not exist. */
function existingFile(ctx: CommandContext, option: string): string | undefined {
  const value = ctx.string(option);
  if (!value) return undefined;
  const path = ctx.resolvePath(value);
  if (!existsSync(path)) throw usageError(`--${option} ${path} does not exist`);
  return path;
}
