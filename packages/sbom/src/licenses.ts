import type { Models } from '@cyclonedx/cyclonedx-library';
import parseSpdxExpression from 'spdx-expression-parse';
import { cycloneDxLibrary } from './library.js';

/** Verdicts so far: an image's packages share few distinct license names, and the parser is slow. */
const verdicts = new Map<string, boolean>();

/** Whether `expression` is a valid SPDX license expression (ids and exceptions on SPDX's lists). */
export function isSpdxExpression(expression: string): boolean {
  let valid = verdicts.get(expression);
  if (valid === undefined) {
    try {
      parseSpdxExpression(expression);
      valid = true;
    } catch {
      valid = false;
    }
    if (verdicts.size < 10_000) verdicts.set(expression, valid);
  }
  return valid;
}

/**
 * CycloneDX licenses for a component: one SPDX expression when every declared license maps to SPDX (several
 * joined with AND: all apply, to different files), otherwise each license on its own, by SPDX id when it is
 * one, by name as written when not (CycloneDX does not allow an expression beside named licenses).
 */
export function componentLicenses(spdx: readonly string[], unmapped: readonly string[]): Models.License[] {
  const { Models, SPDX } = cycloneDxLibrary();
  const valid: string[] = [];
  const names = [...unmapped];
  for (const expression of spdx) (isSpdxExpression(expression) ? valid : names).push(expression);
  if (names.length === 0 && valid.length > 0) {
    const joined = valid.length === 1 ? (valid[0] as string) : valid.map(parenthesize).join(' AND ');
    return [new Models.LicenseExpression(joined)];
  }
  return [
    ...valid.map((expression) => {
      // An id on CycloneDX's SPDX list as such; an expression (or an id it lacks) by name.
      const id = /\s/.test(expression) ? undefined : SPDX.fixupSpdxId(expression);
      return id ? new Models.SpdxLicense(id) : new Models.NamedLicense(expression);
    }),
    ...names.map((name) => new Models.NamedLicense(name)),
  ];
}

function parenthesize(expression: string): string {
  return /\s/.test(expression) ? `(${expression})` : expression;
}
