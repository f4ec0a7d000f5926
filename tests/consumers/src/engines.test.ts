import { describe, expect, it } from 'vitest';
import { coversFrom, declaredMinimum } from './engines.js';

describe('engines ranges', () => {
  const from = declaredMinimum('>=20.18.1');

  it('accepts open-ended ranges at or below our minimum', () => {
    expect(coversFrom('>=20.18.1', from)).toBe(true);
    expect(coversFrom('>= 18', from)).toBe(true);
    expect(coversFrom('>=10', from)).toBe(true);
    expect(coversFrom('^12.22.0 || ^14.17.0 || ^15.12.0 || >=16', from)).toBe(true);
    expect(coversFrom(undefined, from)).toBe(true);
  });

  it('rejects what a later Node version would break', () => {
    // undici 7 needs 20.18.1: a package claiming >=20.18 would be dishonest.
    expect(coversFrom('>=20.18.1', declaredMinimum('>=20.18'))).toBe(false);
    expect(coversFrom('>=22.19', from)).toBe(false);
    expect(coversFrom('^20.18.1', from)).toBe(false);
    expect(coversFrom('>=18 <23', from)).toBe(false);
  });

  it('refuses syntax it does not understand instead of passing it', () => {
    expect(() => coversFrom('latest', from)).toThrow(/not understood/);
    expect(() => declaredMinimum('^20')).toThrow(/>=X.Y.Z/);
  });
});
