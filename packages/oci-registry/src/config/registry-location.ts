import { RegistryError } from '../errors/registry-error.js';

/**
 * A registries.conf `location` or `prefix` as containers/image reads it: trailing slashes dropped
 * (`example.com//` is `example.com`), URI schemes refused (`https://example.com`; TLS is `insecure`'s business).
 * `where` names the file and entry for the error, which is `CONFIG`.
 */
export function parseRegistryLocation(value: string, where: string): string {
  if (value.includes('://')) {
    throw new RegistryError('CONFIG', `${where}: invalid location '${value}': URI schemes are not supported`);
  }
  return value.replace(/\/+$/, '');
}
