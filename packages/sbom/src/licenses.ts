import type { Contrib, Models } from '@cyclonedx/cyclonedx-library';
import parseSpdxExpression from 'spdx-expression-parse';
import { cycloneDxLibrary } from './library.js';

let licenseFactory: Contrib.License.Factories.LicenseFactory | undefined;
const factory = () =>
  (licenseFactory ??= new (cycloneDxLibrary().Contrib.License.Factories.LicenseFactory)((expression) => {
    parseSpdxExpression(expression);
  }));

/** Whether `expression` is a valid SPDX license expression (ids and exceptions on SPDX's lists). */
export function isSpdxExpression(expression: string): boolean {
  try {
    parseSpdxExpression(expression);
    return true;
  } catch {
    return false;
  }
}

/**
 * CycloneDX licenses for a component: one SPDX expression when every declared license maps to SPDX (several
 * joined with AND: all apply, to different files), otherwise each license on its own, by SPDX id when it is
 * one, by name as written when not (CycloneDX does not allow an expression beside named licenses).
 */
export function componentLicenses(spdx: readonly string[], unmapped: readonly string[]): Models.License[] {
  const valid = spdx.filter(isSpdxExpression);
  const invalid = spdx.filter((expression) => !isSpdxExpression(expression));
  const names = [...unmapped, ...invalid];
  if (names.length === 0 && valid.length > 0) {
    const joined = valid.length === 1 ? (valid[0] as string) : valid.map(parenthesize).join(' AND ');
    return [factory().makeExpression(joined)];
  }
  return [
    ...valid.map((expression) =>
      /\s/.test(expression)
        ? new (cycloneDxLibrary().Models.NamedLicense)(expression)
        : factory().makeDisjunctive(expression),
    ),
    ...names.map((name) => new (cycloneDxLibrary().Models.NamedLicense)(name)),
  ];
}

function parenthesize(expression: string): string {
  return /\s/.test(expression) ? `(${expression})` : expression;
}
