import type { FetchOptions } from '@isar/fetch-core';
import type { CommandContext, OptionSpec } from '../command.js';

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
};

/** The registry client options the command line asks for; the environment (proxies, certs) comes along. */
export function registryClientOptions(ctx: CommandContext): RegistryClientOptions {
  const authFile = ctx.string('auth-file');
  const registriesConf = ctx.string('registries-conf');
  const insecure = ctx.strings('insecure-registry');
  return {
    env: ctx.env,
    ...(authFile ? { authFile: ctx.resolvePath(authFile) } : {}),
    ...(registriesConf ? { registriesConf: ctx.resolvePath(registriesConf) } : {}),
    ...(insecure.length > 0 ? { insecureRegistries: insecure } : {}),
  };
}
