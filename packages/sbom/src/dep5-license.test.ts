import { describe, expect, it } from 'vitest';
import { dep5ToSpdx } from './dep5-license.js';
import { isSpdxExpression } from './licenses.js';

describe('dep5ToSpdx', () => {
  it.each([
    ['GPL-2+', 'GPL-2.0-or-later'],
    ['GPL-2', 'GPL-2.0-only'],
    ['LGPL-2.1+', 'LGPL-2.1-or-later'],
    ['GPL-3+ or BSD-3-clause', 'GPL-3.0-or-later OR BSD-3-Clause'],
    ['Expat', 'MIT'],
    ['expat and zlib', 'MIT AND Zlib'],
    ['Apache-2.0', 'Apache-2.0'],
    ['BSD-2-clause, MIT', 'BSD-2-Clause AND MIT'],
    ['GPL-3+ with Autoconf exception', 'GPL-3.0-or-later WITH Autoconf-exception-2.0'],
    ['GFDL-1.3+', 'GFDL-1.3-or-later'],
    ['MPL-1.1+', 'MPL-1.1+'],
    ['ISC', 'ISC'],
    ['public-domain', undefined],
    ['GPL-2+ with OpenSSL exception', undefined],
    ['permissive', undefined],
    ['GPL-2+ or', undefined],
    ['', undefined],
  ])('%j -> %j', (input, expected) => {
    const spdx = dep5ToSpdx(input);
    expect(spdx).toBe(expected);
    if (spdx) expect(isSpdxExpression(spdx)).toBe(true);
  });
});
