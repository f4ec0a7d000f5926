/** Platform strings of fixture images (`os/arch[/variant]`) and the Debian arch that matches each. */

export interface FixturePlatform {
  /** As given, e.g. 'linux/arm64/v8'. */
  text: string;
  os: string;
  architecture: string;
  variant?: string;
  /** Debian architecture whose busybox-static fits, e.g. 'armhf' for arm/v7. */
  debianArch?: string;
}

const debianArchByPlatform: Record<string, string> = {
  amd64: 'amd64',
  arm64: 'arm64',
  'arm64/v8': 'arm64',
  'arm/v7': 'armhf',
  'arm/v6': 'armel',
  'arm/v5': 'armel',
  '386': 'i386',
  ppc64le: 'ppc64el',
  s390x: 's390x',
  riscv64: 'riscv64',
  mips64le: 'mips64el',
};

export function parseFixturePlatform(text: string): FixturePlatform {
  const [os, architecture, variant, extra] = text.split('/');
  if (!os || !architecture || extra !== undefined) {
    throw new Error(`bad platform "${text}": expected os/arch[/variant]`);
  }
  const key = variant ? `${architecture}/${variant}` : architecture;
  return {
    text,
    os,
    architecture,
    ...(variant && { variant }),
    debianArch:
      os === 'linux' ? (debianArchByPlatform[key] ?? debianArchByPlatform[architecture]) : undefined,
  };
}

/** The platform the kit's machine runs natively (where the real busybox executes). */
export function hostPlatformText(): string {
  return process.arch === 'arm64' ? 'linux/arm64/v8' : 'linux/amd64';
}
