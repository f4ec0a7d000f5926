import { OciSpecError } from './errors.js';
import type { Platform } from './types.js';

/** `linux/arm/v7` style, as docker and skopeo print a platform. */
export function formatPlatform(platform: Platform): string {
  const base = `${platform.os}/${platform.architecture}`;
  return platform.variant ? `${base}/${platform.variant}` : base;
}

/**
 * Parses `os/arch[/variant]`, lower-cased as containerd does (`Linux/x86_64` is `linux/x86_64`; names such as
 * `x86_64` are mapped by {@link normalizePlatform}); throws {@link OciSpecError} `INVALID_PLATFORM`.
 */
export function parsePlatform(value: string): Platform {
  const parts = value.toLowerCase().split('/');
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => !/^[a-z0-9._-]+$/.test(p))) {
    throw new OciSpecError(
      'INVALID_PLATFORM',
      `invalid platform "${value}": expected os/architecture[/variant]`,
    );
  }
  const [os, architecture, variant] = parts as [string, string, string | undefined];
  return variant ? { os, architecture, variant } : { os, architecture };
}
