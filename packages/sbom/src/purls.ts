import { PackageURL } from 'packageurl-js';

/**
 * `pkg:oci/<name>@<digest>?arch=..&repository_url=<registry>/<repo>&tag=..` as the purl spec's oci type
 * wants: the name is the repository's last component, lower case; where it lives goes into the qualifiers.
 */
export function ociPurl(repository: string, digest: string, architecture?: string, tag?: string): string {
  const name = (repository.split('/').pop() ?? repository).toLowerCase();
  const qualifiers: Record<string, string> = { repository_url: repository };
  if (architecture) qualifiers.arch = architecture;
  if (tag) qualifiers.tag = tag;
  return new PackageURL('oci', undefined, name, digest, qualifiers, undefined).toString();
}

/** `pkg:deb/<distro>/<name>@<version>?arch=..&distro=<id>-<version_id>`. */
export function debPurl(
  namespace: string,
  name: string,
  version: string,
  architecture?: string,
  distro?: string,
): string {
  return osPackagePurl('deb', namespace, name, version, architecture, distro);
}

/** `pkg:apk/<distro>/<name>@<version>?arch=..&distro=<id>-<version_id>`. */
export function apkPurl(
  namespace: string,
  name: string,
  version: string,
  architecture?: string,
  distro?: string,
): string {
  return osPackagePurl('apk', namespace, name, version, architecture, distro);
}

/** A distro package's purl: the types differ, the qualifiers (`arch`, `distro`) do not. */
function osPackagePurl(
  type: 'deb' | 'apk',
  namespace: string,
  name: string,
  version: string,
  architecture?: string,
  distro?: string,
): string {
  const qualifiers: Record<string, string> = {};
  if (architecture) qualifiers.arch = architecture;
  if (distro) qualifiers.distro = distro;
  return new PackageURL(type, namespace, name, version, qualifiers, undefined).toString();
}
