import { cycloneDxLibrary } from './library.js';

/**
 * Maps a DEP-5 `License:` short name line (Debian's machine-readable copyright format 1.0) to an SPDX license
 * expression, or undefined when some part has no SPDX equivalent (then the SBOM names the license as
 * written). DEP-5 writes `GPL-2+`, `LGPL-2.1`, `Expat`, `BSD-3-clause`, joined by `or`/`and`/`,` and
 * `with <name> exception`; SPDX wants `GPL-2.0-or-later`, `LGPL-2.1-only`, `MIT`, `BSD-3-Clause`,
 * `OR`/`AND`/`WITH`.
 */
export function dep5ToSpdx(shortName: string): string | undefined {
  const tokens = shortName.replace(/,/g, ' , ').split(/\s+/).filter(Boolean);
  if (tokens.length === 0) return undefined;
  const out: string[] = [];
  let expectTerm = true;
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] as string;
    const lower = token.toLowerCase();
    if (!expectTerm) {
      if (lower === 'or' || lower === 'and' || lower === ',') {
        out.push(lower === 'or' ? 'OR' : 'AND');
        expectTerm = true;
        continue;
      }
      if (lower === 'with') {
        // The exception's name runs up to the next operator; `exception` itself is decoration.
        const words: string[] = [];
        while (i + 1 < tokens.length && !/^(or|and|,)$/i.test(tokens[i + 1] as string))
          words.push(tokens[++i] as string);
        const exception = exceptionId(words.join(' '));
        if (!exception) return undefined;
        out.push('WITH', exception);
        continue;
      }
      return undefined;
    }
    const id = licenseId(token);
    if (!id) return undefined;
    out.push(id);
    expectTerm = false;
  }
  return expectTerm ? undefined : out.join(' ');
}

/** Licenses GNU numbers with `-only` / `-or-later` in SPDX. */
const gnu = new Map([
  ['gpl', 'GPL'],
  ['lgpl', 'LGPL'],
  ['agpl', 'AGPL'],
  ['gfdl', 'GFDL'],
]);

/** DEP-5 names whose SPDX spelling differs by more than case. */
const renamed = new Map([
  ['expat', 'MIT'],
  ['artistic', 'Artistic-1.0'],
  ['apache-2', 'Apache-2.0'],
  ['cc0', 'CC0-1.0'],
  ['zlib', 'Zlib'],
  ['psf-2', 'PSF-2.0'],
  ['python', 'Python-2.0'],
  ['mpl-2', 'MPL-2.0'],
]);

function licenseId(token: string): string | undefined {
  const plus = token.endsWith('+');
  const name = plus ? token.slice(0, -1) : token;
  const lower = name.toLowerCase();
  const gnuMatch = /^([a-z]+)-(\d+(?:\.\d+)?)$/.exec(lower);
  const family = gnuMatch?.[1] && gnu.get(gnuMatch[1]);
  if (family && gnuMatch?.[2]) {
    const version = gnuMatch[2].includes('.') ? gnuMatch[2] : `${gnuMatch[2]}.0`;
    const id = `${family}-${version}-${plus ? 'or-later' : 'only'}`;
    return cycloneDxLibrary().SPDX.isSupportedSpdxId(id) ? id : undefined;
  }
  const bsd = /^bsd-([234])-clause$/.exec(lower);
  const id = bsd ? `BSD-${bsd[1]}-Clause` : (renamed.get(lower) ?? cycloneDxLibrary().SPDX.fixupSpdxId(name));
  if (!id) return undefined;
  // SPDX's `+` (this version or later) exists for any license; GNU ones have their own ids above.
  return plus ? `${id}+` : id;
}

const exceptions = new Map([
  ['autoconf', 'Autoconf-exception-2.0'],
  ['autoconf-3', 'Autoconf-exception-3.0'],
  ['bison', 'Bison-exception-2.2'],
  ['classpath', 'Classpath-exception-2.0'],
  ['font', 'Font-exception-2.0'],
  ['gcc-3.1', 'GCC-exception-3.1'],
  ['gcc-exception-3.1', 'GCC-exception-3.1'],
  ['gcc-runtime-library-3.1', 'GCC-exception-3.1'],
  ['libtool', 'Libtool-exception'],
]);

function exceptionId(words: string): string | undefined {
  const key = words
    .toLowerCase()
    .replace(/\bexception\b/g, '')
    .trim()
    .replace(/\s+/g, '-');
  return exceptions.get(key);
}
