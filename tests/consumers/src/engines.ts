/**
 * Just enough of semver's range grammar to check an `engines.node` claim: our packages declare `>=X.Y.Z`, and
 * every Node version from X.Y.Z up must also be allowed by each runtime dependency's `engines.node`.
 */

type Version = readonly [number, number, number];

export function parseVersion(text: string): Version {
  const match = /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?$/.exec(text.trim());
  if (!match) throw new Error(`not a version: "${text}"`);
  return [Number(match[1]), Number(match[2] ?? 0), Number(match[3] ?? 0)];
}

export function compareVersions(a: Version, b: Version): number {
  for (let i = 0; i < 3; i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** The X.Y.Z of a `>=X.Y.Z` range, the only form our packages use. */
export function declaredMinimum(range: string): Version {
  const match = /^>=\s*(\S+)$/.exec(range.trim());
  if (!match?.[1]) throw new Error(`engines.node should be ">=X.Y.Z", got "${range}"`);
  return parseVersion(match[1]);
}

/**
 * Whether every version >= `minimum` satisfies `range`. Only open-ended alternatives (`>=B`, `>B`, `*`) can;
 * `^`/`~`/bounded alternatives never cover every later version. Throws on syntax it does not know, so a new
 * form gets looked at instead of passing silently.
 */
export function coversFrom(range: string | undefined, minimum: Version): boolean {
  if (range === undefined || range.trim() === '' || range.trim() === '*') return true;
  return range.split('||').some((alternative) => {
    const parts = alternative
      .trim()
      .replace(/([<>]=?)\s+/g, '$1')
      .split(/\s+/);
    if (parts.length !== 1) return false; // a bounded range like ">=18 <23"
    const part = parts[0] ?? '';
    if (part === '*' || part === 'x') return true;
    const open = /^(>=|>)(.+)$/.exec(part);
    if (open?.[1] && open[2]) {
      const cmp = compareVersions(minimum, parseVersion(open[2]));
      return open[1] === '>=' ? cmp >= 0 : cmp > 0;
    }
    if (/^[\^~=]?v?\d/.test(part)) return false;
    throw new Error(`engines range not understood: "${range}"`);
  });
}
